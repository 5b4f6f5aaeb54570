/**
 * The SqsStore port: SQS's queues and messages, durable in the job queue's backend (Redis or the embedded SQLite
 * file), with the semantics SQS owns — visibility timeouts, receive counts, redrive to a dead-letter queue, retention,
 * delays, FIFO order, group blocking and deduplication, long polling. The SQS wire API (gateway), Lambda's SQS
 * event-source poller and SNS → SQS subscriptions all go through it, so a message sent by one process is received
 * by any other sharing the backend.
 *
 * Every method rejects with an SqsError (sqs-errors.ts) whose kind is AWS's error: the API layer maps it 1:1.
 * Queues are named by their name (the API resolves URLs and ARNs with queueNameOfUrl / queueNameOfArn).
 */
import type {
  MessageAttributes,
  ReceiptEntryResult,
  ReceivedMessage,
  ReceiveOptions,
  SendMessageEntry,
  SendResult,
} from "./message-model.js";
import type { QueueCounts, SqsQueue } from "./queue-model.js";

export interface ListQueuesOptions {
  readonly prefix?: string;
  /** 1–1000. Given: answers a NextToken when more queues match. */
  readonly maxResults?: number;
  readonly nextToken?: string;
}

export interface ListQueuesResult {
  readonly queues: readonly SqsQueue[];
  readonly nextToken?: string;
}

export interface VisibilityChange {
  readonly receiptHandle: string;
  /** 0–43200 s from now. */
  readonly visibilityTimeout: number;
}

export interface SqsStore {
  /** `embedded` or `redis`. */
  readonly backend: string;
  /** The region and account of the queues' ARNs and URLs. */
  readonly region: string;
  readonly account: string;

  /**
   * Creates a queue, or answers the existing one when every attribute given equals the queue's (SQS's idempotent
   * CreateQueue); a differing one: QueueAlreadyExists. Attribute values are strings, as on the wire; unknown names
   * InvalidAttributeName, bad values InvalidAttributeValue, a bad name or a FIFO name without `.fifo`
   * InvalidParameterValue.
   */
  createQueue(name: string, attributes?: Readonly<Record<string, string>>): Promise<SqsQueue>;
  /** QueueDoesNotExist when there is none. */
  getQueue(name: string): Promise<SqsQueue>;
  /** In name order. */
  listQueues(options?: ListQueuesOptions): Promise<ListQueuesResult>;
  /**
   * GetQueueAttributes: every attribute, settable and read-only, as the strings SQS answers (the API filters
   * by AttributeNames).
   */
  getQueueAttributes(name: string): Promise<Readonly<Record<string, string>>>;
  counts(name: string): Promise<QueueCounts>;
  /** Changes the attributes given (FifoQueue cannot change: InvalidAttributeName). */
  setQueueAttributes(name: string, attributes: Readonly<Record<string, string>>): Promise<SqsQueue>;
  /** Deletes the queue and its messages. */
  deleteQueue(name: string): Promise<void>;
  /** Deletes every message of the queue, in flight or not. */
  purgeQueue(name: string): Promise<void>;

  /**
   * Stores 1–10 messages (EmptyBatchRequest, TooManyEntriesInBatchRequest, BatchRequestTooLong reject the whole
   * batch); each entry succeeds or fails on its own. A result resolves once the message is durable.
   */
  sendMessages(queue: string, entries: readonly SendMessageEntry[]): Promise<SendResult[]>;
  /**
   * Receives up to maxNumberOfMessages visible messages, making them invisible for the visibility timeout and
   * counting a receive. A message whose receive would exceed its queue's maxReceiveCount is moved to the
   * dead-letter queue instead. With a wait time, waits until a message is there (woken by a send), the time is
   * up, the signal aborts or the store closes. OverLimit when the queue has too many messages in flight.
   */
  receiveMessages(queue: string, options?: ReceiveOptions): Promise<ReceivedMessage[]>;
  /**
   * Deletes the message of a receipt handle. A handle of a message already deleted succeeds (as SQS); a handle
   * older than the message's latest receive succeeds without deleting it (SQS: "the request succeeds, but the
   * message might not be deleted"); a handle that is not one of this queue's: ReceiptHandleIsInvalid.
   */
  deleteMessage(queue: string, receiptHandle: string): Promise<void>;
  /** One result per handle (DeleteMessageBatch); 1–10 handles. */
  deleteMessages(queue: string, receiptHandles: readonly string[]): Promise<ReceiptEntryResult[]>;
  /**
   * Makes an in-flight message visible again after `visibilityTimeout` seconds from now (0: at once). Not in flight:
   * MessageNotInflight; a handle superseded by a later receive: InvalidParameterValue (expired receipt handle).
   */
  changeMessageVisibility(queue: string, change: VisibilityChange): Promise<void>;
  changeMessageVisibilities(
    queue: string,
    changes: readonly VisibilityChange[],
  ): Promise<ReceiptEntryResult[]>;

  /** Ends pending long polls (they answer what they have) and releases the store's own resources. */
  close(): Promise<void>;
}

export type { MessageAttributes };
