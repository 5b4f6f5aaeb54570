// A "worker" for the Redis limiter tests: a process of its own with its own limiter on the shared Redis
// (compiled code, dist/, as `lambkin worker` runs it), driven by its parent over the IPC channel.
//   burst: `loops` closed loops of tryAcquire for `ms`; a holder INCRs a shared Redis counter after acquiring and
//          DECRs it before releasing, so the counter never exceeds the real number of holders across processes.
//   hold:  takes `count` units and keeps them until the process dies.
// ADAPTER=memory gives each worker its own in-memory limiter: the control that shows the counter would see a breach.
import { Redis } from "ioredis";
import { InMemoryConcurrencyLimiter } from "../../../dist/runtime/concurrency/in-memory-concurrency-limiter.js";
import { RedisConcurrencyLimiter } from "../../../dist/runtime/concurrency/redis-concurrency-limiter.js";

const { REDIS_URL, KEY_PREFIX, LEASE_TTL_MS, RESERVED, ADAPTER } = process.env;
const fn = { name: "svc-dev-capped", reservedConcurrency: Number(RESERVED) };
const limiter =
  ADAPTER === "memory"
    ? new InMemoryConcurrencyLimiter(1000, [fn])
    : await RedisConcurrencyLimiter.connect({
        redisUrl: REDIS_URL,
        keyPrefix: KEY_PREFIX,
        leaseTtlMs: Number(LEASE_TTL_MS),
        accountLimit: 1000,
        functions: [fn],
      });
const observer = new Redis(REDIS_URL);
const holdersKey = `${KEY_PREFIX}:observed-holders`;
const held = [];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function burst({ loops, ms }) {
  const deadline = Date.now() + ms;
  let acquired = 0;
  let throttled = 0;
  let maxObserved = 0;
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (Date.now() < deadline) {
        const lease = await limiter.tryAcquire(fn);
        if (typeof lease === "string") {
          throttled += 1;
          await sleep(1);
          continue;
        }
        acquired += 1;
        maxObserved = Math.max(maxObserved, await observer.incr(holdersKey));
        await sleep(2 + Math.floor(Math.random() * 8));
        await observer.decr(holdersKey);
        await lease.release();
      }
    }),
  );
  return { acquired, throttled, maxObserved };
}

process.on("message", async (message) => {
  if (message.type === "burst") process.send({ type: "burst-done", ...(await burst(message)) });
  if (message.type === "hold") {
    for (let i = 0; i < message.count; i += 1) {
      const lease = await limiter.tryAcquire(fn);
      if (typeof lease === "string") throw new Error(`could not take unit ${i + 1}: ${lease}`);
      held.push(lease);
    }
    process.send({ type: "holding" });
  }
  if (message.type === "close") {
    await limiter.close();
    observer.disconnect();
    process.disconnect();
  }
});
process.send({ type: "ready" });
