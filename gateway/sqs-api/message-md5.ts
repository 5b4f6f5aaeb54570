/**
 * The MD5 digests SQS answers with a message, so that a client can check what was stored is what it sent
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation):
 * - MD5OfMessageBody / MD5OfBody: MD5 of the body's UTF-8 bytes, hex;
 * - MD5OfMessageAttributes (and MD5OfMessageSystemAttributes, same encoding): the attributes sorted by name, each
 *   encoded as the name's length (4 bytes, big-endian) and UTF-8 bytes, the data type's length and bytes, one
 *   transport byte (1 = String and Number, 2 = Binary), then the value's length and bytes; MD5 of the whole, hex.
 * Absent when there are no attributes.
 */
import { createHash } from "node:crypto";
import type { MessageAttributes } from "../../triggers/sqs/interfaces/index.js";

export function md5OfBody(body: string): string {
  return createHash("md5").update(body, "utf8").digest("hex");
}

export function md5OfAttributes(attributes: MessageAttributes | undefined): string | undefined {
  const names = Object.keys(attributes ?? {}).sort(compareUtf8);
  if (!attributes || names.length === 0) return undefined;
  const hash = createHash("md5");
  for (const name of names) {
    const value = attributes[name];
    if (!value) continue;
    hash.update(lengthPrefixed(Buffer.from(name, "utf8")));
    hash.update(lengthPrefixed(Buffer.from(value.DataType, "utf8")));
    if (value.BinaryValue !== undefined && value.DataType.startsWith("Binary")) {
      hash.update(Buffer.of(2));
      hash.update(lengthPrefixed(Buffer.from(value.BinaryValue)));
    } else {
      hash.update(Buffer.of(1));
      hash.update(lengthPrefixed(Buffer.from(value.StringValue ?? "", "utf8")));
    }
  }
  return hash.digest("hex");
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** SDKs sort attribute names as strings of code units; names are ASCII (store-checked), so this is byte order. */
function compareUtf8(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
