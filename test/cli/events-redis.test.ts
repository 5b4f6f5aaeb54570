import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../bench/redis-server.js";
import type { DeadLetterView } from "../../triggers/queue/dead-letter-view.js";
import { eventually } from "../support/eventually.js";
import { runLambkin } from "../support/run-lambkin.js";
import { type DevProcess, ROOT, startDev } from "./dev-process.js";

const lambkin = (args: string[], env: NodeJS.ProcessEnv = {}) => runLambkin(args, env);

describe("lambkin events on BullMQ (REDIS_URL)", () => {
  let redis: RedisServer;
  let dev: DevProcess;

  beforeAll(async () => {
    redis = await startRedisServer();
    dev = await startDev(join(ROOT, "test", "fixtures", "events"), {
      REDIS_URL: redis.url,
      LAMBKIN_ASYNC_RETRY_DELAYS: "0",
    });
  }, 60_000);

  afterAll(async () => {
    dev?.child.kill("SIGTERM");
    await dev?.exited;
    await redis?.dispose();
  });

  const invokeEvent = async (payload: unknown): Promise<string> => {
    const response = await fetch(`${dev.url}/2015-03-31/functions/alwaysFails/invocations`, {
      method: "POST",
      headers: { "X-Amz-Invocation-Type": "Event" },
      body: JSON.stringify(payload),
    });
    expect(response.status).toBe(202);
    return response.headers.get("x-amzn-requestid") ?? "";
  };

  it("lists, redrives and purges the dead letters kept in Redis, straight from Redis", async () => {
    const requestId = await invokeEvent({ via: "redis" });
    const served = await eventually(async () => {
      const views = (await (await fetch(`${dev.url}/_lambkin/events`)).json()) as DeadLetterView[];
      const found = views.find((view) => view.requestId === requestId);
      if (!found) throw new Error("not dead-lettered yet");
      return found;
    });
    expect(served).toMatchObject({
      functionName: "events-dev-alwaysFails",
      condition: "RetriesExhausted",
      attempts: 2,
      payload: { via: "redis" },
    });
    expect(served.errors.map((error) => [error.requestId, error.errorType])).toEqual([
      [requestId, "PaymentDeclined"],
      [requestId, "PaymentDeclined"],
    ]);

    const env = { REDIS_URL: redis.url, PORT: "1" }; // PORT 1: nothing there, so HTTP was not used
    const list = await lambkin(["events", "list", "--json"], env);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([served]);
    const table = await lambkin(["events", "list"], env);
    expect(table.stdout).toContain(`(BullMQ on ${redis.url}`);

    const redrive = await lambkin(["events", "redrive", served.id, "--json"], env);
    expect(redrive.code, redrive.stderr).toBe(0);
    const { jobId } = JSON.parse(redrive.stdout) as { jobId: string };
    // dev consumes the redriven event from Redis: it fails again, as a new event with a new request id.
    const again = await eventually(async () => {
      const views = JSON.parse((await lambkin(["events", "list", "--json"], env)).stdout) as DeadLetterView[];
      const found = views.find((view) => view.id === jobId);
      if (!found) throw new Error("redriven event not dead-lettered again yet");
      return found;
    });
    expect(again.requestId).not.toBe(requestId);
    expect(again.source).toBe(`redrive:${served.id}`);
    expect(again.payload).toEqual({ via: "redis" });

    const purged = await lambkin(["events", "purge", "--all", "--json"], env);
    expect(JSON.parse(purged.stdout)).toEqual({ purged: 1 });
    expect(await (await fetch(`${dev.url}/_lambkin/events`)).json()).toEqual([]);
  });

  it("fails with LKN_ERR_QUEUE_UNAVAILABLE when the Redis named cannot be reached", async () => {
    const run = await lambkin(["events", "list"], { REDIS_URL: "redis://127.0.0.1:1" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("[LKN_ERR_QUEUE_UNAVAILABLE]");
  });
});
