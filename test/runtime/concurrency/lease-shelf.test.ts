// The LeaseShelf (runtime/concurrency/lease-shelf.ts) over the Redis limiter it exists for, on a real
// redis-server: a shelved unit is handed to the next invocation of its function without a new lease, still
// counts while shelved, frees by itself after the hold, and is never handed to another function.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import type { ConcurrencyLease } from "../../../runtime/concurrency/concurrency-limiter.js";
import { LeaseShelf } from "../../../runtime/concurrency/lease-shelf.js";
import { RedisConcurrencyLimiter } from "../../../runtime/concurrency/redis-concurrency-limiter.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.dispose());

const reserved = { name: "svc-dev-one", reservedConcurrency: 1 };
const other = { name: "svc-dev-other", reservedConcurrency: 1 };

async function limiter(): Promise<RedisConcurrencyLimiter> {
  return RedisConcurrencyLimiter.connect({
    redisUrl: redis.url,
    keyPrefix: `lambkin-test:${randomUUID()}`,
    accountLimit: 1000,
    functions: [reserved, other],
  });
}

async function acquired(store: RedisConcurrencyLimiter, fn: typeof reserved): Promise<ConcurrencyLease> {
  const lease = await store.tryAcquire(fn);
  if (typeof lease === "string") throw new Error(`throttled: ${lease}`);
  return lease;
}

it("hands a shelved unit to the next invocation of its function, and counts it meanwhile", async () => {
  const store = await limiter();
  const shelf = new LeaseShelf(60_000);
  try {
    const lease = await acquired(store, reserved);
    shelf.put(reserved.name, lease);
    // Shelved, it still holds the reservation of 1: a second unit is refused.
    expect(await store.tryAcquire(reserved)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
    expect(await store.inUse(reserved)).toBe(1);
    expect(shelf.take(other.name)).toBeUndefined();
    expect(shelf.take(reserved.name)?.id).toBe(lease.id);
    expect(shelf.take(reserved.name)).toBeUndefined();
    await lease.release();
    expect(await store.inUse(reserved)).toBe(0);
  } finally {
    await shelf.releaseAll();
    await store.close();
  }
});

it("releases a unit nobody took once its hold is over", async () => {
  const store = await limiter();
  const shelf = new LeaseShelf(30);
  try {
    shelf.put(reserved.name, await acquired(store, reserved));
    for (let waited = 0; (await store.inUse(reserved)) > 0; waited += 10) {
      if (waited > 5_000) throw new Error("the shelved unit was never released");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(shelf.take(reserved.name)).toBeUndefined();
    expect(typeof (await store.tryAcquire(reserved))).toBe("object");
  } finally {
    await shelf.releaseAll();
    await store.close();
  }
});

it("releases every shelved unit at once on releaseAll", async () => {
  const store = await limiter();
  const shelf = new LeaseShelf(60_000);
  try {
    shelf.put(reserved.name, await acquired(store, reserved));
    shelf.put(other.name, await acquired(store, other));
    await shelf.releaseAll();
    expect([await store.inUse(reserved), await store.inUse(other)]).toEqual([0, 0]);
  } finally {
    await store.close();
  }
});
