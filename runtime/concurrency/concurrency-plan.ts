/**
 * How Lambda divides concurrency (docs/lambda-behaviour.md §4), as pure arithmetic every limiter adapter shares:
 * an account-wide limit (default 1000) of which each function's reserved concurrency is carved out, both a
 * guarantee and a cap, while every function without a reservation draws from what is left (the unreserved pool).
 * `reservedConcurrency: 0` throttles everything. Lambda refuses a reservation that would leave fewer than 100 of
 * 1000 unreserved (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html), and so does this.
 */
import type { LambkinCode } from "../errors/lambkin-codes.js";
import type { ThrottleReason } from "../errors/service-errors.js";
import type { FunctionDefinition } from "../manifest/function-definition.js";

export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;

export class ConcurrencyConfigError extends Error {
  readonly code = "LKN_ERR_CONFIG_CONCURRENCY" satisfies LambkinCode;
}

/** What a limiter needs to know of a function: which pool it draws from. */
export type ConcurrencyLimitedFunction = Pick<FunctionDefinition, "name" | "reservedConcurrency">;

/** One pool of concurrency units: the unreserved pool, or one function's reservation. */
export interface ConcurrencyPool {
  /** Stable across processes: adapters that share state (Redis) key the pool by it. */
  readonly id: string;
  readonly limit: number;
  /** The Reason a TooManyRequestsException carries when this pool is full (API_Invoke). */
  readonly throttleReason: ThrottleReason;
}

export class ConcurrencyPlan {
  readonly unreservedLimit: number;

  constructor(
    readonly accountLimit: number,
    functions: readonly ConcurrencyLimitedFunction[],
  ) {
    const reserved = functions.reduce((sum, fn) => sum + (fn.reservedConcurrency ?? 0), 0);
    this.unreservedLimit = accountLimit - reserved;
    // AWS keeps 100 of 1000 unreserved (PutFunctionConcurrency refuses more); scaled for small caps.
    const minimumUnreserved = Math.max(1, Math.min(100, Math.floor(accountLimit / 10)));
    if (this.unreservedLimit < minimumUnreserved) {
      throw new ConcurrencyConfigError(
        `reservedConcurrency adds up to ${reserved}, leaving ${this.unreservedLimit} of the account's ${accountLimit} unreserved; ` +
          `at least ${minimumUnreserved} must stay unreserved. Lower reservedConcurrency or raise LAMBKIN_ACCOUNT_CONCURRENCY.`,
      );
    }
  }

  poolOf(fn: ConcurrencyLimitedFunction): ConcurrencyPool {
    return fn.reservedConcurrency !== undefined
      ? {
          id: `reserved:${fn.name}`,
          limit: fn.reservedConcurrency,
          throttleReason: "ReservedFunctionConcurrentInvocationLimitExceeded",
        }
      : {
          id: "unreserved",
          limit: this.unreservedLimit,
          throttleReason: "ConcurrentInvocationLimitExceeded",
        };
  }
}
