/**
 * Where the Redis concurrency leases live (one sorted set for the account, one per pool, under a key prefix) and
 * how a lease is named. Shared by the RedisConcurrencyLimiter and by what takes a lease in a script of its own
 * (a cluster gateway takes one in the same step as it queues a request, see lease-scripts.ts LEASE_FUNCTIONS).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ThrottleReason } from "../errors/service-errors.js";
import { type ConcurrencyLimitedFunction, ConcurrencyPlan } from "./concurrency-plan.js";

export const DEFAULT_KEY_PREFIX = "lambkin:concurrency";

/** A lease id: its holder (host, pid, instance) and a sequence number, which makes Redis's content readable. */
const LEASE_ID = /^[\w.:-]{1,300}$/;

/** The keys and caps of one function's pool. */
export interface LeaseSlot {
  readonly accountKey: string;
  readonly poolKey: string;
  readonly accountLimit: number;
  readonly poolLimit: number;
  /** The Reason of a throttle when the pool is full (the account's is ConcurrentInvocationLimitExceeded). */
  readonly throttleReason: ThrottleReason;
}

export class RedisLeaseLayout {
  readonly accountKey: string;
  private readonly plan: ConcurrencyPlan;

  /** Throws ConcurrencyConfigError for reservations the account cannot spare. */
  constructor(
    readonly accountLimit: number,
    functions: readonly ConcurrencyLimitedFunction[],
    private readonly keyPrefix = DEFAULT_KEY_PREFIX,
  ) {
    this.plan = new ConcurrencyPlan(accountLimit, functions);
    this.accountKey = `${keyPrefix}:account`;
  }

  slotOf(fn: ConcurrencyLimitedFunction): LeaseSlot {
    const pool = this.plan.poolOf(fn);
    return {
      accountKey: this.accountKey,
      poolKey: `${this.keyPrefix}:pool:${pool.id}`,
      accountLimit: this.accountLimit,
      poolLimit: pool.limit,
      throttleReason: pool.throttleReason,
    };
  }
}

/** Names the leases of one holder: `<host>:<pid>:<instance>:<n>`. */
export function leaseNamer(): () => string {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let sequence = 0;
  return () => `${holder}:${++sequence}`;
}

/** Whether a lease id read from shared state (a request envelope) is one a holder could have made. */
export function isLeaseId(value: unknown): value is string {
  return typeof value === "string" && LEASE_ID.test(value);
}
