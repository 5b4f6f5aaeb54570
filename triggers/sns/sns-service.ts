/**
 * The SNS operations Lambkin serves — the API's actions and what serverless.yml declares — on the SnsStore:
 * topics, subscriptions, and Publish / PublishBatch, which fan a message out to every subscription whose filter
 * policy matches and answer only once every delivery is durably stored (sns-deliveries.ts).
 * https://docs.aws.amazon.com/sns/latest/api/API_Operations.html
 */
import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import { compileFilterPolicy, type FilterPolicy, type FilterPolicyScope } from "./filter-policy.js";
import {
  invalidParameter,
  isSnsError,
  SnsError,
  subscriptionNotFound,
  topicNotFound,
} from "./interfaces/sns-errors.js";
import type { Page, SnsStore } from "./interfaces/sns-store.js";
import {
  parseTopicArn,
  type SnsSubscription,
  type SnsTopic,
  topicArnOfSubscription,
} from "./interfaces/topic-model.js";
import type { Deliveries } from "./sns-deliveries.js";
import { checkMessage, MAX_BATCH_ENTRIES, MAX_MESSAGE_BYTES, type PublishInput } from "./sns-message.js";
import {
  checkSubscriptionAttributes,
  contentBasedDeduplication,
  newSubscription,
  newTopic,
} from "./sns-topics.js";

export interface PublishResult {
  readonly messageId: string;
  readonly sequenceNumber?: string;
}

export interface BatchEntry extends PublishInput {
  readonly id: string;
}

export interface BatchResult {
  readonly successful: readonly (PublishResult & { readonly id: string })[];
  readonly failed: readonly { readonly id: string; readonly error: SnsError }[];
}

export interface SnsServiceOptions {
  readonly store: SnsStore;
  readonly deliveries: Deliveries;
  readonly region: string;
  readonly account: string;
  /** Lambkin's SNS endpoint as clients reach it (the gateway's URL), for UnsubscribeUrl. */
  readonly endpointUrl: () => string;
  readonly logger: Logger;
}

/** Compiled filter policies, by their text and scope (bounded: cleared when full). */
const MAX_CACHED_POLICIES = 1000;

export class SnsService {
  readonly region: string;
  readonly account: string;
  private readonly store: SnsStore;
  private readonly policies = new Map<string, FilterPolicy | null>();

  constructor(private readonly options: SnsServiceOptions) {
    this.store = options.store;
    this.region = options.region;
    this.account = options.account;
  }

  createTopic(name: string, attributes: Readonly<Record<string, string>> = {}): Promise<SnsTopic> {
    return this.store.createTopic(newTopic(name, attributes, this.region, this.account));
  }

  /** A topic of serverless.yml: its ARN may name another region or account (an `arn:` in an sns event). */
  declareTopic(
    name: string,
    attributes: Readonly<Record<string, string>>,
    region = this.region,
    account = this.account,
  ): Promise<SnsTopic> {
    return this.store.createTopic(newTopic(name, attributes, region, account));
  }

  async deleteTopic(arn: string): Promise<void> {
    checkTopicArn(arn);
    await this.store.deleteTopic(arn);
  }

  listTopics(nextToken?: string): Promise<Page<SnsTopic>> {
    return this.store.listTopics(nextToken);
  }

  async topic(arn: string, parameter = "TopicArn"): Promise<SnsTopic> {
    checkTopicArn(arn, parameter);
    const topic = await this.store.getTopic(arn);
    if (!topic) throw topicNotFound();
    return topic;
  }

  async subscribe(
    topicArn: string,
    protocol: string,
    endpoint: string | undefined,
    attributes: Readonly<Record<string, string>> = {},
  ): Promise<SnsSubscription> {
    const topic = await this.topic(topicArn);
    const wanted = newSubscription({ topic, protocol, endpoint, attributes });
    const stored = await this.store.subscribe(wanted);
    if (stored.arn !== wanted.arn && !sameAttributes(stored.attributes, wanted.attributes)) {
      throw invalidParameter("Attributes Reason: Subscription already exists with different attributes");
    }
    return stored;
  }

  /** Replaces a subscription's attributes (serverless.yml's filter policy at start, SetSubscriptionAttributes). */
  async setSubscriptionAttributes(arn: string, attributes: Readonly<Record<string, string>>): Promise<void> {
    const subscription = await this.subscription(arn);
    await this.store.setSubscriptionAttributes(
      arn,
      checkSubscriptionAttributes(subscription.protocol, attributes),
    );
  }

  async subscription(arn: string): Promise<SnsSubscription> {
    if (!topicArnOfSubscription(arn)) throw invalidParameter("SubscriptionArn");
    const subscription = await this.store.getSubscription(arn);
    if (!subscription) throw subscriptionNotFound();
    return subscription;
  }

  async unsubscribe(arn: string): Promise<void> {
    if (!topicArnOfSubscription(arn)) throw invalidParameter("SubscriptionArn");
    await this.store.unsubscribe(arn);
  }

  listSubscriptions(nextToken?: string): Promise<Page<SnsSubscription>> {
    return this.store.listSubscriptions(nextToken);
  }

  async listSubscriptionsByTopic(topicArn: string, nextToken?: string): Promise<Page<SnsSubscription>> {
    checkTopicArn(topicArn);
    return this.store.listSubscriptionsByTopic(topicArn, nextToken);
  }

  /** Publish to a topic: answered once every matching subscription's delivery is durably stored. */
  async publish(topicArn: string, input: PublishInput): Promise<PublishResult> {
    const topic = await this.topic(topicArn);
    return this.publishTo(topic, input);
  }

  /**
   * PublishBatch: 1–10 entries with distinct ids of at most 80 characters, 256 KB in all
   * (https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html); each entry succeeds or fails alone.
   */
  async publishBatch(topicArn: string, entries: readonly BatchEntry[]): Promise<BatchResult> {
    if (entries.length === 0) {
      throw new SnsError("EmptyBatchRequest", "The batch request doesn't contain any entries");
    }
    if (entries.length > MAX_BATCH_ENTRIES) {
      throw new SnsError(
        "TooManyEntriesInBatchRequest",
        "The batch request contains more entries than permissible",
      );
    }
    const ids = new Set<string>();
    let bytes = 0;
    for (const entry of entries) {
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(entry.id)) {
        throw new SnsError(
          "InvalidBatchEntryId",
          "The Id of a batch entry in a batch request doesn't abide by the specification",
        );
      }
      if (ids.has(entry.id))
        throw new SnsError(
          "BatchEntryIdsNotDistinct",
          "Two or more batch entries in the request have the same Id",
        );
      ids.add(entry.id);
      bytes += Buffer.byteLength(entry.message, "utf8");
    }
    if (bytes > MAX_MESSAGE_BYTES) {
      throw new SnsError(
        "BatchRequestTooLong",
        "The length of all the batch messages put together is more than the limit",
      );
    }
    const topic = await this.topic(topicArn);
    const successful: (PublishResult & { id: string })[] = [];
    const failed: { id: string; error: SnsError }[] = [];
    for (const entry of entries) {
      try {
        successful.push({ id: entry.id, ...(await this.publishTo(topic, entry)) });
      } catch (error) {
        if (!isSnsError(error)) throw error;
        failed.push({ id: entry.id, error });
      }
    }
    return { successful, failed };
  }

  private async publishTo(topic: SnsTopic, input: PublishInput): Promise<PublishResult> {
    const checked = checkMessage(input, {
      fifo: topic.fifo,
      contentBasedDeduplication: contentBasedDeduplication(topic),
    });
    let messageId: string = randomUUID();
    let sequenceNumber: string | undefined;
    let deduplicationId = checked.messageDeduplicationId;
    if (topic.fifo) {
      // Content-based deduplication: "Amazon SNS uses a SHA-256 hash to generate the message deduplication ID
      // using the body of the message" (https://docs.aws.amazon.com/sns/latest/dg/fifo-message-dedup.html).
      deduplicationId ??= createHash("sha256").update(input.message).digest("hex");
      const claim = await this.store.claimFifoMessage(topic.arn, deduplicationId, messageId);
      if (claim.duplicate) return { messageId: claim.messageId, sequenceNumber: claim.sequenceNumber };
      messageId = claim.messageId;
      sequenceNumber = claim.sequenceNumber;
    }
    const timestamp = new Date().toISOString();
    const subscriptions = await this.store.subscriptionsOf(topic.arn);
    const deliveries: Promise<void>[] = [];
    for (const subscription of subscriptions) {
      const message = checked.messageFor(subscription.protocol);
      if (!this.accepts(subscription, message, checked.attributes)) continue;
      const delivery = this.options.deliveries.deliver({
        subscription,
        notification: {
          messageId,
          topicArn: topic.arn,
          subscriptionArn: subscription.arn,
          message,
          ...(checked.subject === undefined ? {} : { subject: checked.subject }),
          attributes: checked.attributes,
          timestamp,
          ...(sequenceNumber === undefined ? {} : { sequenceNumber }),
          endpointUrl: this.options.endpointUrl(),
        },
        ...(checked.messageGroupId === undefined ? {} : { messageGroupId: checked.messageGroupId }),
        ...(deduplicationId === undefined ? {} : { messageDeduplicationId: deduplicationId }),
      });
      // A FIFO topic delivers in order: one delivery after the other.
      if (topic.fifo) await delivery;
      else deliveries.push(delivery);
    }
    const outcomes = await Promise.allSettled(deliveries);
    const failure = outcomes.find(
      (outcome): outcome is PromiseRejectedResult => outcome.status === "rejected",
    );
    if (failure)
      throw isSnsError(failure.reason)
        ? failure.reason
        : new SnsError("InternalError", String(failure.reason));
    return { messageId, ...(sequenceNumber === undefined ? {} : { sequenceNumber }) };
  }

  /** The subscription's filter policy, compiled once per text; one that no longer compiles matches nothing. */
  private accepts(
    subscription: SnsSubscription,
    message: string,
    attributes: PublishInput["messageAttributes"] & object,
  ): boolean {
    const text = subscription.attributes.FilterPolicy;
    if (text === undefined || text === "") return true;
    const scope = (subscription.attributes.FilterPolicyScope ?? "MessageAttributes") as FilterPolicyScope;
    const key = `${scope}\n${text}`;
    let policy = this.policies.get(key);
    if (policy === undefined) {
      try {
        policy = compileFilterPolicy(text, scope);
      } catch (error) {
        const code = "LKN_WRN_SNS_DELIVERY_FAILED";
        this.options.logger.warn(
          { code },
          coded(code, `the filter policy of ${subscription.arn} cannot be read: ${(error as Error).message}`),
        );
        policy = null;
      }
      if (this.policies.size >= MAX_CACHED_POLICIES) this.policies.clear();
      this.policies.set(key, policy);
    }
    return policy?.matches({ message, attributes }) ?? false;
  }
}

function checkTopicArn(arn: string, parameter = "TopicArn"): void {
  if (!parseTopicArn(arn)) throw invalidParameter(parameter);
}

/** A Subscribe repeating an existing subscription may not give other values for the attributes it names. */
function sameAttributes(
  existing: Readonly<Record<string, string>>,
  given: Readonly<Record<string, string>>,
): boolean {
  return Object.keys(given).every((key) => existing[key] === given[key]);
}
