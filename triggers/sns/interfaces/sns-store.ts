/**
 * The SnsStore port: the topics and subscriptions created through the SNS API or from serverless.yml, durable in
 * the job queue's backend (Redis or the embedded SQLite file), with SNS's idempotence rules: CreateTopic of an
 * existing name answers it, Subscribe of an existing (topic, protocol, endpoint) answers that subscription.
 * FIFO topics also keep their deduplication ids (5 minutes) and sequence numbers here, so that two Lambkin
 * processes publishing to one topic agree.
 *
 * Every method rejects with an SnsError (sns-errors.ts).
 */
import type { SnsSubscription, SnsTopic, SubscriptionProtocol } from "./topic-model.js";

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

/** What a FIFO publish claims: the first message's id and sequence number when its deduplication id was seen. */
export interface FifoClaim {
  readonly duplicate: boolean;
  readonly messageId: string;
  readonly sequenceNumber: string;
}

/** "Messages with the same deduplication ID published within 5 minutes are accepted but not delivered". */
export const FIFO_DEDUPLICATION_MS = 5 * 60 * 1000;

export interface SnsStore {
  /** `embedded` or `redis`. */
  readonly backend: string;

  /**
   * Creates a topic, or answers the existing one when the attributes given do not differ from its own
   * (InvalidParameter "Topic already exists with different attributes" otherwise). The caller validates names.
   */
  createTopic(topic: SnsTopic): Promise<SnsTopic>;
  /** undefined when there is none. */
  getTopic(arn: string): Promise<SnsTopic | undefined>;
  /** In ARN order, LIST_PAGE_SIZE per page. */
  listTopics(nextToken?: string): Promise<Page<SnsTopic>>;
  /** Deletes the topic and its subscriptions (idempotent, as DeleteTopic). */
  deleteTopic(arn: string): Promise<void>;

  /**
   * Subscribes, or answers the subscription (topic, protocol, endpoint) already has, unchanged. NotFound when the
   * topic does not exist; SubscriptionLimitExceeded past MAX_SUBSCRIPTIONS_PER_TOPIC.
   */
  subscribe(subscription: SnsSubscription): Promise<SnsSubscription>;
  getSubscription(arn: string): Promise<SnsSubscription | undefined>;
  /** Replaces a subscription's attributes (SetSubscriptionAttributes, and serverless.yml at start). */
  setSubscriptionAttributes(arn: string, attributes: Readonly<Record<string, string>>): Promise<void>;
  /** Idempotent, as Unsubscribe. */
  unsubscribe(arn: string): Promise<void>;
  /** In ARN order, LIST_PAGE_SIZE per page. */
  listSubscriptions(nextToken?: string): Promise<Page<SnsSubscription>>;
  listSubscriptionsByTopic(topicArn: string, nextToken?: string): Promise<Page<SnsSubscription>>;
  /** Every subscription of a topic (at most MAX_SUBSCRIPTIONS_PER_TOPIC): what a publish fans out to. */
  subscriptionsOf(topicArn: string): Promise<readonly SnsSubscription[]>;

  /**
   * FIFO topics: claims a deduplication id for FIFO_DEDUPLICATION_MS. A fresh claim gets the next sequence number
   * of the topic and keeps `messageId`; a duplicate answers the first message's id and number.
   */
  claimFifoMessage(topicArn: string, deduplicationKey: string, messageId: string): Promise<FifoClaim>;

  close(): Promise<void>;
}

export type { SubscriptionProtocol };
