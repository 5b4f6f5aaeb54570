/**
 * The ConcurrencyLimiter port: the one place that decides whether an invocation may take a unit of
 * concurrency now (docs/lambda-behaviour.md §4, https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html).
 * Two adapters: in memory (one process, `lambkin dev`) and Redis (gateways and workers of one cluster share the
 * caps; a lease whose holder dies expires). Both apply the same ConcurrencyPlan.
 *
 * There is only `tryAcquire`, which refuses at once: a synchronous call over a cap gets TooManyRequestsException
 * immediately, as on Lambda. An asynchronous invocation that is throttled waits in the job queue, not here: Lambda
 * returns throttled events to its queue and retries them with backoff up to the maximum event age
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). A waiting acquire would
 * hold a queue slot per waiter, make the wait non-durable (lost with the worker) and, in Redis, need polling or
 * pub/sub; the queue already has durable delays and the event-age clock.
 */
import type { LambkinCode } from "../errors/lambkin-codes.js";
import type { ThrottleReason } from "../errors/service-errors.js";
import type { ConcurrencyLimitedFunction } from "./concurrency-plan.js";

export interface ConcurrencyLease {
  /** Gives the unit back. Idempotent; never rejects (a store that cannot be told lets the lease expire). */
  release(): Promise<void>;
}

export interface ConcurrencyLimiter {
  readonly accountLimit: number;
  /**
   * Takes one unit of concurrency for `fn`, or answers the Reason of the throttle (the pool is full).
   * Rejects with ConcurrencyUnavailableError when the shared store cannot be asked: never unlimited capacity.
   */
  tryAcquire(fn: ConcurrencyLimitedFunction): Promise<ConcurrencyLease | ThrottleReason>;
  /** Units of `fn`'s pool in use now (the unreserved pool's, for a function without a reservation). */
  inUse(fn: ConcurrencyLimitedFunction): Promise<number>;
  /** Releases what this limiter still holds and its connections; leases released after close are no-ops. */
  close(): Promise<void>;
}

/** The store behind the limiter (Redis) could not be reached or did not answer: nothing was acquired. */
export class ConcurrencyUnavailableError extends Error {
  override readonly name = "ConcurrencyUnavailableError";
  readonly code = "LKN_ERR_CONCURRENCY_UNAVAILABLE" satisfies LambkinCode;
}
