/**
 * Lambda's concurrency caps (docs/lambda-behaviour.md §4): an account-wide limit (default 1000) shared by
 * every function without reserved concurrency, and per-function reserved concurrency, which is
 * both a guarantee (carved out of the account pool) and a cap. `reservedConcurrency: 0` throttles
 * everything. Over a cap, a synchronous invocation is refused at once (TooManyRequestsException).
 */
import type { LambkinCode } from "../errors/lambkin-codes.js";
import { type ServiceError, throttled } from "../errors/service-errors.js";
import type { FunctionDefinition } from "../manifest/function-definition.js";

export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;

export class ConcurrencyConfigError extends Error {
  readonly code = "LKN_ERR_CONFIG_CONCURRENCY" satisfies LambkinCode;
}

export interface ConcurrencyLease {
  release(): void;
}

export class ConcurrencyLimiter {
  private readonly unreservedLimit: number;
  private unreservedInUse = 0;
  private readonly reservedInUse = new Map<string, number>();

  constructor(
    readonly accountLimit: number,
    functions: readonly FunctionDefinition[],
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

  /** Takes one unit of concurrency for `fn`, or returns the throttle error to answer with. */
  tryAcquire(fn: FunctionDefinition): ConcurrencyLease | ServiceError {
    if (fn.reservedConcurrency !== undefined) {
      const inUse = this.reservedInUse.get(fn.name) ?? 0;
      if (inUse >= fn.reservedConcurrency)
        return throttled("ReservedFunctionConcurrentInvocationLimitExceeded");
      this.reservedInUse.set(fn.name, inUse + 1);
      return once(() => this.reservedInUse.set(fn.name, (this.reservedInUse.get(fn.name) ?? 1) - 1));
    }
    if (this.unreservedInUse >= this.unreservedLimit) return throttled("ConcurrentInvocationLimitExceeded");
    this.unreservedInUse += 1;
    return once(() => {
      this.unreservedInUse -= 1;
    });
  }

  inUse(fn: FunctionDefinition): number {
    return fn.reservedConcurrency !== undefined
      ? (this.reservedInUse.get(fn.name) ?? 0)
      : this.unreservedInUse;
  }
}

function once(release: () => void): ConcurrencyLease {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      release();
    },
  };
}
