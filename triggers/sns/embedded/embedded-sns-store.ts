/**
 * The SnsStore port on the embedded queue's SQLite file (`lambkin dev` without Redis): its own tables, with
 * their own schema version in `sns_schema`, on the job queue's open connection (the file is opened with
 * locking_mode=EXCLUSIVE: no second handle is possible) — closed by the job queue, not by this store. Every
 * change is one transaction at the file's synchronous=FULL: a topic or subscription acknowledged is on disk.
 */
import type Database from "better-sqlite3";
import { decodeToken, existingOrConflict, page, subscriptionIdentity } from "../core/store-rules.js";
import { SnsError, snsStoreUnavailable, topicNotFound } from "../interfaces/sns-errors.js";
import { FIFO_DEDUPLICATION_MS, type FifoClaim, type Page, type SnsStore } from "../interfaces/sns-store.js";
import {
  LIST_PAGE_SIZE,
  MAX_SUBSCRIPTIONS_PER_TOPIC,
  type SnsSubscription,
  type SnsTopic,
} from "../interfaces/topic-model.js";

export const SNS_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sns_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sns_topics (
  arn TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  next_sequence INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sns_subscriptions (
  arn TEXT PRIMARY KEY,
  topic_arn TEXT NOT NULL,
  identity TEXT NOT NULL UNIQUE,
  subscription TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sns_subscriptions_topic ON sns_subscriptions (topic_arn, arn);
CREATE TABLE IF NOT EXISTS sns_dedup (
  topic_arn TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  sequence_number TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY (topic_arn, dedup_key)
);
`;

export interface EmbeddedSnsStoreOptions {
  /** The embedded job queue's open connection (EmbeddedJobQueue#database). */
  readonly database: Database.Database;
}

export class EmbeddedSnsStore implements SnsStore {
  readonly backend = "embedded";
  private readonly db: Database.Database;
  private closed = false;

  constructor(options: EmbeddedSnsStoreOptions) {
    this.db = options.database;
    this.db.transaction(() => {
      this.db.exec(SCHEMA);
      const row = this.db.prepare("SELECT version FROM sns_schema").get() as { version: number } | undefined;
      if (row === undefined)
        this.db.prepare("INSERT INTO sns_schema (version) VALUES (?)").run(SNS_SCHEMA_VERSION);
      else if (row.version !== SNS_SCHEMA_VERSION) {
        throw snsStoreUnavailable(
          `the SNS tables of ${this.db.name} have schema version ${row.version}; this Lambkin reads version ${SNS_SCHEMA_VERSION}`,
        );
      }
    })();
  }

  async createTopic(topic: SnsTopic): Promise<SnsTopic> {
    return this.durably(() => {
      const existing = this.topicRow(topic.arn);
      if (existing) return existingOrConflict(existing, topic);
      this.db
        .prepare("INSERT INTO sns_topics (arn, topic) VALUES (?, ?)")
        .run(topic.arn, JSON.stringify(topic));
      return topic;
    });
  }

  async getTopic(arn: string): Promise<SnsTopic | undefined> {
    return this.guard(() => this.topicRow(arn));
  }

  async listTopics(nextToken?: string): Promise<Page<SnsTopic>> {
    return this.guard(() => {
      const after = decodeToken(nextToken);
      const rows = this.db
        .prepare("SELECT topic FROM sns_topics WHERE arn > ? ORDER BY arn LIMIT ?")
        .all(after, LIST_PAGE_SIZE + 1) as { topic: string }[];
      return page(rows.map((row) => JSON.parse(row.topic) as SnsTopic));
    });
  }

  async deleteTopic(arn: string): Promise<void> {
    this.durably(() => {
      this.db.prepare("DELETE FROM sns_topics WHERE arn = ?").run(arn);
      this.db.prepare("DELETE FROM sns_subscriptions WHERE topic_arn = ?").run(arn);
      this.db.prepare("DELETE FROM sns_dedup WHERE topic_arn = ?").run(arn);
    });
  }

  async subscribe(subscription: SnsSubscription): Promise<SnsSubscription> {
    return this.durably(() => {
      if (!this.topicRow(subscription.topicArn)) throw topicNotFound();
      const identity = subscriptionIdentity(subscription);
      const existing = this.db
        .prepare("SELECT subscription FROM sns_subscriptions WHERE identity = ?")
        .get(identity) as { subscription: string } | undefined;
      if (existing) return JSON.parse(existing.subscription) as SnsSubscription;
      const { count } = this.db
        .prepare("SELECT COUNT(*) AS count FROM sns_subscriptions WHERE topic_arn = ?")
        .get(subscription.topicArn) as { count: number };
      if (count >= MAX_SUBSCRIPTIONS_PER_TOPIC) {
        throw new SnsError("SubscriptionLimitExceeded", "Subscription limit exceeded for this topic");
      }
      this.db
        .prepare("INSERT INTO sns_subscriptions (arn, topic_arn, identity, subscription) VALUES (?, ?, ?, ?)")
        .run(subscription.arn, subscription.topicArn, identity, JSON.stringify(subscription));
      return subscription;
    });
  }

  async getSubscription(arn: string): Promise<SnsSubscription | undefined> {
    return this.guard(() => {
      const row = this.db.prepare("SELECT subscription FROM sns_subscriptions WHERE arn = ?").get(arn) as
        | { subscription: string }
        | undefined;
      return row ? (JSON.parse(row.subscription) as SnsSubscription) : undefined;
    });
  }

  async setSubscriptionAttributes(arn: string, attributes: Readonly<Record<string, string>>): Promise<void> {
    this.durably(() => {
      const row = this.db.prepare("SELECT subscription FROM sns_subscriptions WHERE arn = ?").get(arn) as
        | { subscription: string }
        | undefined;
      if (!row) throw new SnsError("NotFound", "Subscription does not exist");
      const updated: SnsSubscription = { ...(JSON.parse(row.subscription) as SnsSubscription), attributes };
      this.db
        .prepare("UPDATE sns_subscriptions SET subscription = ? WHERE arn = ?")
        .run(JSON.stringify(updated), arn);
    });
  }

  async unsubscribe(arn: string): Promise<void> {
    this.durably(() => {
      this.db.prepare("DELETE FROM sns_subscriptions WHERE arn = ?").run(arn);
    });
  }

  async listSubscriptions(nextToken?: string): Promise<Page<SnsSubscription>> {
    return this.guard(() => {
      const rows = this.db
        .prepare("SELECT subscription FROM sns_subscriptions WHERE arn > ? ORDER BY arn LIMIT ?")
        .all(decodeToken(nextToken), LIST_PAGE_SIZE + 1) as { subscription: string }[];
      return page(rows.map((row) => JSON.parse(row.subscription) as SnsSubscription));
    });
  }

  async listSubscriptionsByTopic(topicArn: string, nextToken?: string): Promise<Page<SnsSubscription>> {
    return this.guard(() => {
      if (!this.topicRow(topicArn)) throw topicNotFound();
      const rows = this.db
        .prepare(
          "SELECT subscription FROM sns_subscriptions WHERE topic_arn = ? AND arn > ? ORDER BY arn LIMIT ?",
        )
        .all(topicArn, decodeToken(nextToken), LIST_PAGE_SIZE + 1) as { subscription: string }[];
      return page(rows.map((row) => JSON.parse(row.subscription) as SnsSubscription));
    });
  }

  async subscriptionsOf(topicArn: string): Promise<readonly SnsSubscription[]> {
    return this.guard(() => {
      const rows = this.db
        .prepare("SELECT subscription FROM sns_subscriptions WHERE topic_arn = ? ORDER BY arn LIMIT ?")
        .all(topicArn, MAX_SUBSCRIPTIONS_PER_TOPIC) as { subscription: string }[];
      return rows.map((row) => JSON.parse(row.subscription) as SnsSubscription);
    });
  }

  async claimFifoMessage(topicArn: string, deduplicationKey: string, messageId: string): Promise<FifoClaim> {
    return this.durably(() => {
      const now = Date.now();
      this.db.prepare("DELETE FROM sns_dedup WHERE topic_arn = ? AND expires_ms <= ?").run(topicArn, now);
      const seen = this.db
        .prepare("SELECT message_id, sequence_number FROM sns_dedup WHERE topic_arn = ? AND dedup_key = ?")
        .get(topicArn, deduplicationKey) as { message_id: string; sequence_number: string } | undefined;
      if (seen) return { duplicate: true, messageId: seen.message_id, sequenceNumber: seen.sequence_number };
      const row = this.db
        .prepare(
          "UPDATE sns_topics SET next_sequence = next_sequence + 1 WHERE arn = ? RETURNING next_sequence",
        )
        .get(topicArn) as { next_sequence: number } | undefined;
      if (!row) throw topicNotFound();
      const sequenceNumber = String(row.next_sequence).padStart(20, "0");
      this.db
        .prepare(
          "INSERT INTO sns_dedup (topic_arn, dedup_key, message_id, sequence_number, expires_ms) VALUES (?, ?, ?, ?, ?)",
        )
        .run(topicArn, deduplicationKey, messageId, sequenceNumber, now + FIFO_DEDUPLICATION_MS);
      return { duplicate: false, messageId, sequenceNumber };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private topicRow(arn: string): SnsTopic | undefined {
    const row = this.db.prepare("SELECT topic FROM sns_topics WHERE arn = ?").get(arn) as
      | { topic: string }
      | undefined;
    return row ? (JSON.parse(row.topic) as SnsTopic) : undefined;
  }

  private guard<T>(work: () => T): T {
    if (this.closed || !this.db.open) throw snsStoreUnavailable("the SNS store is closed");
    try {
      return work();
    } catch (error) {
      if (error instanceof SnsError) throw error;
      throw snsStoreUnavailable(`the embedded SNS store failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  /** One transaction at the file's synchronous level (FULL, as the job queue opens it): on disk before it answers. */
  private durably<T>(work: () => T): T {
    return this.guard(() => this.db.transaction(work)());
  }
}
