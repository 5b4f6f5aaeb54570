/**
 * The CheckpointStore port: the durable part of a stream event source mapping, shared by every Lambkin process
 * of a cluster. Per (mapping id, shard id) it keeps:
 * - the checkpoint: the sequence number of the last record done (the function succeeded on it, it was filtered
 *   out, or it was given up and sent to onFailure). Reading restarts AFTER it, so a restart of every process
 *   neither replays a record after a successful batch nor skips one.
 * - a lease: one poller per shard across the cluster, as Lambda's one consumer per shard. A lease expires when
 *   its owner stops renewing it (a SIGKILLed worker), and another process takes the shard over from its
 *   checkpoint.
 * - a finished mark: the shard is closed and was read to its end, so its children may be read (a child is read
 *   only once every parent is finished: records of one key stay in order across a split or merge).
 *
 * Writes that only a lease holder may make (checkpoint, finished mark) take the owner and do nothing (false) when
 * the lease is someone else's: a poller that lost its shard (it was paused past the lease) cannot move a
 * checkpoint behind the new owner's back.
 *
 * Adapters: Redis (triggers/streams/redis/, the JobQueue's Redis under its key prefix) and embedded (the embedded
 * queue's SQLite database, triggers/streams/embedded/). Conformance: test/triggers/streams/checkpoint-store.conformance.ts.
 */

export interface ShardKey {
  /** Stable across restarts: the function and the stream (triggers/streams/stream-mapping.ts, mappingIdOf). */
  readonly mappingId: string;
  readonly shardId: string;
}

export interface ShardLease {
  readonly owner: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
}

export interface CheckpointStore {
  readonly backend: "redis" | "embedded";
  /** The last sequence number done in the shard, or undefined when none was. */
  checkpoint(key: ShardKey): Promise<string | undefined>;
  /**
   * Moves the checkpoint to `sequenceNumber` if `owner` holds the shard's lease; false (nothing written) when it
   * does not.
   */
  saveCheckpoint(key: ShardKey, owner: string, sequenceNumber: string): Promise<boolean>;
  /**
   * Takes the shard's lease for `ttlMs`, or renews it when `owner` holds it already. False when another owner's
   * lease has not expired yet. Atomic across processes.
   */
  acquireLease(key: ShardKey, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (when `owner` holds it) so that another process may take the shard at once. */
  releaseLease(key: ShardKey, owner: string): Promise<void>;
  /** The lease of the shard, when one is held and not expired. */
  lease(key: ShardKey): Promise<ShardLease | undefined>;
  /** Marks a closed shard read to its end, if `owner` holds its lease; false otherwise. */
  markShardFinished(key: ShardKey, owner: string): Promise<boolean>;
  /** Which of the mapping's shards are finished. */
  finishedShards(mappingId: string, shardIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** Closes what the adapter opened (never the shared connection or database it was given). */
  close(): Promise<void>;
}

/** The store could not be read or written (Redis down, the database closed): the poller waits and retries. */
export class CheckpointStoreUnavailableError extends Error {
  override readonly name = "CheckpointStoreUnavailableError";
}
