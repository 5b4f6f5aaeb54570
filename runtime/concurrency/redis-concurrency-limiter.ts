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
import { Redis } from "ioredis";
import { ConfigError } from "../errors/config-error.js";
import { coded } from "../errors/lambkin-codes.js";
import type { ThrottleReason } from "../errors/service-errors.js";
import {
  type ConcurrencyLease,
  type ConcurrencyLimiter,
  ConcurrencyUnavailableError,
} from "./concurrency-limiter.js";
import type { ConcurrencyLimitedFunction } from "./concurrency-plan.js";
import {
  ACCOUNT_FULL,
  ACQUIRE_LEASE,
  ACQUIRED,
  LIVE_LEASES,
  RELEASE_LEASE,
  RENEW_LEASES,
} from "./lease-scripts.js";
import { DEFAULT_KEY_PREFIX, isLeaseId, leaseNamer, RedisLeaseLayout } from "./redis-lease-layout.js";

export { DEFAULT_KEY_PREFIX };
export const DEFAULT_LEASE_TTL_MS = 10_000;
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
  private layout: RedisLeaseLayout;
  private readonly redis: Redis & LeaseCommands;
  private readonly accountKey: string;
  private readonly leaseTtlMs: number;
  /** Where Redis is, without credentials, for messages. */
  private readonly address: string;
  private readonly newLeaseId = leaseNamer();
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
    this.layout = new RedisLeaseLayout(
      options.accountLimit,
      options.functions,
      options.keyPrefix ?? DEFAULT_KEY_PREFIX,
    );
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    if (!Number.isInteger(this.leaseTtlMs) || this.leaseTtlMs < MINIMUM_LEASE_TTL_MS)
      throw new ConfigError(
        `The concurrency lease TTL must be a whole number of milliseconds, at least ${MINIMUM_LEASE_TTL_MS}; got ${this.leaseTtlMs}.`,
      );
    this.accountKey = this.layout.accountKey;
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

  replan(functions: readonly ConcurrencyLimitedFunction[]): void {
    this.layout = new RedisLeaseLayout(
      this.accountLimit,
      functions,
      this.options.keyPrefix ?? DEFAULT_KEY_PREFIX,
    );
  }

  async tryAcquire(fn: ConcurrencyLimitedFunction): Promise<ConcurrencyLease | ThrottleReason> {
    const slot = this.layout.slotOf(fn);
    // A reservation of 0 throttles everything: a fact of the configuration, even with Redis down.
    if (slot.poolLimit === 0) return slot.throttleReason;
    if (this.closed) throw this.unavailable(new Error("the limiter is closed"));
    const leaseId = this.newLeaseId();
    let outcome: number;
    try {
      outcome = await this.redis.acquireLease(
        this.accountKey,
        slot.poolKey,
        this.accountLimit,
        slot.poolLimit,
        leaseId,
        this.leaseTtlMs,
      );
    } catch (error) {
      throw this.unavailable(error);
    }
    if (outcome !== ACQUIRED)
      return outcome === ACCOUNT_FULL ? "ConcurrentInvocationLimitExceeded" : slot.throttleReason;
    return this.hold(leaseId, slot.poolKey);
  }

  /**
   * Holds the lease from now on: the heartbeat renews it. A lease taken to be handed over lives past the TTL (until
   * its request's deadline, and a TTL more): renewing it at once brings it down to this holder's TTL, so that the
   * unit of a worker SIGKILLed right after adopting it comes back after the TTL, as any other.
   */
  adopt(fn: ConcurrencyLimitedFunction, leaseId: string): ConcurrencyLease {
    if (!isLeaseId(leaseId)) throw new Error(`not a lease id: ${JSON.stringify(leaseId).slice(0, 100)}`);
    const lease = this.hold(leaseId, this.layout.slotOf(fn).poolKey);
    if (!this.closed) void this.renewOnly([[leaseId, { poolKey: this.layout.slotOf(fn).poolKey }]]);
    return lease;
  }

  private hold(leaseId: string, poolKey: string): ConcurrencyLease {
    this.held.set(leaseId, { poolKey });
    return {
      id: leaseId,
      release: () => this.release(leaseId),
      handOver: () => {
        this.held.delete(leaseId);
        return leaseId;
      },
    };
  }

  async inUse(fn: ConcurrencyLimitedFunction): Promise<number> {
    try {
      return await this.redis.liveLeases(this.layout.slotOf(fn).poolKey);
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
    try {
      await this.renewOnly([...this.held]);
    } finally {
      this.renewing = false;
    }
  }

  private async renewOnly(leases: readonly (readonly [string, HeldLease])[]): Promise<void> {
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
