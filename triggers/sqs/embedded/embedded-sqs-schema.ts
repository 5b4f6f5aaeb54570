/**
 * The SQS store's tables in the embedded queue's SQLite file (shared with the job queue, which owns the file and
 * its lock: embedded-store.ts). Their schema version is their own, in `sqs_schema`, not the file's user_version
 * (the job queue's).
 *
 * - sqs_queues: one row per queue; `id` names this incarnation of the queue (receipt handles carry it, so a
 *   queue deleted and created again does not accept the old one's handles); next_sequence numbers FIFO messages.
 * - sqs_messages: one row per message. visible_ms is when it can next be received (after its delay, or after its
 *   visibility timeout); in flight = received (receive_count > 0) and visible_ms in the future; delayed = never
 *   received and visible_ms in the future. seq (the rowid) is the order of arrival in this queue.
 *   enqueued_ms is the basis of retention (SentTimestamp's time, reset when a FIFO message moves to a FIFO DLQ).
 * - sqs_dedup: FIFO deduplication ids seen in the last 5 minutes, answering the first message's id.
 */
import type Database from "better-sqlite3";
import { storeUnavailable } from "../interfaces/sqs-errors.js";

export const SQS_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sqs_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sqs_queues (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  settings TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  modified_ms INTEGER NOT NULL,
  next_sequence INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sqs_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  queue_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  body TEXT NOT NULL,
  attributes TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  sent_ms INTEGER NOT NULL,
  enqueued_ms INTEGER NOT NULL,
  visible_ms INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_receive_ms INTEGER,
  receipt_token TEXT,
  group_id TEXT,
  dedup_id TEXT,
  sequence_number TEXT,
  dlq_source_arn TEXT,
  UNIQUE (queue_id, message_id)
);
CREATE INDEX IF NOT EXISTS sqs_messages_visible ON sqs_messages (queue_id, visible_ms, seq);
CREATE INDEX IF NOT EXISTS sqs_messages_groups ON sqs_messages (queue_id, group_id, seq);
CREATE INDEX IF NOT EXISTS sqs_messages_age ON sqs_messages (queue_id, enqueued_ms);
CREATE TABLE IF NOT EXISTS sqs_dedup (
  queue_id TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  sequence_number TEXT,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY (queue_id, dedup_key)
);
`;

export interface MessageRow {
  readonly seq: number;
  readonly queue_id: string;
  readonly message_id: string;
  readonly body: string;
  readonly attributes: string;
  readonly sender_id: string;
  readonly sent_ms: number;
  readonly enqueued_ms: number;
  readonly visible_ms: number;
  readonly receive_count: number;
  readonly first_receive_ms: number | null;
  readonly receipt_token: string | null;
  readonly group_id: string | null;
  readonly dedup_id: string | null;
  readonly sequence_number: string | null;
  readonly dlq_source_arn: string | null;
}

export interface QueueRow {
  readonly id: string;
  readonly name: string;
  readonly settings: string;
  readonly created_ms: number;
  readonly modified_ms: number;
}

/** Creates the tables (one transaction) or checks their version. */
export function ensureSqsSchema(db: Database.Database): void {
  db.transaction(() => {
    db.exec(SCHEMA);
    const row = db.prepare("SELECT version FROM sqs_schema").get() as { version: number } | undefined;
    if (row === undefined) db.prepare("INSERT INTO sqs_schema (version) VALUES (?)").run(SQS_SCHEMA_VERSION);
    else if (row.version !== SQS_SCHEMA_VERSION) {
      throw storeUnavailable(
        `the SQS tables of ${db.name} have schema version ${row.version}; this Lambkin reads version ${SQS_SCHEMA_VERSION}`,
      );
    }
  })();
}
