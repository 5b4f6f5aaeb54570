/**
 * CreateQueue's and SetQueueAttributes' attributes, checked and parsed as SQS does, and GetQueueAttributes'
 * answer. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html
 */
import {
  FIFO_QUEUE_NAME_PATTERN,
  FIFO_SUFFIX,
  MAX_RECEIVE_COUNT,
  NUMERIC_QUEUE_ATTRIBUTES,
  type NumericQueueAttributeName,
  QUEUE_NAME_PATTERN,
  type QueueCounts,
  type QueueSettings,
  queueNameOfArn,
  READ_ONLY_QUEUE_ATTRIBUTES,
  type RedrivePolicy,
  SETTABLE_QUEUE_ATTRIBUTES,
  type SqsQueue,
  STORED_ONLY_QUEUE_ATTRIBUTES,
} from "../interfaces/queue-model.js";
import { SqsError } from "../interfaces/sqs-errors.js";

/** More attributes than SQS has cannot be a real request: refuse before looking at them. */
const MAX_ATTRIBUTES_GIVEN = 64;
/** Policy documents and other stored-only values: SQS caps a policy at 20 KiB. */
const MAX_STORED_VALUE_LENGTH = 20_480;

type AttributeMap = Readonly<Record<string, string>>;

function invalidValue(name: string, reason: string): SqsError {
  return new SqsError("InvalidAttributeValue", `Invalid value for the parameter ${name}. Reason: ${reason}`);
}

function checkAttributeNames(attributes: AttributeMap): void {
  const names = Object.keys(attributes);
  if (names.length > MAX_ATTRIBUTES_GIVEN) {
    throw new SqsError("InvalidAttributeName", `Too many attributes: ${names.length}.`);
  }
  for (const name of names) {
    if ((READ_ONLY_QUEUE_ATTRIBUTES as readonly string[]).includes(name)) {
      throw new SqsError("InvalidAttributeName", `Unknown Attribute ${name}.`);
    }
    if (!(SETTABLE_QUEUE_ATTRIBUTES as readonly string[]).includes(name)) {
      throw new SqsError("InvalidAttributeName", `Unknown Attribute ${name.slice(0, 256)}.`);
    }
    const value = attributes[name];
    if (typeof value !== "string") throw invalidValue(name, "the value must be a string.");
    if (value.length > MAX_STORED_VALUE_LENGTH) throw invalidValue(name, "the value is too long.");
  }
}

function parseWhole(name: NumericQueueAttributeName, value: string): number {
  const rule = NUMERIC_QUEUE_ATTRIBUTES[name];
  const number = /^\s*[0-9]{1,10}\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < rule.min || number > rule.max) {
    throw invalidValue(name, `Must be an integer from ${rule.min} to ${rule.max}.`);
  }
  return number;
}

function parseBoolean(name: string, value: string): boolean {
  const lower = value.trim().toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  throw invalidValue(name, "Must be true or false.");
}

/**
 * RedrivePolicy: a JSON object `{"deadLetterTargetArn": "...", "maxReceiveCount": 5}` (maxReceiveCount may be a
 * string, as CloudFormation writes it). Whether the target exists is checked by the store.
 */
export function parseRedrivePolicy(value: string): RedrivePolicy | undefined {
  if (value.trim() === "") return undefined; // SetQueueAttributes with "" removes the policy
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalidValue("RedrivePolicy", "Redrive policy is not a valid JSON map.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalidValue("RedrivePolicy", "Redrive policy is not a valid JSON map.");
  }
  const { deadLetterTargetArn, maxReceiveCount } = parsed as Record<string, unknown>;
  if (typeof deadLetterTargetArn !== "string" || queueNameOfArn(deadLetterTargetArn) === undefined) {
    throw invalidValue("RedrivePolicy", "Invalid value for deadLetterTargetArn.");
  }
  const count =
    typeof maxReceiveCount === "number"
      ? maxReceiveCount
      : typeof maxReceiveCount === "string" && /^[0-9]{1,5}$/.test(maxReceiveCount)
        ? Number(maxReceiveCount)
        : Number.NaN;
  if (!Number.isInteger(count) || count < MAX_RECEIVE_COUNT.min || count > MAX_RECEIVE_COUNT.max) {
    throw invalidValue(
      "RedrivePolicy",
      `Value for maxReceiveCount must be an integer from ${MAX_RECEIVE_COUNT.min} to ${MAX_RECEIVE_COUNT.max}.`,
    );
  }
  return { deadLetterTargetArn, maxReceiveCount: count };
}

export function defaultSettings(fifo: boolean): QueueSettings {
  return {
    DelaySeconds: NUMERIC_QUEUE_ATTRIBUTES.DelaySeconds.default,
    MaximumMessageSize: NUMERIC_QUEUE_ATTRIBUTES.MaximumMessageSize.default,
    MessageRetentionPeriod: NUMERIC_QUEUE_ATTRIBUTES.MessageRetentionPeriod.default,
    ReceiveMessageWaitTimeSeconds: NUMERIC_QUEUE_ATTRIBUTES.ReceiveMessageWaitTimeSeconds.default,
    VisibilityTimeout: NUMERIC_QUEUE_ATTRIBUTES.VisibilityTimeout.default,
    FifoQueue: fifo,
    ContentBasedDeduplication: false,
    ...(fifo ? { DeduplicationScope: "queue" as const } : {}),
    stored: {},
  };
}

/** Applies `attributes` on top of `base` (CreateQueue: the defaults; SetQueueAttributes: the queue's settings). */
export function applyAttributes(
  base: QueueSettings,
  attributes: AttributeMap,
  creating: boolean,
): QueueSettings {
  checkAttributeNames(attributes);
  const next: { -readonly [K in keyof QueueSettings]: QueueSettings[K] } = {
    ...base,
    stored: { ...base.stored },
  };
  for (const [name, value] of Object.entries(attributes)) {
    if (name in NUMERIC_QUEUE_ATTRIBUTES) {
      next[name as NumericQueueAttributeName] = parseWhole(name as NumericQueueAttributeName, value);
    } else if (name === "RedrivePolicy") {
      const policy = parseRedrivePolicy(value);
      if (policy === undefined) delete next.RedrivePolicy;
      else next.RedrivePolicy = policy;
    } else if (name === "FifoQueue") {
      // FifoQueue is chosen at creation; standard queues may say "false" (CloudFormation does).
      if (!creating || parseBoolean(name, value) !== base.FifoQueue) {
        throw new SqsError("InvalidAttributeName", `Unknown Attribute ${name}.`);
      }
    } else if (name === "ContentBasedDeduplication" || name === "DeduplicationScope") {
      if (!base.FifoQueue) throw new SqsError("InvalidAttributeName", `Unknown Attribute ${name}.`);
      if (name === "ContentBasedDeduplication") next.ContentBasedDeduplication = parseBoolean(name, value);
      else if (value === "queue" || value === "messageGroup") next.DeduplicationScope = value;
      else throw invalidValue(name, "Must be queue or messageGroup.");
    } else if ((STORED_ONLY_QUEUE_ATTRIBUTES as readonly string[]).includes(name)) {
      (next.stored as Record<string, string>)[name] = value;
    }
  }
  return next;
}

/** CreateQueue's checks of the name against the attributes, then the attributes. */
export function settingsForCreate(name: string, attributes: AttributeMap): QueueSettings {
  if (typeof name !== "string" || name.length === 0) {
    throw new SqsError("MissingParameter", "The request must contain the parameter QueueName.");
  }
  const fifoValue = attributes.FifoQueue;
  const fifo = fifoValue !== undefined && parseBoolean("FifoQueue", fifoValue);
  if (fifo && !FIFO_QUEUE_NAME_PATTERN.test(name)) {
    throw new SqsError(
      "InvalidParameterValue",
      "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.",
    );
  }
  if (!fifo && !QUEUE_NAME_PATTERN.test(name)) {
    throw new SqsError(
      "InvalidParameterValue",
      name.endsWith(FIFO_SUFFIX)
        ? "The name of a FIFO queue ends with .fifo: set the attribute FifoQueue to true."
        : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
    );
  }
  return applyAttributes(defaultSettings(fifo), attributes, true);
}

/** CreateQueue on an existing name: every attribute given must equal the queue's. */
export function sameAsGiven(existing: QueueSettings, name: string, attributes: AttributeMap): boolean {
  const wanted = settingsForCreate(name, attributes);
  return Object.keys(attributes).every((key) => wireValue(wanted, key) === wireValue(existing, key));
}

function wireValue(settings: QueueSettings, name: string): string | undefined {
  if (name in NUMERIC_QUEUE_ATTRIBUTES) return String(settings[name as NumericQueueAttributeName]);
  if (name === "RedrivePolicy") return settings.RedrivePolicy ? JSON.stringify(settings.RedrivePolicy) : "";
  if (name === "FifoQueue") return String(settings.FifoQueue);
  if (name === "ContentBasedDeduplication") return String(settings.ContentBasedDeduplication);
  if (name === "DeduplicationScope") return settings.DeduplicationScope;
  return (settings.stored as Record<string, string>)[name];
}

/** GetQueueAttributes `All`: strings, as SQS answers them. */
export function wireAttributes(queue: SqsQueue, counts: QueueCounts): Record<string, string> {
  const s = queue.settings;
  const out: Record<string, string> = {
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.notVisible),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(queue.createdTimestamp),
    LastModifiedTimestamp: String(queue.lastModifiedTimestamp),
    VisibilityTimeout: String(s.VisibilityTimeout),
    MaximumMessageSize: String(s.MaximumMessageSize),
    MessageRetentionPeriod: String(s.MessageRetentionPeriod),
    DelaySeconds: String(s.DelaySeconds),
    ReceiveMessageWaitTimeSeconds: String(s.ReceiveMessageWaitTimeSeconds),
    SqsManagedSseEnabled: "true",
  };
  if (s.RedrivePolicy) out.RedrivePolicy = JSON.stringify(s.RedrivePolicy);
  if (s.FifoQueue) {
    out.FifoQueue = "true";
    out.ContentBasedDeduplication = String(s.ContentBasedDeduplication);
    out.DeduplicationScope = s.DeduplicationScope ?? "queue";
    out.FifoThroughputLimit = "perQueue";
  }
  return { ...out, ...s.stored };
}
