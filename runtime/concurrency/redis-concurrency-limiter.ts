/**
 * The Redis ConcurrencyLimiter: the caps hold across every gateway and worker sharing one Redis. A unit of
 * concurrency is a lease (lease-scripts.ts: taken atomically by a Lua script, in the account's and its pool's
 * sorted sets) that expires unless renewed. While this process holds leases, one heartbeat renews them all every
 * TTL/3; when the process dies (SIGKILL, lost host) the renewals stop and its leases stop counting after the TTL,
 * so a dead worker never leaks capacity for good.
 *
 * Redis unreachable or not answering within the command timeout: tryAcquire rejects with
 * ConcurrencyUnavailableError at once (no offline queue, no retries), so an invocation is refused rather than run
 * uncounted; the client reconnects by itself and the next tryAcquire after Redis is back succeeds. A lease that
 * cannot be released then frees when it expires; one that cannot be renewed is written again by the next renewal
 * that gets through (its invocation is still running).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { Redis } from "ioredis";
import { ConfigError } from "../errors/config-error.js";
import { coded } from "../errors/lambkin-codes.js";
import type { ThrottleReason } from "../errors/service-errors.js";
import {
  type ConcurrencyLease,
  type ConcurrencyLimiter,
  ConcurrencyUnavailableError,
} from "./concurrency-limiter.js";
import { type ConcurrencyLimitedFunction, ConcurrencyPlan } from "./concurrency-plan.js";
import {
  ACCOUNT_FULL,
  ACQUIRE_LEASE,
  ACQUIRED,
  LIVE_LEASES,
  RELEASE_LEASE,
  RENEW_LEASES,
} from "./lease-scripts.js";

export const DEFAULT_LEASE_TTL_MS = 10_000;
export const DEFAULT_KEY_PREFIX = "lambkin:concurrency";
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000;
const MINIMUM_LEASE_TTL_MS = 300;

export interface RedisConcurrencyOptions {
  readonly redisUrl: string;
  readonly accountLimit: number;
  readonly functions: readonly ConcurrencyLimitedFunction[];
  /** Prefix of every key (default `lambkin:concurrency`): clusters sharing one Redis need different ones. */
  readonly keyPrefix?: string;
  /** How long a lease outlives its last renewal (default 10 s): how long a dead holder's capacity stays taken. */
  readonly leaseTtlMs?: number;
  /** How long a command may take before the store counts as unavailable (default 2 s). */
  readonly commandTimeoutMs?: number;
  /** Where coded warnings go (renewals or releases that failed). */
  readonly warn?: (message: string) => void;
}

/** The typed view of the scripts defined on the client. */
interface LeaseCommands {
  acquireLease(
    account: string,
    pool: string,
    accountLimit: number,
    poolLimit: number,
    leaseId: string,
    ttlMs: number,
  ): Promise<number>;
  renewLeases(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
  releaseLease(account: string, pool: string, leaseId: string): Promise<number>;
  liveLeases(key: string): Promise<number>;
}

interface HeldLease {
  readonly poolKey: string;
}

export class RedisConcurrencyLimiter implements ConcurrencyLimiter {
  readonly accountLimit: number;
  private readonly plan: ConcurrencyPlan;
  private readonly redis: Redis & LeaseCommands;
  private readonly accountKey: string;
  private readonly keyPrefix: string;
  private readonly leaseTtlMs: number;
  /** Where Redis is, without credentials, for messages. */
  private readonly address: string;
  /** Identifies this holder in lease ids (host, pid, instance), which makes Redis's content readable. */
  private readonly holderId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private sequence = 0;
  private readonly held = new Map<string, HeldLease>();
  private readonly heartbeat: NodeJS.Timeout;
  private renewing = false;
  private updatesFailing = false;
  private closed = false;

  /** Connects (once, within the command timeout) and answers a limiter, or throws ConcurrencyUnavailableError. */
  static async connect(options: RedisConcurrencyOptions): Promise<RedisConcurrencyLimiter> {
    const limiter = new RedisConcurrencyLimiter(options);
    try {
      await limiter.redis.connect();
    } catch (error) {
      limiter.redis.disconnect();
      clearInterval(limiter.heartbeat);
      throw limiter.unavailable(error);
    }
    return limiter;
  }

  private constructor(private readonly options: RedisConcurrencyOptions) {
    this.accountLimit = options.accountLimit;
    this.plan = new ConcurrencyPlan(options.accountLimit, options.functions);
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    if (!Number.isInteger(this.leaseTtlMs) || this.leaseTtlMs < MINIMUM_LEASE_TTL_MS)
      throw new ConfigError(
        `The concurrency lease TTL must be a whole number of milliseconds, at least ${MINIMUM_LEASE_TTL_MS}; got ${this.leaseTtlMs}.`,
      );
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.accountKey = `${this.keyPrefix}:account`;
    this.address = redactedAddress(options.redisUrl);
    const timeout = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    const redis = new Redis(options.redisUrl, {
      lazyConnect: true,
      // Refuse at once while disconnected rather than queue: a synchronous invocation must not wait for Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: timeout,
      connectTimeout: timeout,
      // Reconnect forever, at most a second apart, so that a restarted Redis is used again soon.
      retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    });
    // Connection errors surface as failed commands; without a listener ioredis prints each one.
    redis.on("error", () => {});
    redis.defineCommand("acquireLease", { lua: ACQUIRE_LEASE, numberOfKeys: 2 });
    redis.defineCommand("renewLeases", { lua: RENEW_LEASES });
    redis.defineCommand("releaseLease", { lua: RELEASE_LEASE, numberOfKeys: 2 });
    redis.defineCommand("liveLeases", { lua: LIVE_LEASES, numberOfKeys: 1 });
    this.redis = redis as Redis & LeaseCommands;
    this.heartbeat = setInterval(() => void this.renew(), Math.floor(this.leaseTtlMs / 3));
    // The heartbeat matters only while something else (an invocation) keeps the process alive.
    this.heartbeat.unref();
  }

  async tryAcquire(fn: ConcurrencyLimitedFunction): Promise<ConcurrencyLease | ThrottleReason> {
    const pool = this.plan.poolOf(fn);
    // A reservation of 0 throttles everything: a fact of the configuration, even with Redis down.
    if (pool.limit === 0) return pool.throttleReason;
    if (this.closed) throw this.unavailable(new Error("the limiter is closed"));
    const poolKey = this.poolKey(pool.id);
    const leaseId = `${this.holderId}:${++this.sequence}`;
    let outcome: number;
    try {
      outcome = await this.redis.acquireLease(
        this.accountKey,
        poolKey,
        this.accountLimit,
        pool.limit,
        leaseId,
        this.leaseTtlMs,
      );
    } catch (error) {
      throw this.unavailable(error);
    }
    if (outcome !== ACQUIRED)
      return outcome === ACCOUNT_FULL ? "ConcurrentInvocationLimitExceeded" : pool.throttleReason;
    this.held.set(leaseId, { poolKey });
    return { release: () => this.release(leaseId) };
  }

  async inUse(fn: ConcurrencyLimitedFunction): Promise<number> {
    try {
      return await this.redis.liveLeases(this.poolKey(this.plan.poolOf(fn).id));
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    await Promise.all([...this.held.keys()].map((leaseId) => this.release(leaseId)));
    await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  private async release(leaseId: string): Promise<void> {
    const lease = this.held.get(leaseId);
    // Forgotten before the command is sent: a renewal sent after this cannot write the lease again.
    if (!lease) return;
    this.held.delete(leaseId);
    try {
      await this.redis.releaseLease(this.accountKey, lease.poolKey, leaseId);
      this.updatesSucceeded();
    } catch (error) {
      this.updateFailed("release", error);
    }
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.held.size === 0) return;
    this.renewing = true;
    const leases = [...this.held];
    try {
      await this.redis.renewLeases(
        1 + leases.length,
        this.accountKey,
        ...leases.map(([, lease]) => lease.poolKey),
        this.leaseTtlMs,
        ...leases.map(([leaseId]) => leaseId),
      );
      this.updatesSucceeded();
    } catch (error) {
      this.updateFailed("renew", error);
    } finally {
      this.renewing = false;
    }
  }

  private updatesSucceeded(): void {
    this.updatesFailing = false;
  }

  /** Warns once per outage, not once per lease or heartbeat. */
  private updateFailed(what: "renew" | "release", error: unknown): void {
    if (this.updatesFailing) return;
    this.updatesFailing = true;
    this.options.warn?.(
      coded(
        "LKN_WRN_CONCURRENCY_LEASE_UPDATE_FAILED",
        `Could not ${what} concurrency leases in Redis at ${this.address} (${messageOf(error)}): ` +
          `released units free when their leases expire (${this.leaseTtlMs} ms), running ones are written again once Redis answers.`,
      ),
    );
  }

  private poolKey(poolId: string): string {
    return `${this.keyPrefix}:pool:${poolId}`;
  }

  private unavailable(error: unknown): ConcurrencyUnavailableError {
    return new ConcurrencyUnavailableError(
      coded(
        "LKN_ERR_CONCURRENCY_UNAVAILABLE",
        `The concurrency store (Redis at ${this.address}) is unavailable: ${messageOf(error)}.`,
      ),
      { cause: error },
    );
  }
}

/** `redis://host:port` without credentials: messages go to logs and to callers. */
function redactedAddress(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return "(an invalid REDIS_URL)";
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
