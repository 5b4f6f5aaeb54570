/**
 * The checks every SqsStore adapter makes the same way: ReceiveMessage's and ChangeMessageVisibility's numbers,
 * ListQueues' prefix and token, the redrive target, the queue as the port describes it.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListQueues.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
import { MESSAGE_LIMITS, type ReceiveOptions } from "../interfaces/message-model.js";
import {
  LIST_QUEUES_MAX_RESULTS,
  type QueueSettings,
  queueArn,
  queueNameOfArn,
  queueUrlPath,
  type SqsQueue,
} from "../interfaces/queue-model.js";
import { invalidParameter, SqsError } from "../interfaces/sqs-errors.js";
import type { ListQueuesOptions } from "../interfaces/sqs-store.js";

export interface CheckedReceive {
  readonly max: number;
  readonly visibilityMs: number;
  readonly waitMs: number;
}

function wholeInRange(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(name, value, `must be an integer between ${min} and ${max}.`);
  }
  return value;
}

export function checkReceive(settings: QueueSettings, options: ReceiveOptions = {}): CheckedReceive {
  const max =
    options.maxNumberOfMessages === undefined
      ? 1
      : wholeInRange("MaxNumberOfMessages", options.maxNumberOfMessages, 1, MESSAGE_LIMITS.maxReceiveBatch);
  const visibility =
    options.visibilityTimeout === undefined
      ? settings.VisibilityTimeout
      : wholeInRange("VisibilityTimeout", options.visibilityTimeout, 0, MESSAGE_LIMITS.maxVisibilityTimeout);
  const wait =
    options.waitTimeSeconds === undefined
      ? settings.ReceiveMessageWaitTimeSeconds
      : wholeInRange("WaitTimeSeconds", options.waitTimeSeconds, 0, MESSAGE_LIMITS.maxWaitTimeSeconds);
  return { max, visibilityMs: visibility * 1000, waitMs: wait * 1000 };
}

export function checkVisibilityTimeout(value: unknown): number {
  return wholeInRange("VisibilityTimeout", value, 0, MESSAGE_LIMITS.maxVisibilityTimeout) * 1000;
}

/** A handle's message is gone, or was received again since: SQS's answer to ChangeMessageVisibility. */
export function receiptNotAvailable(handle: string): SqsError {
  return invalidParameter(
    "ReceiptHandle",
    handle,
    "Message does not exist or is not available for visibility timeout change.",
  );
}

export function notInFlight(): SqsError {
  return new SqsError("MessageNotInflight", "The message referred to isn't in flight.");
}

export function checkReceiptBatch(count: number): void {
  if (count === 0)
    throw new SqsError("EmptyBatchRequest", "There should be at least one entry in the request.");
  if (count > MESSAGE_LIMITS.maxBatchEntries) {
    throw new SqsError(
      "TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are ${MESSAGE_LIMITS.maxBatchEntries}. You have sent ${count}.`,
    );
  }
}

export interface CheckedList {
  readonly prefix: string;
  readonly limit: number;
  /** Names after this one. */
  readonly after: string;
  readonly paged: boolean;
}

export function checkList(options: ListQueuesOptions = {}): CheckedList {
  const prefix = options.prefix ?? "";
  if (typeof prefix !== "string" || !/^[A-Za-z0-9_.-]{0,80}$/.test(prefix)) {
    throw invalidParameter(
      "QueueNamePrefix",
      prefix,
      "must be up to 80 alphanumeric characters, hyphens, underscores or periods.",
    );
  }
  const paged = options.maxResults !== undefined;
  const limit = paged
    ? wholeInRange("MaxResults", options.maxResults, 1, LIST_QUEUES_MAX_RESULTS)
    : LIST_QUEUES_MAX_RESULTS;
  let after = "";
  if (options.nextToken !== undefined && options.nextToken !== "") {
    try {
      const token = JSON.parse(Buffer.from(options.nextToken, "base64url").toString("utf8")) as unknown;
      if (!Array.isArray(token) || token[0] !== prefix || typeof token[1] !== "string")
        throw new Error("bad");
      after = token[1];
    } catch {
      throw new SqsError("InvalidParameterValue", "Invalid NextToken value.");
    }
  }
  return { prefix, limit, after, paged };
}

export function nextListToken(prefix: string, lastName: string): string {
  return Buffer.from(JSON.stringify([prefix, lastName]), "utf8").toString("base64url");
}

/** The port's view of a stored queue. */
export function describeQueue(
  region: string,
  account: string,
  name: string,
  settings: QueueSettings,
  createdMs: number,
  modifiedMs: number,
): SqsQueue {
  return {
    name,
    arn: queueArn(region, account, name),
    urlPath: queueUrlPath(account, name),
    fifo: settings.FifoQueue,
    settings,
    createdTimestamp: Math.floor(createdMs / 1000),
    lastModifiedTimestamp: Math.floor(modifiedMs / 1000),
  };
}

/**
 * The dead-letter queue of a RedrivePolicy must exist in this account and region and be of the source's type
 * ("The dead-letter queue of a FIFO queue must also be a FIFO queue"). `find` answers its settings by name.
 */
export async function checkRedriveTarget(
  region: string,
  account: string,
  settings: QueueSettings,
  find: (name: string) => Promise<QueueSettings | undefined>,
): Promise<void> {
  const policy = settings.RedrivePolicy;
  if (policy === undefined) return;
  const name = queueNameOfArn(policy.deadLetterTargetArn);
  const shown = JSON.stringify(policy);
  const target =
    name !== undefined && policy.deadLetterTargetArn === queueArn(region, account, name)
      ? await find(name)
      : undefined;
  if (target === undefined)
    throw invalidParameter("RedrivePolicy", shown, "Dead letter target does not exist.");
  if (target.FifoQueue !== settings.FifoQueue) {
    throw invalidParameter(
      "RedrivePolicy",
      shown,
      "Dead-letter queue must be same type of queue as the source.",
    );
  }
}

export function queueAlreadyExists(name: string): SqsError {
  return new SqsError(
    "QueueAlreadyExists",
    `A queue already exists with the same name (${name}) and a different value for an attribute.`,
  );
}
