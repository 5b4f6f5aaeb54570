/**
 * The event an SQS event source mapping invokes a function with (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html,
 * "Example standard queue message event" and "Example FIFO queue message event"): `Records[]`, one per message,
 * with its id, receipt handle, body, system attributes, message attributes in Lambda's lower-camel form
 * (`stringValue`, `binaryValue` in base64, `stringListValues`, `binaryListValues`, `dataType`), the MD5 digests
 * SQS computes, and the queue's ARN and region.
 */
import { createHash } from "node:crypto";
import type { MessageAttributes, ReceivedMessage } from "../interfaces/index.js";

export interface SqsEventRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<Record<string, SqsEventMessageAttribute>>;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly eventSource: "aws:sqs";
  readonly eventSourceARN: string;
  readonly awsRegion: string;
}

export interface SqsEventMessageAttribute {
  readonly stringValue?: string;
  readonly binaryValue?: string;
  readonly stringListValues: string[];
  readonly binaryListValues: string[];
  readonly dataType: string;
}

/** The system attributes Lambda puts in a record, in its order; the others SQS keeps are not passed. */
const RECORD_ATTRIBUTES = [
  "ApproximateReceiveCount",
  "AWSTraceHeader",
  "SentTimestamp",
  "SequenceNumber",
  "MessageGroupId",
  "SenderId",
  "MessageDeduplicationId",
  "ApproximateFirstReceiveTimestamp",
  "DeadLetterQueueSourceArn",
] as const;

export function sqsEventRecord(message: ReceivedMessage, queueArn: string, region: string): SqsEventRecord {
  const attributes: Record<string, string> = {};
  const system = { ...message.attributes } as Record<string, string | undefined>;
  const trace = message.messageSystemAttributes.AWSTraceHeader?.StringValue;
  if (trace !== undefined) system.AWSTraceHeader = trace;
  for (const name of RECORD_ATTRIBUTES) {
    const value = system[name];
    if (value !== undefined) attributes[name] = value;
  }
  const names = Object.keys(message.messageAttributes);
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes,
    messageAttributes: Object.fromEntries(
      names.map((name) => [
        name,
        eventAttribute(message.messageAttributes[name] as MessageAttributes[string]),
      ]),
    ),
    md5OfBody: md5(Buffer.from(message.body, "utf8")),
    ...(names.length === 0
      ? {}
      : { md5OfMessageAttributes: md5OfMessageAttributes(message.messageAttributes) }),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function eventAttribute(value: MessageAttributes[string]): SqsEventMessageAttribute {
  return {
    ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
    ...(value.BinaryValue === undefined
      ? {}
      : { binaryValue: Buffer.from(value.BinaryValue).toString("base64") }),
    stringListValues: [],
    binaryListValues: [],
    dataType: value.DataType,
  };
}

function md5(bytes: Buffer): string {
  return createHash("md5").update(bytes).digest("hex");
}

/**
 * SQS's MD5OfMessageAttributes: over the attributes sorted by name, each encoded as name, data type, a transport
 * byte (1 = string or number, 2 = binary) and value, every string and value preceded by its length as a 4-byte
 * big-endian integer (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation).
 */
export function md5OfMessageAttributes(attributes: MessageAttributes): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name] as MessageAttributes[string];
    lengthPrefixed(Buffer.from(name, "utf8"));
    lengthPrefixed(Buffer.from(value.DataType, "utf8"));
    if (value.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(value.BinaryValue));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? "", "utf8"));
    }
  }
  return md5(Buffer.concat(parts));
}
