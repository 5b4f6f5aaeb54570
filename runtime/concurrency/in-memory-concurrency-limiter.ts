/**
 * The in-memory ConcurrencyLimiter: counters in this process, for Lambkin running as one process (`lambkin dev`,
 * `lambkin invoke`). Counts are taken synchronously when tryAcquire is called, so invocations started in one tick
 * are admitted in the order they were started.
 */
import type { ThrottleReason } from "../errors/service-errors.js";
import type { ConcurrencyLease, ConcurrencyLimiter } from "./concurrency-limiter.js";
import { type ConcurrencyLimitedFunction, ConcurrencyPlan } from "./concurrency-plan.js";

export class InMemoryConcurrencyLimiter implements ConcurrencyLimiter {
  private readonly plan: ConcurrencyPlan;
  private readonly inUseByPool = new Map<string, number>();

  constructor(
    readonly accountLimit: number,
    functions: readonly ConcurrencyLimitedFunction[],
  ) {
    this.plan = new ConcurrencyPlan(accountLimit, functions);
  }

  async tryAcquire(fn: ConcurrencyLimitedFunction): Promise<ConcurrencyLease | ThrottleReason> {
    const pool = this.plan.poolOf(fn);
    const inUse = this.inUseByPool.get(pool.id) ?? 0;
    if (inUse >= pool.limit) return pool.throttleReason;
    this.inUseByPool.set(pool.id, inUse + 1);
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        this.inUseByPool.set(pool.id, (this.inUseByPool.get(pool.id) ?? 1) - 1);
      },
    };
  }

  async inUse(fn: ConcurrencyLimitedFunction): Promise<number> {
    return this.inUseByPool.get(this.plan.poolOf(fn).id) ?? 0;
  }

  async close(): Promise<void> {}
}
