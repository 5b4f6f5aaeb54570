/**
 * SendMessage's checks, as SQS makes them, and the stored form of a message's attributes.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html,
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagededuplicationid-property.html
 */
import { createHash } from "node:crypto";
import {
  MESSAGE_LIMITS,
  type MessageAttributes,
  type MessageAttributeValue,
  type SendMessageEntry,
} from "../interfaces/message-model.js";
import type { QueueSettings } from "../interfaces/queue-model.js";
import { invalidParameter, SqsError } from "../interfaces/sqs-errors.js";

/** A message that passed the checks, ready to store. */
export interface CheckedMessage {
  readonly body: string;
  readonly delayMs: number;
  /** JSON of the message attributes and message system attributes (binary values in base64). */
  readonly attributesJson: string;
  readonly senderId: string;
  readonly groupId?: string;
  /** FIFO: the given id, or the body's SHA-256 (content-based deduplication). */
  readonly deduplicationId?: string;
  /** Counted against MaximumMessageSize and the batch's 1 MiB. */
  readonly size: number;
}

/**
 * SQS's allowed characters: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF. SQS now
 * replaces others with U+FFFD rather than refusing the message, as long as one valid character remains.
 */
/** The fast path: a body of allowed characters only (lone surrogates do not match with the u flag). */
const ALL_ALLOWED = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

function isAllowedCodePoint(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The body with every character SQS does not allow replaced by U+FFFD, and whether one allowed one remains. */
function replaceInvalidCharacters(body: string): { text: string; anyValid: boolean } {
  if (ALL_ALLOWED.test(body)) return { text: body, anyValid: body.length > 0 };
  let text = "";
  let anyValid = false;
  let changed = false;
  for (const character of body) {
    const code = character.codePointAt(0) ?? 0;
    if (isAllowedCodePoint(code)) {
      anyValid = true;
      text += character;
    } else {
      changed = true;
      text += "\uFFFD";
    }
  }
  return { text: changed ? text : body, anyValid };
}

/** Group and deduplication ids: 1–128 of the printable ASCII characters. */
const ID_PATTERN = /^[!-~]{1,128}$/;
const ATTRIBUTE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE_PATTERN = /^(String|Number|Binary)(\.[^\s]{1,240})?$/;

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

export function cleanBody(body: unknown): string {
  if (typeof body !== "string" || body.length === 0) {
    throw new SqsError("MissingParameter", "The request must contain the parameter MessageBody.");
  }
  const { text, anyValid } = replaceInvalidCharacters(body);
  if (!anyValid)
    throw new SqsError("InvalidMessageContents", "Invalid binary character in the message body.");
  return text;
}

/** Checks one attribute map (message attributes or system attributes); answers its size in bytes. */
function checkAttributes(
  attributes: MessageAttributes | undefined,
  kind: "MessageAttribute" | "MessageSystemAttribute",
): number {
  if (attributes === undefined) return 0;
  if (attributes === null || typeof attributes !== "object") {
    throw invalidParameter(kind, typeof attributes, "must be a map.");
  }
  const names = Object.keys(attributes);
  if (names.length > MESSAGE_LIMITS.maxMessageAttributes) {
    throw new SqsError(
      "InvalidParameterValue",
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${MESSAGE_LIMITS.maxMessageAttributes}].`,
    );
  }
  let size = 0;
  for (const name of names) {
    if (kind === "MessageSystemAttribute" && name !== "AWSTraceHeader") {
      throw invalidParameter(
        "MessageSystemAttributes",
        name.slice(0, 256),
        "Unsupported system attribute name.",
      );
    }
    if (
      !ATTRIBUTE_NAME_PATTERN.test(name) ||
      name.startsWith(".") ||
      name.endsWith(".") ||
      name.includes("..") ||
      (kind === "MessageAttribute" && /^(aws\.|amazon\.)/i.test(name))
    ) {
      throw new SqsError(
        "InvalidParameterValue",
        `Message (user) attribute '${name.slice(0, 256)}' is invalid: the name may contain letters, digits, _ - and ., not start or end with . nor have .. nor start with AWS. or Amazon.`,
      );
    }
    const value = attributes[name] as MessageAttributeValue | undefined;
    if (value === null || typeof value !== "object" || typeof value.DataType !== "string") {
      throw new SqsError("InvalidParameterValue", `The message attribute '${name}' must contain a DataType.`);
    }
    if (!DATA_TYPE_PATTERN.test(value.DataType) || value.DataType.length > MESSAGE_LIMITS.maxDataTypeLength) {
      throw new SqsError(
        "InvalidParameterValue",
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    const binary = value.DataType.startsWith("Binary");
    if (binary) {
      if (!(value.BinaryValue instanceof Uint8Array) || value.BinaryValue.length === 0) {
        throw new SqsError(
          "InvalidParameterValue",
          `The message attribute '${name}' with type 'Binary' must use field 'Binary'.`,
        );
      }
      size += value.BinaryValue.length;
    } else {
      if (typeof value.StringValue !== "string" || value.StringValue.length === 0) {
        throw new SqsError(
          "InvalidParameterValue",
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${value.DataType}'.`,
        );
      }
      if (
        value.DataType.startsWith("Number") &&
        !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.StringValue.trim())
      ) {
        throw new SqsError(
          "InvalidParameterValue",
          `Can't cast the value of message (user) attribute '${name}' to a number.`,
        );
      }
      size += utf8Length(value.StringValue);
    }
    size += utf8Length(name) + utf8Length(value.DataType);
  }
  return size;
}

function attributesToJson(attributes: MessageAttributes | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    out[name] =
      value.BinaryValue !== undefined && value.DataType.startsWith("Binary")
        ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue).toString("base64") }
        : { DataType: value.DataType, StringValue: value.StringValue };
  }
  return out;
}

function attributesFromJson(json: unknown): MessageAttributes {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, raw] of Object.entries(
    (json ?? {}) as Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>,
  )) {
    out[name] =
      raw.BinaryValue !== undefined
        ? { DataType: raw.DataType, BinaryValue: new Uint8Array(Buffer.from(raw.BinaryValue, "base64")) }
        : { DataType: raw.DataType, StringValue: raw.StringValue ?? "" };
  }
  return out;
}

export interface StoredAttributes {
  readonly messageAttributes: MessageAttributes;
  readonly messageSystemAttributes: MessageAttributes;
}

export function parseStoredAttributes(json: string): StoredAttributes {
  const parsed = JSON.parse(json) as { m?: unknown; s?: unknown };
  return {
    messageAttributes: attributesFromJson(parsed.m),
    messageSystemAttributes: attributesFromJson(parsed.s),
  };
}

function tooLong(settings: QueueSettings): SqsError {
  return new SqsError(
    "InvalidParameterValue",
    `One or more parameters are invalid. Reason: Message must be shorter than ${settings.MaximumMessageSize} bytes.`,
  );
}

/** Checks one entry against its queue; throws the SqsError SQS answers for it. */
export function checkMessage(
  settings: QueueSettings,
  entry: SendMessageEntry,
  defaultSender: string,
): CheckedMessage {
  if (entry === null || typeof entry !== "object")
    throw invalidParameter("Entry", typeof entry, "must be an object.");
  // Before any look at the characters: a body longer in characters than the limit is longer in bytes too.
  if (typeof entry.body === "string" && entry.body.length > settings.MaximumMessageSize)
    throw tooLong(settings);
  const body = cleanBody(entry.body);
  let delaySeconds = settings.DelaySeconds;
  if (entry.delaySeconds !== undefined) {
    if (settings.FifoQueue) {
      throw invalidParameter(
        "DelaySeconds",
        entry.delaySeconds,
        "The request include parameter that is not valid for this queue type.",
      );
    }
    if (
      !Number.isInteger(entry.delaySeconds) ||
      entry.delaySeconds < 0 ||
      entry.delaySeconds > MESSAGE_LIMITS.maxDelaySeconds
    ) {
      throw invalidParameter("DelaySeconds", entry.delaySeconds, "must be an integer from 0 to 900.");
    }
    delaySeconds = entry.delaySeconds;
  }
  const size = utf8Length(body) + checkAttributes(entry.messageAttributes, "MessageAttribute");
  checkAttributes(entry.messageSystemAttributes, "MessageSystemAttribute"); // not counted in the size
  if (size > settings.MaximumMessageSize) throw tooLong(settings);
  const groupId = entry.messageGroupId;
  if (groupId !== undefined && !ID_PATTERN.test(groupId)) {
    throw invalidParameter("MessageGroupId", groupId, "must be 1 to 128 printable ASCII characters.");
  }
  let deduplicationId = entry.messageDeduplicationId;
  if (settings.FifoQueue) {
    if (groupId === undefined) {
      throw new SqsError("MissingParameter", "The request must contain the parameter MessageGroupId.");
    }
    if (deduplicationId !== undefined && !ID_PATTERN.test(deduplicationId)) {
      throw invalidParameter(
        "MessageDeduplicationId",
        deduplicationId,
        "must be 1 to 128 printable ASCII characters.",
      );
    }
    if (deduplicationId === undefined) {
      if (!settings.ContentBasedDeduplication) {
        throw new SqsError(
          "InvalidParameterValue",
          "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
        );
      }
      // "Amazon SQS uses a SHA-256 hash to generate the MessageDeduplicationId using the body of the message
      // (but not the attributes of the message)."
      deduplicationId = createHash("sha256").update(body, "utf8").digest("hex");
    }
  } else if (deduplicationId !== undefined) {
    throw invalidParameter(
      "MessageDeduplicationId",
      deduplicationId,
      "The request includes a parameter that is not valid for this queue type.",
    );
  }
  const senderId =
    typeof entry.senderId === "string" && entry.senderId !== ""
      ? entry.senderId.slice(0, 128)
      : defaultSender;
  return {
    body,
    delayMs: delaySeconds * 1000,
    attributesJson: JSON.stringify({
      m: attributesToJson(entry.messageAttributes),
      s: attributesToJson(entry.messageSystemAttributes),
    }),
    senderId,
    ...(groupId === undefined ? {} : { groupId }),
    ...(deduplicationId === undefined ? {} : { deduplicationId }),
    size,
  };
}

/** The whole batch's checks: 1–10 entries (SendMessageBatch; the API checks the entry ids). */
export function checkBatchLength(count: number): void {
  if (count === 0)
    throw new SqsError(
      "EmptyBatchRequest",
      "There should be at least one SendMessageBatchRequestEntry in the request.",
    );
  if (count > MESSAGE_LIMITS.maxBatchEntries) {
    throw new SqsError(
      "TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are ${MESSAGE_LIMITS.maxBatchEntries}. You have sent ${count}.`,
    );
  }
}

/** After the entries' checks: their total size. */
export function checkBatchSize(messages: readonly (CheckedMessage | undefined)[]): void {
  const total = messages.reduce((sum, message) => sum + (message?.size ?? 0), 0);
  if (total > MESSAGE_LIMITS.maxBatchBytes) {
    throw new SqsError(
      "BatchRequestTooLong",
      `Batch requests cannot be longer than ${MESSAGE_LIMITS.maxBatchBytes} bytes. You have sent ${total} bytes.`,
    );
  }
}

/** The FIFO deduplication key: per queue, or per message group with DeduplicationScope=messageGroup. */
export function deduplicationKey(settings: QueueSettings, message: CheckedMessage): string | undefined {
  if (!settings.FifoQueue || message.deduplicationId === undefined) return undefined;
  return settings.DeduplicationScope === "messageGroup"
    ? `${message.groupId ?? ""}\u0000${message.deduplicationId}`
    : message.deduplicationId;
}

/** SQS sequence numbers are large, non-consecutive-looking 20-digit numbers: ours are 10^19 + a per-queue counter. */
export function sequenceNumber(counter: number): string {
  return (10n ** 19n + BigInt(counter)).toString();
}
