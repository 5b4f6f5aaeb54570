/**
 * The CheckpointStore port in the embedded queue's SQLite file (shared with the job queue, which owns the file and
 * its exclusive lock: triggers/queue/embedded/embedded-store.ts; this store is given its open connection and never
 * closes it). One table, `stream_shards`, one row per (mapping, shard): the checkpoint, the lease and the finished
 * mark; its schema version is its own, in `stream_schema`.
 *
 * Only one process can hold the file, so a lease here only ever orders the pollers of that process; it still
 * expires (by this process's clock), and every lease found at open belonged to a process that is gone and is
 * dropped. A checkpoint is written in its own transaction at the file's synchronous level (FULL unless the queue
 * was opened otherwise): once saved it survives a SIGKILL and a power cut.
 */
import type Database from "better-sqlite3";
import {
  type CheckpointStore,
  CheckpointStoreUnavailableError,
  type ShardKey,
  type ShardLease,
} from "../interfaces/checkpoint-store.js";

export const STREAM_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS stream_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stream_shards (
  mapping_id TEXT NOT NULL,
  shard_id TEXT NOT NULL,
  sequence_number TEXT,
  lease_owner TEXT,
  lease_until INTEGER,
  finished INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (mapping_id, shard_id)
);
`;

export interface EmbeddedCheckpointStoreOptions {
  /** The embedded job queue's open connection (EmbeddedJobQueue#database). */
  readonly database: Database.Database;
  /** The clock of lease expiry (tests move it). */
  readonly now?: () => number;
}

interface ShardRow {
  readonly sequence_number: string | null;
  readonly lease_owner: string | null;
  readonly lease_until: number | null;
  readonly finished: number;
}

export class EmbeddedCheckpointStore implements CheckpointStore {
  readonly backend = "embedded";
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly statements: ReturnType<typeof prepare>;
  private closed = false;

  constructor(options: EmbeddedCheckpointStoreOptions) {
    this.db = options.database;
    this.now = options.now ?? Date.now;
    ensureSchema(this.db);
    this.statements = prepare(this.db);
    // Leases of a process that held the file before this one: it is gone (the file's lock is exclusive).
    this.statements.dropLeases.run();
  }

  async checkpoint(key: ShardKey): Promise<string | undefined> {
    return this.guard(() => this.row(key)?.sequence_number ?? undefined);
  }

  async saveCheckpoint(key: ShardKey, owner: string, sequenceNumber: string): Promise<boolean> {
    return this.guard(
      () =>
        this.statements.saveCheckpoint.run(sequenceNumber, key.mappingId, key.shardId, owner, this.now())
          .changes > 0,
    );
  }

  async acquireLease(key: ShardKey, owner: string, ttlMs: number): Promise<boolean> {
    return this.guard(() =>
      this.db.transaction(() => {
        const now = this.now();
        this.statements.ensureRow.run(key.mappingId, key.shardId);
        return (
          this.statements.takeLease.run(
            owner,
            now + Math.max(1, Math.floor(ttlMs)),
            key.mappingId,
            key.shardId,
            owner,
            now,
          ).changes > 0
        );
      })(),
    );
  }

  async releaseLease(key: ShardKey, owner: string): Promise<void> {
    this.guard(() => this.statements.releaseLease.run(key.mappingId, key.shardId, owner));
  }

  async lease(key: ShardKey): Promise<ShardLease | undefined> {
    return this.guard(() => {
      const row = this.row(key);
      if (!row || row.lease_owner === null || row.lease_until === null || row.lease_until <= this.now())
        return undefined;
      return { owner: row.lease_owner, expiresAt: row.lease_until };
    });
  }

  async markShardFinished(key: ShardKey, owner: string): Promise<boolean> {
    return this.guard(
      () => this.statements.markFinished.run(key.mappingId, key.shardId, owner, this.now()).changes > 0,
    );
  }

  async finishedShards(mappingId: string, shardIds: readonly string[]): Promise<ReadonlySet<string>> {
    return this.guard(() => {
      const wanted = new Set(shardIds);
      const rows = this.statements.finished.all(mappingId) as { shard_id: string }[];
      return new Set(rows.map((row) => row.shard_id).filter((id) => wanted.has(id)));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private row(key: ShardKey): ShardRow | undefined {
    return this.statements.row.get(key.mappingId, key.shardId) as ShardRow | undefined;
  }

  private guard<T>(work: () => T): T {
    if (this.closed || !this.db.open)
      throw new CheckpointStoreUnavailableError("the embedded stream checkpoints are closed");
    try {
      return work();
    } catch (error) {
      throw new CheckpointStoreUnavailableError(
        `the embedded stream checkpoints failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

/** Creates the table (one transaction) or checks its version. */
function ensureSchema(db: Database.Database): void {
  db.transaction(() => {
    db.exec(SCHEMA);
    const row = db.prepare("SELECT version FROM stream_schema").get() as { version: number } | undefined;
    if (row === undefined)
      db.prepare("INSERT INTO stream_schema (version) VALUES (?)").run(STREAM_SCHEMA_VERSION);
    else if (row.version !== STREAM_SCHEMA_VERSION) {
      throw new CheckpointStoreUnavailableError(
        `the stream tables of ${db.name} have schema version ${row.version}; this Lambkin reads version ${STREAM_SCHEMA_VERSION}`,
      );
    }
  })();
}

/** The lease guard of a write: `owner` holds an unexpired lease (params: …, owner, now). */
const HELD = "lease_owner = ? AND lease_until > ?";

function prepare(db: Database.Database) {
  return {
    row: db.prepare("SELECT * FROM stream_shards WHERE mapping_id = ? AND shard_id = ?"),
    ensureRow: db.prepare("INSERT OR IGNORE INTO stream_shards (mapping_id, shard_id) VALUES (?, ?)"),
    takeLease: db.prepare(
      `UPDATE stream_shards SET lease_owner = ?, lease_until = ?
       WHERE mapping_id = ? AND shard_id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until <= ?)`,
    ),
    releaseLease: db.prepare(
      "UPDATE stream_shards SET lease_owner = NULL, lease_until = NULL WHERE mapping_id = ? AND shard_id = ? AND lease_owner = ?",
    ),
    saveCheckpoint: db.prepare(
      `UPDATE stream_shards SET sequence_number = ? WHERE mapping_id = ? AND shard_id = ? AND ${HELD}`,
    ),
    markFinished: db.prepare(
      `UPDATE stream_shards SET finished = 1 WHERE mapping_id = ? AND shard_id = ? AND ${HELD}`,
    ),
    finished: db.prepare("SELECT shard_id FROM stream_shards WHERE mapping_id = ? AND finished = 1"),
    dropLeases: db.prepare("UPDATE stream_shards SET lease_owner = NULL, lease_until = NULL"),
  };
}
