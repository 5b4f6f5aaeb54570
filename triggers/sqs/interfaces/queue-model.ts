/**
 * An SQS queue as Lambkin keeps it: its name, ARN and URL path, and its attributes with AWS's names, ranges and
 * defaults (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html).
 * Quotas: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html.
 */

/** A whole-number attribute's range and default, as CreateQueue documents it. */
export interface NumericAttributeRule {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/**
 * The numeric attributes a queue is created with. MaximumMessageSize: since August 2025 SQS accepts messages up
 * to 1 MiB, and CreateQueue documents "1,024 bytes (1 KiB) to 1,048,576 bytes (1 MiB). Default: 1,048,576"
 * (the API reference above; @aws-sdk/client-sqs 3.1169 carries the same text).
 */
export const NUMERIC_QUEUE_ATTRIBUTES = {
  DelaySeconds: { min: 0, max: 900, default: 0 },
  MaximumMessageSize: { min: 1024, max: 1_048_576, default: 1_048_576 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
} as const satisfies Record<string, NumericAttributeRule>;

export type NumericQueueAttributeName = keyof typeof NUMERIC_QUEUE_ATTRIBUTES;

/** maxReceiveCount's range (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html). */
export const MAX_RECEIVE_COUNT = { min: 1, max: 1000 } as const;

export interface RedrivePolicy {
  /** The dead-letter queue's ARN: a queue of the same account and region, of the same type (FIFO or not). */
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

/**
 * Attributes SQS accepts and Lambkin stores and answers verbatim without acting on them (encryption, access
 * policies, FIFO throughput modes). DeduplicationScope is acted on: `messageGroup` scopes deduplication to the
 * message group.
 */
export const STORED_ONLY_QUEUE_ATTRIBUTES = [
  "Policy",
  "KmsMasterKeyId",
  "KmsDataKeyReusePeriodSeconds",
  "SqsManagedSseEnabled",
  "RedriveAllowPolicy",
  "FifoThroughputLimit",
] as const;

/** Every attribute CreateQueue / SetQueueAttributes accept (anything else: InvalidAttributeName). */
export const SETTABLE_QUEUE_ATTRIBUTES = [
  ...(Object.keys(NUMERIC_QUEUE_ATTRIBUTES) as NumericQueueAttributeName[]),
  "RedrivePolicy",
  "FifoQueue",
  "ContentBasedDeduplication",
  "DeduplicationScope",
  ...STORED_ONLY_QUEUE_ATTRIBUTES,
] as const;

/** What GetQueueAttributes answers besides the settable ones; CreateQueue/SetQueueAttributes refuse them. */
export const READ_ONLY_QUEUE_ATTRIBUTES = [
  "QueueArn",
  "CreatedTimestamp",
  "LastModifiedTimestamp",
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesNotVisible",
  "ApproximateNumberOfMessagesDelayed",
] as const;

export type SettableQueueAttributeName = (typeof SETTABLE_QUEUE_ATTRIBUTES)[number];
export type ReadOnlyQueueAttributeName = (typeof READ_ONLY_QUEUE_ATTRIBUTES)[number];
export type QueueAttributeName = SettableQueueAttributeName | ReadOnlyQueueAttributeName;

/** A queue's settings, parsed and complete (defaults filled in). */
export interface QueueSettings {
  readonly DelaySeconds: number;
  readonly MaximumMessageSize: number;
  readonly MessageRetentionPeriod: number;
  readonly ReceiveMessageWaitTimeSeconds: number;
  readonly VisibilityTimeout: number;
  readonly RedrivePolicy?: RedrivePolicy;
  readonly FifoQueue: boolean;
  readonly ContentBasedDeduplication: boolean;
  /** FIFO only: `queue` (default) or `messageGroup`. */
  readonly DeduplicationScope?: "queue" | "messageGroup";
  /** The STORED_ONLY_QUEUE_ATTRIBUTES given, verbatim. */
  readonly stored: Readonly<Partial<Record<(typeof STORED_ONLY_QUEUE_ATTRIBUTES)[number], string>>>;
}

/** A queue as the store describes it. */
export interface SqsQueue {
  readonly name: string;
  readonly arn: string;
  /** `/<account>/<name>`: the path of its URL on Lambkin's SQS endpoint. */
  readonly urlPath: string;
  readonly fifo: boolean;
  readonly settings: QueueSettings;
  /** Seconds since the epoch, as SQS answers CreatedTimestamp / LastModifiedTimestamp. */
  readonly createdTimestamp: number;
  readonly lastModifiedTimestamp: number;
}

export interface QueueCounts {
  /** Visible now: ApproximateNumberOfMessages. */
  readonly visible: number;
  /** Received and not yet visible again: ApproximateNumberOfMessagesNotVisible. */
  readonly notVisible: number;
  /** Never received, delay not over: ApproximateNumberOfMessagesDelayed. */
  readonly delayed: number;
}

/**
 * Queue names: "1 to 80 characters: alphanumeric characters, hyphens (-), and underscores (_)"; a FIFO queue's
 * name ends in `.fifo` (counted in the 80). Case-sensitive.
 */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;
export const FIFO_QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
export const FIFO_SUFFIX = ".fifo";

/** ListQueues: MaxResults 1–1000; without it, at most 1000 queues and no NextToken. */
export const LIST_QUEUES_MAX_RESULTS = 1000;

export function queueArn(region: string, account: string, name: string): string {
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

export function queueUrlPath(account: string, name: string): string {
  return `/${account}/${name}`;
}

/** The queue name of an SQS ARN (`arn:aws:sqs:<region>:<account>:<name>`), or undefined when it is not one. */
export function queueNameOfArn(arn: string): string | undefined {
  const match = /^arn:aws[a-z-]*:sqs:[a-z0-9-]*:[0-9]{12}:([A-Za-z0-9_.-]{1,80})$/.exec(arn);
  return match?.[1];
}

/**
 * The queue name of a queue URL or URL path (`http://host:port/<account>/<name>`, `/<account>/<name>`), or
 * undefined. SQS also accepts the legacy `https://sqs.<region>.amazonaws.com/<account>/<name>` form.
 */
export function queueNameOfUrl(url: string): string | undefined {
  let path = url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
  }
  const match = /^\/([0-9]{12})\/([A-Za-z0-9_.-]{1,80})\/?$/.exec(path);
  return match?.[2];
}
