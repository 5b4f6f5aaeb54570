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
  /** Names the lease in its store: what a holder hands over (see ConcurrencyLimiter.adopt). */
  readonly id: string;
  /** Gives the unit back. Idempotent; never rejects (a store that cannot be told lets the lease expire). */
  release(): Promise<void>;
  /**
   * Stops holding the unit without giving it back, so that another holder adopts it; answers its id. From then
   * on this lease's release() is a no-op. In a shared store the unit stays counted until its adopter takes it
   * over, or (Redis) until it expires.
   */
  handOver(): string;
}

export interface ConcurrencyLimiter {
  readonly accountLimit: number;
  /**
   * Takes one unit of concurrency for `fn`, or answers the Reason of the throttle (the pool is full).
   * Rejects with ConcurrencyUnavailableError when the shared store cannot be asked: never unlimited capacity.
   */
  tryAcquire(fn: ConcurrencyLimitedFunction): Promise<ConcurrencyLease | ThrottleReason>;
  /**
   * Takes over a unit of `fn` that another holder took and handed over by its id (a gateway takes the unit in the
   * same step as it queues a request; the worker that runs the request adopts it): from then on this limiter
   * keeps it and releases it. No round trip to the store: the unit counts already. Throws for a lease this store
   * cannot know (in memory: one this limiter did not hand over).
   */
  adopt(fn: ConcurrencyLimitedFunction, leaseId: string): ConcurrencyLease;
  /** Units of `fn`'s pool in use now (the unreserved pool's, for a function without a reservation). */
  inUse(fn: ConcurrencyLimitedFunction): Promise<number>;
  /**
   * Recomputes the pools for a new set of functions (`lambkin dev` reloaded a manifest): reservations added,
   * changed or removed take effect for the next acquire; units held now are released to the pool they came from.
   * Throws ConcurrencyConfigError, keeping the plan there was, for reservations the account cannot spare.
   */
  replan(functions: readonly ConcurrencyLimitedFunction[]): void;
  /** Releases what this limiter still holds and its connections; leases released after close are no-ops. */
  close(): Promise<void>;
}

/** The store behind the limiter (Redis) could not be reached or did not answer: nothing was acquired. */
export class ConcurrencyUnavailableError extends Error {
  override readonly name = "ConcurrencyUnavailableError";
  readonly code = "LKN_ERR_CONCURRENCY_UNAVAILABLE" satisfies LambkinCode;
}
