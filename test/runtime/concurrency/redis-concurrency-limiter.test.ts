// The Redis ConcurrencyLimiter against the port's conformance suite, then what only a shared store has to prove:
// caps that hold across processes ("workers") sharing one Redis, leases of a SIGKILLed worker that expire after
// their TTL (and not much before), a typed refusal while Redis is down and recovery once it is back. Every test
// uses a real redis-server and real child processes; each test gets its own key prefix.
import { type ChildProcess, fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import {
  type ConcurrencyLease,
  type ConcurrencyLimiter,
  ConcurrencyUnavailableError,
} from "../../../runtime/concurrency/concurrency-limiter.js";
import { concurrencyLimiterFor } from "../../../runtime/concurrency/concurrency-limiter-factory.js";
import type { ConcurrencyLimitedFunction } from "../../../runtime/concurrency/concurrency-plan.js";
import { RedisConcurrencyLimiter } from "../../../runtime/concurrency/redis-concurrency-limiter.js";
import { ServiceError, type ThrottleReason } from "../../../runtime/errors/service-errors.js";
import { type Fixture, startFixture } from "../../conformance/harness.js";
import { describeConcurrencyLimiter } from "./concurrency-limiter.conformance.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const WORKER = join(import.meta.dirname, "lease-worker.mjs");
const capped = (units: number): ConcurrencyLimitedFunction => ({
  name: "svc-dev-capped",
  reservedConcurrency: units,
});

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.dispose());

const uniquePrefix = () => `lambkin-test:${randomUUID()}`;

describeConcurrencyLimiter("redis", async () => {
  const keyPrefix = uniquePrefix();
  return (settings) => RedisConcurrencyLimiter.connect({ redisUrl: redis.url, keyPrefix, ...settings });
});

function isLease(result: ConcurrencyLease | ThrottleReason): result is ConcurrencyLease {
  return typeof result !== "string";
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `attempt` every 100 ms until it yields a value; undefined if `ms` passed first. */
async function eventually<T>(ms: number, attempt: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = await attempt();
    if (value !== undefined) return value;
    await sleep(100);
  }
  return undefined;
}

interface WorkerMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** A lease-worker.mjs child: its own process, its own limiter, the shared Redis. */
class LeaseWorker {
  readonly exited: Promise<unknown>;
  private readonly messages: WorkerMessage[] = [];
  private waiting: (() => void) | undefined;

  private constructor(readonly child: ChildProcess) {
    child.on("message", (message: WorkerMessage) => {
      this.messages.push(message);
      this.waiting?.();
    });
    this.exited = new Promise((resolve) => child.once("exit", resolve));
  }

  static async start(env: Record<string, string>): Promise<LeaseWorker> {
    const child = fork(WORKER, [], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const worker = new LeaseWorker(child);
    await worker.next("ready");
    return worker;
  }

  async request(message: WorkerMessage, answer: string): Promise<WorkerMessage> {
    this.child.send(message);
    return this.next(answer);
  }

  private async next(type: string): Promise<WorkerMessage> {
    for (;;) {
      const index = this.messages.findIndex((message) => message.type === type);
      if (index >= 0) return this.messages.splice(index, 1)[0] as WorkerMessage;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(
          `lease worker exited (${this.child.exitCode ?? this.child.signalCode}) before "${type}"`,
        );
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        void this.exited.then(() => resolve());
      });
    }
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.exited;
  }
}

describe("Redis concurrency limiter across processes", () => {
  const limiters: ConcurrencyLimiter[] = [];
  const workers: LeaseWorker[] = [];
  beforeAll(() => {
    if (!existsSync(join(ROOT, "dist", "runtime", "concurrency", "redis-concurrency-limiter.js")))
      throw new Error("The lease workers run the compiled limiter: run `npm run build` first.");
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    await Promise.all(limiters.splice(0).map((limiter) => limiter.close()));
  });

  async function limiterOn(keyPrefix: string, fn: ConcurrencyLimitedFunction, leaseTtlMs?: number) {
    const limiter = await RedisConcurrencyLimiter.connect({
      redisUrl: redis.url,
      keyPrefix,
      leaseTtlMs,
      accountLimit: 1000,
      functions: [fn],
    });
    limiters.push(limiter);
    return limiter;
  }

  async function workersOn(keyPrefix: string, count: number, env: Record<string, string>) {
    const started = await Promise.all(
      Array.from({ length: count }, () =>
        LeaseWorker.start({ REDIS_URL: redis.url, KEY_PREFIX: keyPrefix, LEASE_TTL_MS: "10000", ...env }),
      ),
    );
    workers.push(...started);
    return started;
  }

  async function burstTogether(started: LeaseWorker[]) {
    const reports = await Promise.all(
      started.map((worker) => worker.request({ type: "burst", loops: 8, ms: 1500 }, "burst-done")),
    );
    return reports as unknown as { acquired: number; throttled: number; maxObserved: number }[];
  }

  it("two worker processes together never hold more than a reservation of N under a burst", async () => {
    const reservation = 3;
    const started = await workersOn(uniquePrefix(), 2, { RESERVED: String(reservation) });
    const reports = await burstTogether(started);
    for (const report of reports) {
      // Both workers ran invocations and both were throttled: they really competed for the same units.
      expect(report.acquired).toBeGreaterThan(0);
      expect(report.throttled).toBeGreaterThan(0);
    }
    expect(Math.max(...reports.map((report) => report.maxObserved))).toBeLessThanOrEqual(reservation);
  });

  it("(control) with a limiter per process, the same burst is seen to exceed the reservation", async () => {
    // The observable above is able to see a breach: each process capped on its own holds N, 2N together.
    const reservation = 3;
    const started = await workersOn(uniquePrefix(), 2, { RESERVED: String(reservation), ADAPTER: "memory" });
    const reports = await burstTogether(started);
    expect(Math.max(...reports.map((report) => report.maxObserved))).toBeGreaterThan(reservation);
  });

  it("limiters of one Redis share the account's unreserved pool", async () => {
    const keyPrefix = uniquePrefix();
    const fn = { name: "svc-dev-open", reservedConcurrency: undefined };
    const settings = { redisUrl: redis.url, keyPrefix, accountLimit: 10, functions: [fn] };
    const one = await RedisConcurrencyLimiter.connect(settings);
    const two = await RedisConcurrencyLimiter.connect(settings);
    limiters.push(one, two);
    for (let i = 0; i < 5; i += 1) {
      expect(isLease(await one.tryAcquire(fn))).toBe(true);
      expect(isLease(await two.tryAcquire(fn))).toBe(true);
    }
    expect(await one.tryAcquire(fn)).toBe("ConcurrentInvocationLimitExceeded");
    expect(await two.tryAcquire(fn)).toBe("ConcurrentInvocationLimitExceeded");
  });

  it("keeps a lease held for several TTLs while its holder lives (the heartbeat renews it)", async () => {
    const keyPrefix = uniquePrefix();
    const holder = await limiterOn(keyPrefix, capped(1), 1500);
    const other = await limiterOn(keyPrefix, capped(1), 1500);
    expect(isLease(await holder.tryAcquire(capped(1)))).toBe(true);
    await sleep(4500);
    expect(await other.tryAcquire(capped(1))).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
  });

  it("gives back a SIGKILLed worker's units after the lease TTL, and not before half of it", async () => {
    const keyPrefix = uniquePrefix();
    const ttl = 3000;
    const fn = capped(3);
    // The survivor holds a unit of its own throughout: its renewals keep the keys alive, so the dead worker's
    // units must expire one by one, not with their keys.
    const survivor = await limiterOn(keyPrefix, fn, ttl);
    expect(isLease(await survivor.tryAcquire(fn))).toBe(true);
    const [worker] = await workersOn(keyPrefix, 1, { RESERVED: "3", LEASE_TTL_MS: String(ttl) });
    await worker?.request({ type: "hold", count: 2 }, "holding");
    expect(await survivor.tryAcquire(fn)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
    await worker?.kill();
    const killedAt = Date.now();
    const freedAfter = await eventually(ttl * 5, async () =>
      isLease(await survivor.tryAcquire(fn)) ? Date.now() - killedAt : undefined,
    );
    // The last renewal came at most TTL/3 before the kill: the units stay taken at least 2/3 of the TTL after it.
    expect(freedAfter).toBeGreaterThanOrEqual(ttl / 2);
    expect(freedAfter).toBeLessThan(ttl * 5);
    // Both of the dead worker's units came back, and only those. The worker took its two a few ms apart, so the
    // second one may expire a moment after the first.
    expect(
      await eventually(1000, async () => (isLease(await survivor.tryAcquire(fn)) ? true : undefined)),
    ).toBe(true);
    expect(await survivor.tryAcquire(fn)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
  });
});

describe("two Lambkin runtimes sharing one Redis", () => {
  const fixtures: Fixture[] = [];
  afterEach(async () => {
    await Promise.all(fixtures.splice(0).map((fixture) => fixture.close()));
  });

  it("refuse a synchronous call over a reservation held by the other at once (TooManyRequestsException)", async () => {
    const concurrencyStore = { redisUrl: redis.url, keyPrefix: uniquePrefix() };
    const [one, two] = await Promise.all([
      startFixture("concurrency", { concurrencyStore }),
      startFixture("concurrency", { concurrencyStore }),
    ]);
    fixtures.push(one, two);
    const reservedOne = one.runtime.registry.resolve("reservedOne");
    if (!reservedOne) throw new Error("fixture without reservedOne");
    const inFlight = one.invoke("reservedOne", { ms: 2000 });
    expect(
      await eventually(5000, async () =>
        (await two.runtime.concurrency.inUse(reservedOne)) ? true : undefined,
      ),
    ).toBe(true);
    const refusal = await two.invoke("reservedOne", { ms: 1 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ServiceError);
    expect((refusal as ServiceError).errorName).toBe("TooManyRequestsException");
    expect((refusal as ServiceError).toBody()).toEqual({
      Type: "User",
      message: "Rate Exceeded.",
      Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
    });
    expect((await inFlight).functionError).toBeUndefined();
    // Released by the first runtime: the second one runs it now.
    expect((await two.invoke("reservedOne", { ms: 1 })).functionError).toBeUndefined();
  });
});

describe("Redis down and back", () => {
  let outage: RedisServer;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    outage = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });
  afterAll(() => outage?.dispose());

  it("refuses with a typed error while Redis is stopped and takes units again once it is back", async () => {
    await outage.start();
    const warnings: string[] = [];
    const fn = capped(2);
    const limiter = await RedisConcurrencyLimiter.connect({
      redisUrl: outage.url,
      keyPrefix: uniquePrefix(),
      leaseTtlMs: 1500,
      // Far beyond the bound below: the refusal must come from not queueing commands while disconnected.
      commandTimeoutMs: 20_000,
      accountLimit: 1000,
      functions: [fn],
      warn: (message) => warnings.push(message),
    });
    closers.push(() => limiter.close());
    const running = await limiter.tryAcquire(fn);
    const released = await limiter.tryAcquire(fn);
    if (!isLease(running) || !isLease(released)) throw new Error("units refused before the outage");

    await outage.stop();
    const askedAt = Date.now();
    const refusal = await limiter.tryAcquire(fn).then(
      () => undefined,
      (error: unknown) => error,
    );
    // At once: a synchronous invocation is not held waiting for Redis to come back.
    expect(Date.now() - askedAt).toBeLessThan(5_000);
    expect(refusal).toBeInstanceOf(ConcurrencyUnavailableError);
    expect((refusal as ConcurrencyUnavailableError).code).toBe("LKN_ERR_CONCURRENCY_UNAVAILABLE");
    expect((refusal as Error).message).toContain(`redis://127.0.0.1:${outage.port}`);
    // Releasing while Redis is down neither throws nor hangs; it is reported once.
    await expect(released.release()).resolves.toBeUndefined();
    expect(warnings.some((warning) => warning.startsWith("[LKN_WRN_CONCURRENCY_LEASE_UPDATE_FAILED]"))).toBe(
      true,
    );
    // A reservation of 0 needs no store: still the throttle, not the outage.
    expect(await limiter.tryAcquire(capped(0))).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");

    // Back, empty (nothing persisted): the client reconnects by itself, and the lease still held by a running
    // invocation is written again by the heartbeat, so it counts again.
    await outage.start();
    expect(
      await eventually(10_000, async () =>
        (await limiter.inUse(fn).catch(() => 0)) === 1 ? true : undefined,
      ),
    ).toBe(true);
    const again = await limiter.tryAcquire(fn);
    expect(isLease(again)).toBe(true);
    expect(await limiter.tryAcquire(fn)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
  });

  it("makes the invoker answer ServiceException, not a crash and not an uncounted run", async () => {
    await outage.start();
    const fixture = await startFixture("concurrency", {
      concurrencyStore: { redisUrl: outage.url, keyPrefix: uniquePrefix() },
    });
    closers.push(() => fixture.close());
    expect((await fixture.invoke("unreserved", { ms: 1 })).functionError).toBeUndefined();
    await outage.stop();
    const refusal = await fixture.invoke("unreserved", { ms: 1 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ServiceError);
    expect((refusal as ServiceError).errorName).toBe("ServiceException");
    expect((refusal as ServiceError).statusCode).toBe(500);
    expect((refusal as ServiceError).message).toMatch(/^\[LKN_ERR_CONCURRENCY_UNAVAILABLE\] /);
    await outage.start();
    const result = await eventually(10_000, () =>
      fixture.invoke("unreserved", { ms: 1 }).then(
        (ok) => ok,
        () => undefined,
      ),
    );
    expect(result?.functionError).toBeUndefined();
    expect(result).toBeDefined();
  });

  it("refuses to start on a Redis it cannot reach", async () => {
    await outage.stop();
    await expect(
      concurrencyLimiterFor({ redisUrl: outage.url, functions: [], keyPrefix: uniquePrefix() }),
    ).rejects.toThrow(ConcurrencyUnavailableError);
  });
});
