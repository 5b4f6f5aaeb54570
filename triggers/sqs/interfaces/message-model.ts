/**
 * SQS messages as the store takes and gives them: what SendMessage(Batch) sends, and what ReceiveMessage answers.
 * MD5 digests are computed by the API layer, from these fields.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html
 */
import type { SqsError } from "./sqs-errors.js";

/** A message (or message system) attribute: DataType `String`, `Number` or `Binary`, optionally `.<custom>`. */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: Uint8Array;
}

export type MessageAttributes = Readonly<Record<string, MessageAttributeValue>>;

/** One message to send (one entry of SendMessageBatch). */
export interface SendMessageEntry {
  readonly body: string;
  /** 0–900; not allowed on FIFO queues (only their queue-level DelaySeconds applies). */
  readonly delaySeconds?: number;
  readonly messageAttributes?: MessageAttributes;
  /** Message system attributes: only `AWSTraceHeader` (DataType String). */
  readonly messageSystemAttributes?: MessageAttributes;
  /** Required on FIFO queues; allowed on standard queues (fair queues) and returned, without ordering. */
  readonly messageGroupId?: string;
  /** FIFO only. Without it the queue must have ContentBasedDeduplication (SHA-256 of the body). */
  readonly messageDeduplicationId?: string;
  /** The sender's id (SenderId attribute): the caller's access key id or account; default the local account. */
  readonly senderId?: string;
}

export interface SentMessage {
  readonly ok: true;
  readonly messageId: string;
  /** FIFO only. */
  readonly sequenceNumber?: string;
}

export interface FailedSend {
  readonly ok: false;
  readonly error: SqsError;
}

/** One per entry, in the entries' order: a batch is not all-or-nothing (SendMessageBatch's Failed list). */
export type SendResult = SentMessage | FailedSend;

/**
 * The system attributes a received message carries, with SQS's names; values are strings as SQS answers them
 * (timestamps in epoch milliseconds). The API layer returns those the caller asked for (AttributeNames /
 * MessageSystemAttributeNames, `All`).
 */
export interface ReceivedSystemAttributes {
  readonly SenderId: string;
  readonly SentTimestamp: string;
  readonly ApproximateReceiveCount: string;
  readonly ApproximateFirstReceiveTimestamp: string;
  readonly MessageGroupId?: string;
  readonly MessageDeduplicationId?: string;
  readonly SequenceNumber?: string;
  /** Set once the message was moved to a dead-letter queue: the ARN of the queue it came from. */
  readonly DeadLetterQueueSourceArn?: string;
  readonly AWSTraceHeader?: string;
}

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: ReceivedSystemAttributes;
  /** Every message attribute sent, verbatim (the API filters by MessageAttributeNames). */
  readonly messageAttributes: MessageAttributes;
  /** The message system attributes sent (AWSTraceHeader), verbatim. */
  readonly messageSystemAttributes: MessageAttributes;
}

export interface ReceiveOptions {
  /** 1–10; default 1. */
  readonly maxNumberOfMessages?: number;
  /** 0–43200 s; default the queue's VisibilityTimeout. */
  readonly visibilityTimeout?: number;
  /** 0–20 s; default the queue's ReceiveMessageWaitTimeSeconds. > 0: long polling. */
  readonly waitTimeSeconds?: number;
  /** Ends a long poll early: the receive answers what it has (usually nothing). */
  readonly signal?: AbortSignal;
}

/** One entry of ChangeMessageVisibilityBatch / DeleteMessageBatch. */
export interface ReceiptEntryResult {
  readonly ok: boolean;
  readonly error?: SqsError;
}

/** SQS's message limits (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html). */
export const MESSAGE_LIMITS = {
  /** Entries of one batch request. */
  maxBatchEntries: 10,
  /** The sum of a batch's message sizes (body + attributes), whatever the queue's MaximumMessageSize. */
  maxBatchBytes: 1_048_576,
  /** Message attributes per message. */
  maxMessageAttributes: 10,
  maxAttributeNameLength: 256,
  maxDataTypeLength: 256,
  /** MessageGroupId, MessageDeduplicationId: up to 128 characters of `!"#$%&'()*+,-./0-9:;<=>?@A-Za-z[\]^_`{|}~`. */
  maxGroupOrDedupIdLength: 128,
  /** Messages received and not yet deleted or visible again, per queue (OverLimit beyond). */
  maxInFlightStandard: 120_000,
  maxInFlightFifo: 20_000,
  /** FIFO: a MessageDeduplicationId seen within this interval answers the first message's id. */
  deduplicationIntervalMs: 5 * 60 * 1000,
  maxReceiveBatch: 10,
  maxWaitTimeSeconds: 20,
  maxVisibilityTimeout: 43_200,
  maxDelaySeconds: 900,
} as const;

export interface InFlightLimits {
  readonly standard: number;
  readonly fifo: number;
}

export const SQS_IN_FLIGHT_LIMITS: InFlightLimits = {
  standard: MESSAGE_LIMITS.maxInFlightStandard,
  fifo: MESSAGE_LIMITS.maxInFlightFifo,
};
