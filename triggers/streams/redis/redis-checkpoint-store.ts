/**
 * The CheckpointStore port on Redis (the JobQueue's Redis of REDIS_URL), keys under `<LAMBKIN_REDIS_PREFIX>:streams`:
 * - `…:streams:cp:<mapping>` a hash, shard id → the last sequence number done;
 * - `…:streams:lease:<mapping>:<shard>` the lease holder, expiring with Redis's own clock (PX), so the clocks
 *   of the processes never need to agree and a SIGKILLed holder's lease lapses by itself;
 * - `…:streams:done:<mapping>` a set of the shards read to their end.
 * The writes guarded by a lease (take/renew, checkpoint, finished mark) are Lua scripts: the check of the holder
 * and the write are one atomic step across the cluster. Redis is the durable store here as for the job queue:
 * run it with the append-only file for checkpoints to survive a restart of Redis itself.
 */
import { Redis } from "ioredis";
import {
  type CheckpointStore,
  CheckpointStoreUnavailableError,
  type ShardKey,
  type ShardLease,
} from "../interfaces/checkpoint-store.js";

/** KEYS[1] lease; ARGV owner, ttl ms. Takes a free or expired lease, renews one's own. */
const ACQUIRE_LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

/** KEYS[1] lease; ARGV owner. */
const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`;

/** KEYS[1] lease, KEYS[2] checkpoints hash; ARGV owner, shard, sequence number. */
const SAVE_CHECKPOINT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;

/** KEYS[1] lease, KEYS[2] finished set; ARGV owner, shard. */
const MARK_FINISHED = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SADD', KEYS[2], ARGV[2])
return 1`;

type Script = (...args: (string | number)[]) => Promise<unknown>;
const SCRIPTS = {
  streamsAcquireLease: [ACQUIRE_LEASE, 1],
  streamsReleaseLease: [RELEASE_LEASE, 1],
  streamsSaveCheckpoint: [SAVE_CHECKPOINT, 2],
  streamsMarkFinished: [MARK_FINISHED, 2],
} as const;
type ScriptName = keyof typeof SCRIPTS;

export interface RedisCheckpointStoreOptions {
  readonly redisUrl: string;
  /** The cluster's key prefix (LAMBKIN_REDIS_PREFIX, default `lambkin`). */
  readonly prefix?: string;
  /** How long a command may take before the store counts as unavailable (ms; default 5000). */
  readonly commandTimeoutMs?: number;
}

export class RedisCheckpointStore implements CheckpointStore {
  readonly backend = "redis";
  private readonly redis: Redis;
  private readonly base: string;

  constructor(options: RedisCheckpointStoreOptions) {
    this.base = `${options.prefix ?? "lambkin"}:streams`;
    const timeout = options.commandTimeoutMs ?? 5000;
    this.redis = new Redis(options.redisUrl, {
      // Fail at once while disconnected: the poller backs off and tries again; a queued write could land
      // after the lease it was made under expired.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeout,
      commandTimeout: timeout,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
      lazyConnect: true,
    });
    this.redis.on("error", () => {}); // failures surface as failed commands
    for (const [name, [lua, numberOfKeys]] of Object.entries(SCRIPTS))
      this.redis.defineCommand(name, { lua, numberOfKeys });
  }

  /** Connects, or rejects with CheckpointStoreUnavailableError. */
  async connect(): Promise<this> {
    try {
      await this.redis.connect();
    } catch (error) {
      this.redis.disconnect();
      throw new CheckpointStoreUnavailableError(
        `cannot reach Redis for the stream checkpoints: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return this;
  }

  checkpoint(key: ShardKey): Promise<string | undefined> {
    return this.guard(
      async () => (await this.redis.hget(this.checkpoints(key.mappingId), key.shardId)) ?? undefined,
    );
  }

  saveCheckpoint(key: ShardKey, owner: string, sequenceNumber: string): Promise<boolean> {
    return this.guard(
      async () =>
        (await this.script("streamsSaveCheckpoint")(
          this.leaseKey(key),
          this.checkpoints(key.mappingId),
          owner,
          key.shardId,
          sequenceNumber,
        )) === 1,
    );
  }

  acquireLease(key: ShardKey, owner: string, ttlMs: number): Promise<boolean> {
    return this.guard(
      async () =>
        (await this.script("streamsAcquireLease")(
          this.leaseKey(key),
          owner,
          Math.max(1, Math.floor(ttlMs)),
        )) === 1,
    );
  }

  releaseLease(key: ShardKey, owner: string): Promise<void> {
    return this.guard(async () => {
      await this.script("streamsReleaseLease")(this.leaseKey(key), owner);
    });
  }

  lease(key: ShardKey): Promise<ShardLease | undefined> {
    return this.guard(async () => {
      const [[, owner], [, ttl]] = (await this.redis
        .multi()
        .get(this.leaseKey(key))
        .pttl(this.leaseKey(key))
        .exec()) as [[unknown, string | null], [unknown, number]];
      if (owner === null || ttl < 0) return undefined;
      return { owner, expiresAt: Date.now() + ttl };
    });
  }

  markShardFinished(key: ShardKey, owner: string): Promise<boolean> {
    return this.guard(
      async () =>
        (await this.script("streamsMarkFinished")(
          this.leaseKey(key),
          this.finished(key.mappingId),
          owner,
          key.shardId,
        )) === 1,
    );
  }

  finishedShards(mappingId: string, shardIds: readonly string[]): Promise<ReadonlySet<string>> {
    return this.guard(async () => {
      if (shardIds.length === 0) return new Set<string>();
      const flags = await this.redis.smismember(this.finished(mappingId), ...shardIds);
      return new Set(shardIds.filter((_, index) => flags[index] === 1));
    });
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private checkpoints(mappingId: string): string {
    return `${this.base}:cp:${mappingId}`;
  }

  private finished(mappingId: string): string {
    return `${this.base}:done:${mappingId}`;
  }

  private leaseKey(key: ShardKey): string {
    return `${this.base}:lease:${key.mappingId}:${key.shardId}`;
  }

  private script(name: ScriptName): Script {
    return (this.redis as unknown as Record<ScriptName, Script>)[name].bind(this.redis);
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new CheckpointStoreUnavailableError(
        `the Redis stream checkpoints failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}
