// `lambkin dev` with REDIS_URL: asynchronous invocations go through BullMQ on a real redis-server instead of the
// embedded queue, with the same rules; hostile jobs written straight into Redis are dead-lettered, never a crash.
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../bench/redis-server.js";
import { BullMqJobQueue } from "../../triggers/queue/bullmq/bullmq-job-queue.js";
import type { DeadLetter } from "../../triggers/queue/interfaces/job-queue.js";
import { QUEUED_INVOCATION_VERSION } from "../../triggers/queue/interfaces/queued-invocation.js";
import { eventually } from "../support/eventually.js";
import { type DevProcess, ROOT, startDev } from "./dev-process.js";

const SERVICE = join(ROOT, "test", "fixtures", "async");

describe("lambkin dev on BullMQ (REDIS_URL)", () => {
  let redis: RedisServer;
  let dev: DevProcess;
  let queue: BullMqJobQueue;

  beforeAll(async () => {
    redis = await startRedisServer();
    dev = await startDev(SERVICE, { REDIS_URL: redis.url, LAMBKIN_ASYNC_RETRY_DELAYS: "0" });
    // The test's own handle on the same queue, to read dead letters and to write what a hostile producer would.
    queue = new BullMqJobQueue({ connection: redis.url, reporter: () => {} });
    await queue.ready();
  }, 60_000);

  afterAll(async () => {
    await queue?.close({ timeoutMs: 0 });
    dev?.child.kill("SIGTERM");
    await dev?.exited;
    await redis?.dispose();
  });

  const invokeEvent = async (fn: string, payload: unknown): Promise<string> => {
    const response = await fetch(`${dev.url}/2015-03-31/functions/${fn}/invocations`, {
      method: "POST",
      headers: { "X-Amz-Invocation-Type": "Event" },
      body: JSON.stringify(payload),
    });
    expect(response.status).toBe(202);
    return response.headers.get("x-amzn-requestid") ?? "";
  };
  const deadLetterOf = (requestId: string): Promise<DeadLetter> =>
    eventually(async () => {
      const letter = (await queue.deadLetters.list()).find(
        (entry) => entry.invocation?.requestId === requestId,
      );
      if (!letter) throw new Error("not yet");
      return letter;
    });

  it("says it queues on BullMQ, and runs an Event invocation", async () => {
    expect(dev.output()).toContain("asynchronous invocations: BullMQ on redis://127.0.0.1:");
    await invokeEvent("recorder", { hello: "bullmq" });
    await eventually(async () => {
      if (!dev.output().includes('RECORD {"hello":"bullmq"}')) throw new Error("not yet");
    });
  });

  it("retries a failing function 1 + 2 times and keeps it as a dead letter in Redis", async () => {
    const requestId = await invokeEvent("alwaysFails", { n: 1 });
    const letter = await deadLetterOf(requestId);
    expect(letter.condition).toBe("RetriesExhausted");
    expect(letter.errors.map((error) => error.requestId)).toEqual([requestId, requestId, requestId]);
  });

  it("dead-letters a malformed job written into Redis and a job for an unknown function, and goes on", async () => {
    const client = new Redis(redis.url);
    await client.hset("lambkin:async-invocations:hostile-1", {
      name: "invocation",
      data: "{ not json",
      opts: JSON.stringify({ attempts: 1 }),
      timestamp: Date.now(),
      delay: 0,
      priority: 0,
    });
    await client.lpush("lambkin:async-invocations:wait", "hostile-1");
    await client.zadd("lambkin:async-invocations:marker", 0, "0");
    client.disconnect();
    await queue.enqueue({
      version: QUEUED_INVOCATION_VERSION,
      functionName: "async-dev-gone",
      qualifier: "$LATEST",
      invocationType: "Event",
      payload: "{}",
      payloadEncoding: "utf8",
      requestId: "gone-request",
      source: "test",
      enqueuedAt: Date.now(),
    });
    const malformed = await eventually(async () => {
      const letter = await queue.deadLetters.get("hostile-1");
      if (!letter) throw new Error("not yet");
      return letter;
    });
    expect(malformed.condition).toBe("MalformedJob");
    expect(malformed.raw).toBe("{ not json");
    expect((await deadLetterOf("gone-request")).condition).toBe("FunctionNotFound");
    // Said once the dead letter is stored: the line may reach this process a moment later.
    await eventually(async () => {
      if (!dev.output().includes("LKN_ERR_QUEUE_JOB_MALFORMED")) throw new Error("not yet");
    });
    // Still consuming.
    await invokeEvent("recorder", { after: "hostile" });
    await eventually(async () => {
      if (!dev.output().includes('RECORD {"after":"hostile"}')) throw new Error("not yet");
    });
    expect(dev.child.exitCode).toBeNull();
  });
});
