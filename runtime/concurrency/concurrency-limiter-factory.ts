/**
 * Chooses the ConcurrencyLimiter adapter: Redis when a URL is given (gateways and workers of one cluster share
 * the caps), else in memory (one process). The caller reads the configuration (REDIS_URL); this only builds.
 */
import type { ConcurrencyLimiter } from "./concurrency-limiter.js";
import { type ConcurrencyLimitedFunction, DEFAULT_ACCOUNT_CONCURRENCY } from "./concurrency-plan.js";
import { InMemoryConcurrencyLimiter } from "./in-memory-concurrency-limiter.js";
import { RedisConcurrencyLimiter } from "./redis-concurrency-limiter.js";

/** Where the caps are kept: nothing for this process alone, a Redis URL for a cluster. */
export interface ConcurrencyStoreSettings {
  readonly redisUrl?: string;
  /** Redis key prefix (default `lambkin:concurrency`). */
  readonly keyPrefix?: string;
  /** Lease TTL in ms (default 10 s): how long the capacity of a worker that died stays taken. */
  readonly leaseTtlMs?: number;
  readonly warn?: (message: string) => void;
}

export interface ConcurrencyLimiterSettings extends ConcurrencyStoreSettings {
  readonly accountLimit?: number;
  readonly functions: readonly ConcurrencyLimitedFunction[];
}

/** Throws ConcurrencyConfigError for reservations the account cannot spare, ConcurrencyUnavailableError for a Redis it cannot reach. */
export async function concurrencyLimiterFor(
  settings: ConcurrencyLimiterSettings,
): Promise<ConcurrencyLimiter> {
  const accountLimit = settings.accountLimit ?? DEFAULT_ACCOUNT_CONCURRENCY;
  if (settings.redisUrl === undefined)
    return new InMemoryConcurrencyLimiter(accountLimit, settings.functions);
  return RedisConcurrencyLimiter.connect({ ...settings, redisUrl: settings.redisUrl, accountLimit });
}
