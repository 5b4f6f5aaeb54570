/**
 * The in-memory ConcurrencyLimiter: counters in this process, for Lambkin running as one process (`lambkin dev`,
 * `lambkin invoke`). Counts are taken synchronously when tryAcquire is called, so invocations started in one tick
 * are admitted in the order they were started.
 */
import type { ThrottleReason } from "../errors/service-errors.js";
import type { ConcurrencyLease, ConcurrencyLimiter } from "./concurrency-limiter.js";
import { type ConcurrencyLimitedFunction, ConcurrencyPlan } from "./concurrency-plan.js";

export class InMemoryConcurrencyLimiter implements ConcurrencyLimiter {
  private plan: ConcurrencyPlan;
  private readonly inUseByPool = new Map<string, number>();
  /** Units handed over and not adopted yet, by lease id: their pool. */
  private readonly handedOver = new Map<string, string>();
  private sequence = 0;

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
    return this.lease(`lease-${++this.sequence}`, pool.id);
  }

  adopt(_fn: ConcurrencyLimitedFunction, leaseId: string): ConcurrencyLease {
    const poolId = this.handedOver.get(leaseId);
    if (poolId === undefined) throw new Error(`no unit was handed over as ${leaseId}`);
    this.handedOver.delete(leaseId);
    return this.lease(leaseId, poolId);
  }

  private lease(id: string, poolId: string): ConcurrencyLease {
    let held = true;
    return {
      id,
      release: async () => {
        if (!held) return;
        held = false;
        this.inUseByPool.set(poolId, (this.inUseByPool.get(poolId) ?? 1) - 1);
      },
      handOver: () => {
        if (held) this.handedOver.set(id, poolId);
        held = false;
        return id;
      },
    };
  }

  replan(functions: readonly ConcurrencyLimitedFunction[]): void {
    this.plan = new ConcurrencyPlan(this.accountLimit, functions);
  }

  async inUse(fn: ConcurrencyLimitedFunction): Promise<number> {
    return this.inUseByPool.get(this.plan.poolOf(fn).id) ?? 0;
  }

  async close(): Promise<void> {}
}
