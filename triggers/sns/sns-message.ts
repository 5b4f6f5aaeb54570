/**
 * A message published to a topic, checked as SNS's Publish checks it
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html): a non-empty message of at most
 * 256 KB with its attributes, an ASCII subject of at most 100 characters, at most 10 message attributes with
 * SNS's names and types, `MessageStructure=json` with a `default` entry, and the FIFO ids.
 */
import { invalidParameter, SnsError } from "./interfaces/sns-errors.js";

/** "The total size limit for a single SMS Publish action is 1,600 characters; otherwise 262,144 bytes (256 KiB)". */
export const MAX_MESSAGE_BYTES = 262_144;
/** Message attributes per message (as SQS takes them for raw delivery). */
export const MAX_MESSAGE_ATTRIBUTES = 10;
export const MAX_SUBJECT_LENGTH = 100;
/** PublishBatch: "up to 10 messages", the whole batch within 256 KB. */
export const MAX_BATCH_ENTRIES = 10;

export interface SnsAttributeValue {
  /** String, String.Array, Number or Binary. */
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: Uint8Array;
}

export type SnsMessageAttributes = Readonly<Record<string, SnsAttributeValue>>;

export interface PublishInput {
  readonly message: string;
  readonly subject?: string;
  readonly messageStructure?: string;
  readonly messageAttributes?: SnsMessageAttributes;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
}

/** The message as every subscription gets it, the protocol's own text chosen (MessageStructure=json). */
export interface CheckedMessage {
  readonly messageFor: (protocol: string) => string;
  readonly subject?: string;
  readonly attributes: SnsMessageAttributes;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
  /** The message and attributes in bytes, as the 256 KB limit counts them. */
  readonly bytes: number;
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const FIFO_ID = /^[\x21-\x7e]{1,128}$/;

export function checkMessage(
  input: PublishInput,
  topic: { fifo: boolean; contentBasedDeduplication: boolean },
): CheckedMessage {
  if (input.message === "") throw invalidParameter("Empty message");
  const attributes = checkAttributes(input.messageAttributes ?? {});
  const bytes = Buffer.byteLength(input.message, "utf8") + attributeBytes(attributes);
  if (bytes > MAX_MESSAGE_BYTES) throw invalidParameter("Message too long");
  if (input.subject !== undefined) checkSubject(input.subject);
  const messageFor = structured(input.message, input.messageStructure);
  if (topic.fifo) {
    if (input.messageGroupId === undefined) {
      throw invalidParameter("The MessageGroupId parameter is required for FIFO topics");
    }
    if (input.messageDeduplicationId === undefined && !topic.contentBasedDeduplication) {
      throw invalidParameter(
        "The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
      );
    }
  } else if (input.messageDeduplicationId !== undefined) {
    throw invalidParameter(
      "MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type",
    );
  }
  for (const [name, value] of [
    ["MessageGroupId", input.messageGroupId],
    ["MessageDeduplicationId", input.messageDeduplicationId],
  ] as const) {
    if (value !== undefined && !FIFO_ID.test(value)) {
      throw invalidParameter(
        `${name} Reason: ${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
      );
    }
  }
  return {
    messageFor,
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    attributes,
    ...(input.messageGroupId === undefined ? {} : { messageGroupId: input.messageGroupId }),
    ...(input.messageDeduplicationId === undefined
      ? {}
      : { messageDeduplicationId: input.messageDeduplicationId }),
    bytes,
  };
}

/** "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 characters long." */
function checkSubject(subject: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH || /[\u0000-\u001f\u007f]/.test(subject)) {
    throw invalidParameter("Subject");
  }
}

/**
 * MessageStructure=json: "the value of the Message parameter must: be a syntactically valid JSON object; and
 * contain at least a top-level JSON key of "default" with a value that is a string"; a protocol's key
 * (`lambda`, `sqs`, `email`, …) overrides the default for it.
 */
function structured(message: string, structure: string | undefined): (protocol: string) => string {
  if (structure === undefined) return () => message;
  if (structure !== "json") throw invalidParameter("MessageStructure");
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter("Message Structure - JSON message body failed to parse");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidParameter("Message Structure - JSON message body failed to parse");
  }
  const entries = parsed as Record<string, unknown>;
  if (typeof entries.default !== "string") {
    throw invalidParameter("Message Structure - No default entry in JSON message body");
  }
  const fallback = entries.default;
  return (protocol) => {
    const own = entries[protocol];
    return typeof own === "string" ? own : fallback;
  };
}

function checkAttributes(attributes: SnsMessageAttributes): SnsMessageAttributes {
  const names = Object.keys(attributes);
  if (names.length > MAX_MESSAGE_ATTRIBUTES) {
    throw new SnsError(
      "InvalidParameterValue",
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    );
  }
  for (const name of names) {
    const value = attributes[name] as SnsAttributeValue;
    const reserved = /^(aws\.|amazon\.)/i.test(name);
    if (
      !ATTRIBUTE_NAME.test(name) ||
      reserved ||
      name.startsWith(".") ||
      name.endsWith(".") ||
      name.includes("..")
    ) {
      throw invalidParameter(
        `MessageAttributes: The message attribute name '${name.slice(0, 256)}' is invalid`,
      );
    }
    const type = value.DataType ?? "";
    const base = type.split(".")[0];
    if (type.length > 256 || !["String", "Number", "Binary"].includes(base ?? "")) {
      throw invalidParameter(
        `MessageAttributes: The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const empty = base === "Binary" ? !value.BinaryValue?.length : !value.StringValue;
    if (empty) {
      throw invalidParameter(
        `MessageAttributes: The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
      );
    }
    if (base === "Number" && !isSnsNumber(value.StringValue as string)) {
      throw invalidParameter(
        `MessageAttributes: Could not cast message attribute '${name}' value to number.`,
      );
    }
    if (type.startsWith("String.Array") && !isStringArray(value.StringValue as string)) {
      throw invalidParameter(
        `MessageAttributes: The message attribute '${name}' with type 'String.Array' has an invalid value.`,
      );
    }
  }
  return attributes;
}

/** "Number: … can be negative or positive, from -10^9 to 10^9, with 5 digits of accuracy after the decimal point." */
function isSnsNumber(text: string): boolean {
  if (!/^-?\d+(\.\d{1,5})?([eE][-+]?\d+)?$/.test(text)) return false;
  const number = Number(text);
  return Number.isFinite(number) && Math.abs(number) <= 1e9;
}

/** String.Array: a JSON array of strings, numbers, booleans or null. */
function isStringArray(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return (
      Array.isArray(parsed) &&
      parsed.every((item) => item === null || ["string", "number", "boolean"].includes(typeof item))
    );
  } catch {
    return false;
  }
}

function attributeBytes(attributes: SnsMessageAttributes): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType);
    bytes += value.BinaryValue ? value.BinaryValue.byteLength : Buffer.byteLength(value.StringValue ?? "");
  }
  return bytes;
}

/** The value SNS shows of an attribute in a notification: its string, or a Binary's base64. */
export function attributeText(value: SnsAttributeValue): string {
  return value.BinaryValue ? Buffer.from(value.BinaryValue).toString("base64") : (value.StringValue ?? "");
}
