import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { ConcurrencyLimiter } from "../runtime/concurrency/concurrency-limiter.js";
import { InMemoryConcurrencyLimiter } from "../runtime/concurrency/in-memory-concurrency-limiter.js";
import { RedisConcurrencyLimiter } from "../runtime/concurrency/redis-concurrency-limiter.js";
import { startRedisServer } from "./redis-server.js";
import { closedLoops, type LoopResult, ms, ratio } from "./stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCIES = [1, 50];
const fn = { name: "bench-dev-fn", reservedConcurrency: undefined };

/** A throwaway redis-server (nothing saved), unless REDIS_URL names one. */
async function redisServer(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const server = await startRedisServer();
  return { url: server.url, stop: () => server.dispose() };
}

async function acquireRelease(limiter: ConcurrencyLimiter, concurrency: number): Promise<LoopResult> {
  const pair = async () => {
    const lease = await limiter.tryAcquire(fn);
    if (typeof lease === "string") throw new Error(`throttled: ${lease}`);
    await lease.release();
  };
  await Promise.all(Array.from({ length: concurrency }, pair));
  return closedLoops(concurrency, SECONDS, pair);
}

async function main(): Promise<void> {
  const server = await redisServer();
  const raw = new Redis(server.url);
  const inMemory = new InMemoryConcurrencyLimiter(1000, [fn]);
  const redis = await RedisConcurrencyLimiter.connect({
    redisUrl: server.url,
    keyPrefix: `lambkin-bench:${randomUUID()}`,
    accountLimit: 1000,
    functions: [fn],
  });
  try {
    console.log(`acquire + release of one concurrency unit, ${SECONDS} s per measure`);
    for (const concurrency of CONCURRENCIES) {
      const memory = await acquireRelease(inMemory, concurrency);
      const leased = await acquireRelease(redis, concurrency);
      await Promise.all(Array.from({ length: concurrency }, () => raw.ping()));
      const ping = await closedLoops(concurrency, SECONDS, () => raw.ping());
      console.log(`\nconcurrency ${concurrency}`);
      console.log(`  in memory        ${memory.perSecond.toFixed(0)}/s  p50 ${ms(memory.p50)}`);
      console.log(`  redis leases     ${leased.perSecond.toFixed(0)}/s  p50 ${ms(leased.p50)}`);
      console.log(`  redis PING       ${ping.perSecond.toFixed(0)}/s  p50 ${ms(ping.p50)}`);
      console.log(
        `  redis ÷ in memory ${(leased.perSecond / memory.perSecond).toPrecision(2)}× (pairs/s); ` +
          `redis leases ÷ PING ${ratio(leased.perSecond, ping.perSecond)} (pairs/s ÷ round trips/s)`,
      );
    }
  } finally {
    await redis.close();
    await inMemory.close();
    raw.disconnect();
    await server.stop();
  }
}

await main();
