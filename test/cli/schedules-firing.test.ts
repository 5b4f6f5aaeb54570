// serverless.yml `schedule` events fire for real (docs/lambda-behaviour.md §6.7): in `lambkin dev` (in-process
// timers, embedded queue) and in a cluster of two gateways and one worker sharing a redis-server (BullMQ job
// schedulers), where each tick must become exactly one invocation although both gateways fire schedules.
// EventBridge's finest period is one minute, so this file waits a little over one.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../bench/redis-server.js";
import { eventually } from "../support/eventually.js";
import { type LambkinProcess, startLambkin, stopLambkin } from "./cluster-process.js";
import { type DevProcess, ROOT, startDev } from "./dev-process.js";

const SERVICE = join(ROOT, "test", "fixtures", "schedules");

interface Tick {
  readonly event: Record<string, unknown>;
  readonly requestId: string;
}

function ticks(output: string): Tick[] {
  return [...output.matchAll(/TICK (\{.*\}) ([0-9a-f-]{36})/g)].map((match) => ({
    event: JSON.parse(match[1] ?? "{}") as Record<string, unknown>,
    requestId: match[2] ?? "",
  }));
}

describe("schedule events fire", () => {
  let redis: RedisServer | undefined;
  let dev: DevProcess | undefined;
  const gateways: LambkinProcess[] = [];
  let worker: LambkinProcess | undefined;
  afterAll(async () => {
    dev?.child.kill("SIGTERM");
    await dev?.exited;
    await Promise.all([...gateways, worker].map((process) => stopLambkin(process)));
    await redis?.dispose();
  });

  it("in lambkin dev and across a cluster, each tick once, with EventBridge's Scheduled Event", async () => {
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, LAMBKIN_REDIS_PREFIX: `sched-${randomUUID()}` };
    const started = Date.now();
    [dev, worker] = await Promise.all([
      startDev(SERVICE),
      startLambkin("worker", SERVICE, env),
      ...[0, 1].map(async () => gateways.push(await startLambkin("gateway", SERVICE, env))),
    ]);
    expect(dev?.output()).toContain("2 schedule(s) firing (1 disabled), on in-process timers");
    for (const gateway of gateways) expect(gateway.output()).toContain("on BullMQ job schedulers");

    const clusterTicks = () => ticks(worker?.output() ?? "");
    // The rate fires 60 s after its rule is created; the cron at the next minute boundary (before that).
    await eventually(async () => {
      for (const seen of [ticks(dev?.output() ?? ""), clusterTicks()]) {
        if (!seen.some((tick) => tick.event["detail-type"] === "Scheduled Event"))
          throw new Error("no rate tick yet");
        if (!seen.some((tick) => tick.event.from === "cron")) throw new Error("no cron tick yet");
      }
    }, 100_000);
    // Let a duplicate, if any, arrive.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const elapsedMinutes = (Date.now() - started) / 60_000;

    for (const seen of [ticks(dev?.output() ?? ""), clusterTicks()]) {
      const rate = seen.filter((tick) => tick.event["detail-type"] === "Scheduled Event");
      const cron = seen.filter((tick) => tick.event.from === "cron");
      // One firing per rule per elapsed minute at most (here: at most 2 minutes elapsed), never one per gateway.
      expect(rate.length).toBeGreaterThanOrEqual(1);
      expect(rate.length).toBeLessThanOrEqual(Math.floor(elapsedMinutes));
      expect(cron.length).toBeGreaterThanOrEqual(1);
      expect(cron.length).toBeLessThanOrEqual(Math.ceil(elapsedMinutes));
      expect(new Set(seen.map((tick) => tick.requestId)).size).toBe(seen.length);
      expect(seen.some((tick) => tick.event.from === "disabled")).toBe(false);
      const event = rate[0]?.event ?? {};
      expect(event).toEqual({
        version: "0",
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        "detail-type": "Scheduled Event",
        source: "aws.events",
        account: "000000000000",
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        region: "eu-west-1",
        resources: ["arn:aws:events:eu-west-1:000000000000:rule/every-minute"],
        detail: {},
      });
      // A constant input replaces the event, as the target's Input does.
      expect(cron[0]?.event).toEqual({ from: "cron" });
    }
    // In the cluster the invocations ran on the worker: a gateway runs no function.
    for (const gateway of gateways) expect(ticks(gateway.output())).toEqual([]);
  }, 150_000);
});
