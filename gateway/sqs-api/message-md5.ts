/**
 * The MD5 digests SQS answers with a message, so that a client can check what was stored is what it sent
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation):
 * - MD5OfMessageBody / MD5OfBody: MD5 of the body's UTF-8 bytes, hex;
 * - MD5OfMessageAttributes (and MD5OfMessageSystemAttributes, same encoding): the attributes sorted by name, each
 *   encoded as the name's length (4 bytes, big-endian) and UTF-8 bytes, the data type's length and bytes, one
 *   transport byte (1 = String and Number, 2 = Binary), then the value's length and bytes; MD5 of the whole, hex.
 * Absent when there are no attributes. The attribute encoding is the event source's (`sqs-event.ts`, the
 * `md5OfMessageAttributes` of Lambda's SQS records), so the API and the events can never disagree.
 */
import { createHash } from "node:crypto";
import { md5OfMessageAttributes } from "../../triggers/sqs/event-source/sqs-event.js";
import type { MessageAttributes } from "../../triggers/sqs/interfaces/index.js";

export function md5OfBody(body: string): string {
  return createHash("md5").update(body, "utf8").digest("hex");
}

/** The event source's implementation (one encoding in Lambkin); undefined when there are no attributes. */
export function md5OfAttributes(attributes: MessageAttributes | undefined): string | undefined {
  if (!attributes || Object.keys(attributes).length === 0) return undefined;
  return md5OfMessageAttributes(attributes);
}
