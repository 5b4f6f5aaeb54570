// The ConcurrencyLimiter port's contract (docs/lambda-behaviour.md §4,
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html), run unchanged against every adapter:
// one test file per adapter calls describeConcurrencyLimiter with a way to build a limiter on a fresh store.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type {
  ConcurrencyLease,
  ConcurrencyLimiter,
} from "../../../runtime/concurrency/concurrency-limiter.js";
import {
  ConcurrencyConfigError,
  type ConcurrencyLimitedFunction,
} from "../../../runtime/concurrency/concurrency-plan.js";
import type { ThrottleReason } from "../../../runtime/errors/service-errors.js";

export interface LimiterSettings {
  readonly accountLimit: number;
  readonly functions: readonly ConcurrencyLimitedFunction[];
}

/** Builds a limiter; limiters built within one test share their store, each test gets a fresh one. */
export type LimiterFactory = (settings: LimiterSettings) => Promise<ConcurrencyLimiter>;

const unreserved: ConcurrencyLimitedFunction = { name: "svc-dev-unreserved", reservedConcurrency: undefined };
const alsoUnreserved: ConcurrencyLimitedFunction = { name: "svc-dev-other", reservedConcurrency: undefined };

function reserved(name: string, units: number): ConcurrencyLimitedFunction {
  return { name: `svc-dev-${name}`, reservedConcurrency: units };
}

function isLease(result: ConcurrencyLease | ThrottleReason): result is ConcurrencyLease {
  return typeof result !== "string";
}

export function describeConcurrencyLimiter(adapter: string, newFactory: () => Promise<LimiterFactory>): void {
  describe(`ConcurrencyLimiter conformance: ${adapter}`, () => {
    const limiters: ConcurrencyLimiter[] = [];
    let factory: LimiterFactory;
    beforeEach(async () => {
      factory = await newFactory();
    });
    async function limiter(settings: LimiterSettings): Promise<ConcurrencyLimiter> {
      const created = await factory(settings);
      limiters.push(created);
      return created;
    }
    afterEach(async () => {
      await Promise.all(limiters.splice(0).map((created) => created.close()));
    });

    async function take(on: ConcurrencyLimiter, fn: ConcurrencyLimitedFunction, count: number) {
      const leases: ConcurrencyLease[] = [];
      for (let i = 0; i < count; i += 1) {
        const result = await on.tryAcquire(fn);
        if (!isLease(result)) throw new Error(`unit ${i + 1} of ${count} refused: ${result}`);
        leases.push(result);
      }
      return leases;
    }

    it("caps the unreserved pool at the account limit less the reservations (ConcurrentInvocationLimitExceeded)", async () => {
      const on = await limiter({
        accountLimit: 10,
        functions: [unreserved, alsoUnreserved, reserved("r", 1)],
      });
      await take(on, unreserved, 5);
      await take(on, alsoUnreserved, 4);
      // Functions without a reservation share one pool: 10 - 1 reserved = 9, all taken.
      expect(await on.tryAcquire(unreserved)).toBe("ConcurrentInvocationLimitExceeded");
      expect(await on.tryAcquire(alsoUnreserved)).toBe("ConcurrentInvocationLimitExceeded");
      expect(await on.inUse(unreserved)).toBe(9);
    });

    it("caps a function at its reserved concurrency (ReservedFunctionConcurrentInvocationLimitExceeded)", async () => {
      const three = reserved("three", 3);
      const on = await limiter({ accountLimit: 100, functions: [three, unreserved] });
      await take(on, three, 3);
      expect(await on.tryAcquire(three)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
      expect(await on.inUse(three)).toBe(3);
      // A reservation is a cap of that function only: the unreserved pool is untouched.
      expect(isLease(await on.tryAcquire(unreserved))).toBe(true);
      expect(isLease(await on.tryAcquire(reserved("other", 1)))).toBe(true);
    });

    it("throttles every invocation of a function that reserves 0", async () => {
      const zero = reserved("zero", 0);
      const on = await limiter({ accountLimit: 100, functions: [zero] });
      for (let i = 0; i < 3; i += 1)
        expect(await on.tryAcquire(zero)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
      expect(await on.inUse(zero)).toBe(0);
    });

    it("guarantees a reservation while other functions saturate the account's unreserved pool", async () => {
      const five = reserved("five", 5);
      const on = await limiter({ accountLimit: 20, functions: [five, unreserved] });
      await take(on, unreserved, 15);
      expect(await on.tryAcquire(unreserved)).toBe("ConcurrentInvocationLimitExceeded");
      await take(on, five, 5);
      expect(await on.tryAcquire(five)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
    });

    it("admits exactly the cap out of a burst of simultaneous acquires", async () => {
      const four = reserved("four", 4);
      const on = await limiter({ accountLimit: 100, functions: [four] });
      const results = await Promise.all(Array.from({ length: 40 }, () => on.tryAcquire(four)));
      expect(results.filter(isLease)).toHaveLength(4);
      expect(results.filter((result) => !isLease(result))).toEqual(
        Array(36).fill("ReservedFunctionConcurrentInvocationLimitExceeded"),
      );
    });

    it("frees a unit on release", async () => {
      const two = reserved("two", 2);
      const on = await limiter({ accountLimit: 100, functions: [two, unreserved] });
      const [first] = await take(on, two, 2);
      expect(await on.tryAcquire(two)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
      await first?.release();
      expect(await on.inUse(two)).toBe(1);
      expect(isLease(await on.tryAcquire(two))).toBe(true);
      const [pooled] = await take(on, unreserved, 1);
      await pooled?.release();
      expect(await on.inUse(unreserved)).toBe(0);
    });

    it("keeps a unit counted through its hand-over, and lets its adopter release it, once", async () => {
      const two = reserved("two", 2);
      const on = await limiter({ accountLimit: 100, functions: [two] });
      const [lease] = await take(on, two, 1);
      if (lease === undefined) throw new Error("no lease");
      const id = lease.handOver();
      expect(id).toBe(lease.id);
      await lease.release(); // handed over: no longer the holder's to give back
      expect(await on.inUse(two)).toBe(1);
      const adopted = on.adopt(two, id);
      expect(adopted.id).toBe(id);
      expect(await on.inUse(two)).toBe(1);
      await take(on, two, 1);
      expect(await on.tryAcquire(two)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
      await Promise.all([adopted.release(), adopted.release()]);
      expect(await on.inUse(two)).toBe(1);
    });

    it("ignores a second release of the same lease", async () => {
      const two = reserved("two", 2);
      const on = await limiter({ accountLimit: 100, functions: [two] });
      const [lease] = await take(on, two, 1);
      await lease?.release();
      await lease?.release();
      await Promise.all([lease?.release(), lease?.release()]);
      // Released once: two units free, not three.
      await take(on, two, 2);
      expect(await on.tryAcquire(two)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
      expect(await on.inUse(two)).toBe(2);
    });

    it("refuses reservations that leave fewer than 100 of 1000 (a tenth of a smaller limit) unreserved", async () => {
      await expect(limiter({ accountLimit: 1000, functions: [reserved("big", 901)] })).rejects.toThrow(
        ConcurrencyConfigError,
      );
      await expect(limiter({ accountLimit: 1000, functions: [reserved("big", 900)] })).resolves.toBeDefined();
      await expect(
        limiter({ accountLimit: 10, functions: [reserved("a", 5), reserved("b", 5)] }),
      ).rejects.toThrow(/must stay unreserved/);
    });
  });
}
