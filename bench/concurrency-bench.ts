/**
 * Concurrency limiter benchmark (issue 8): acquire + release pairs per second, and their p50, through the
 * in-memory adapter and through the Redis adapter, at concurrency 1 and 50, from one run on one machine. Ratios:
 * Redis ÷ in memory, and Redis ÷ a raw Redis round trip (PING) at the same concurrency on the same server (an
 * acquire and a release are two round trips, each a Lua script). Uses REDIS_URL when set, else starts its own
 * redis-server on a free port. Run: npm run build && node dist/bench/concurrency-bench.js
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { ConcurrencyLimiter } from "../runtime/concurrency/concurrency-limiter.js";
import { InMemoryConcurrencyLimiter } from "../runtime/concurrency/in-memory-concurrency-limiter.js";
import { RedisConcurrencyLimiter } from "../runtime/concurrency/redis-concurrency-limiter.js";
import { closedLoops, type LoopResult, ms, ratio } from "./stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCIES = [1, 50];
const fn = { name: "bench-dev-fn", reservedConcurrency: undefined };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** A throwaway redis-server (nothing saved), unless REDIS_URL names one. */
async function redisServer(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), "lambkin-bench-redis-"));
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited (${code})`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
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
