// Faults caused for real in a cluster of `lambkin gateway` and `lambkin worker` processes on a real redis-server:
// a worker SIGKILLed in the middle of an invocation (the event completes on the other worker, nothing is lost,
// the dead worker's unit of reserved concurrency comes back), and redis-server stopped and started again (AOF on)
// while events flow (gateway and worker reconnect by themselves; every event answered 202 runs).
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../bench/redis-server.js";
import { eventually } from "../support/eventually.js";
import { type LambkinProcess, startLambkin, stopLambkin } from "./cluster-process.js";
import { ROOT } from "./dev-process.js";

const SERVICE = join(ROOT, "test", "fixtures", "cluster-faults");

describe("faults in a cluster", () => {
  const redisServers: RedisServer[] = [];
  let processes: LambkinProcess[] = [];
  afterEach(async () => {
    for (const process of processes) if (process.child.exitCode === null) process.child.kill("SIGKILL");
    await Promise.all(processes.map((process) => process.exited));
    processes = [];
  });
  afterAll(async () => {
    for (const redis of redisServers) await redis.dispose();
  });

  const startCluster = async (redis: RedisServer, workers: number) => {
    const env = {
      REDIS_URL: redis.url,
      LAMBKIN_REDIS_PREFIX: `faults-${randomUUID()}`,
      // A dead worker's jobs are handed out again after 3 s instead of BullMQ's 30 s.
      LAMBKIN_QUEUE_LEASE_MS: "3000",
      LAMBKIN_ASYNC_RETRY_DELAYS: "0",
    };
    const started = await Promise.all([
      startLambkin("gateway", SERVICE, env),
      ...Array.from({ length: workers }, () => startLambkin("worker", SERVICE, env)),
    ]);
    processes.push(...started);
    const [gateway, ...pool] = started;
    if (!gateway) throw new Error("no gateway");
    return { gateway, workers: pool };
  };
  const invokeEvent = async (gateway: LambkinProcess, fn: string, payload: unknown) =>
    fetch(`${gateway.url}/2015-03-31/functions/${fn}/invocations`, {
      method: "POST",
      headers: { "X-Amz-Invocation-Type": "Event" },
      body: JSON.stringify(payload),
    });

  it("a worker SIGKILLed mid-invocation: the event completes on the other worker and its capacity comes back", async () => {
    const redis = await startRedisServer();
    redisServers.push(redis);
    const { gateway, workers } = await startCluster(redis, 2);
    for (const n of [1, 2]) expect((await invokeEvent(gateway, "slow", { n })).status).toBe(202);
    const holder = await eventually(async () => {
      const found = workers.find((worker) => worker.output().includes("SLOW-START 1"));
      if (!found) throw new Error("event 1 has not started");
      return found;
    }, 30_000);
    holder.child.kill("SIGKILL");
    await holder.exited;
    const survivor = workers.find((worker) => worker !== holder);
    if (!survivor) throw new Error("no survivor");
    // Event 1 ran again (at least once), and 2 after it, one at a time: the reserved unit the dead
    // worker held was released by its lease's expiry, or the survivor could never run `slow` again.
    await eventually(async () => {
      for (const n of [1, 2])
        if (!survivor.output().includes(`SLOW-END ${n}`)) throw new Error(`${n} has not ended`);
    }, 90_000);
    // A synchronous call gets the unit too, once the last event's run has handed it back (SLOW-END is printed
    // just before): a throttle for a moment, never for good.
    const answer = await eventually(async () => {
      const sync = await fetch(`${gateway.url}/2015-03-31/functions/slow/invocations`, {
        method: "POST",
        body: JSON.stringify({ n: "sync" }),
      });
      if (sync.status === 429) throw new Error("still throttled");
      return { status: sync.status, body: await sync.text() };
    }, 30_000);
    expect(answer).toEqual({ status: 200, body: '"sync"' });
  }, 150_000);

  it("redis-server restarted while events flow: gateway and worker reconnect, every 202 runs", async () => {
    const redis = await startRedisServer({ appendonly: true });
    redisServers.push(redis);
    const { gateway, workers } = await startCluster(redis, 1);
    const accepted: number[] = [];
    let refused = 0;
    let k = 0;
    const producer = (async () => {
      const until = Date.now() + 6000;
      while (Date.now() < until) {
        const n = k++;
        const response = await invokeEvent(gateway, "quick", { k: n }).catch(() => undefined);
        if (response?.status === 202) accepted.push(n);
        else {
          expect(response?.status ?? 500).toBeGreaterThanOrEqual(500);
          refused += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await redis.start();
    await producer;
    expect(refused).toBeGreaterThan(0);
    const worker = workers[0];
    if (!worker) throw new Error("no worker");
    const ran = () => new Set([...worker.output().matchAll(/QUICK (\d+)/g)].map((match) => Number(match[1])));
    await eventually(async () => {
      const missing = accepted.filter((n) => !ran().has(n));
      if (missing.length > 0) throw new Error(`${missing.length} accepted events have not run`);
    }, 90_000);
    // And synchronous calls go through again.
    const sync = await fetch(`${gateway.url}/2015-03-31/functions/quick/invocations`, {
      method: "POST",
      body: JSON.stringify({ k: "after" }),
    });
    expect(await sync.text()).toBe('"after"');
    expect(gateway.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    await Promise.all([stopLambkin(gateway), stopLambkin(worker)]);
  }, 150_000);
});
