/**
 * Receipt handles: opaque to clients, they name the queue (its incarnation: a queue deleted and created again
 * under the same name is another queue), the message and the receive they come from. A later receive of the same
 * message gets another token, so a handle of an earlier receive can be told apart (SQS: "you must provide the
 * most recently received receipt handle").
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html
 */
import { randomBytes } from "node:crypto";
import { SqsError } from "../interfaces/sqs-errors.js";

export interface ReceiptParts {
  readonly queueId: string;
  readonly messageId: string;
  readonly token: string;
}

const MAX_HANDLE_LENGTH = 1024;
const PART = /^[A-Za-z0-9_-]{1,64}$/;

export function newReceiptToken(): string {
  return randomBytes(12).toString("base64url");
}

export function encodeReceiptHandle(parts: ReceiptParts): string {
  return Buffer.from(`${parts.queueId}.${parts.messageId}.${parts.token}`, "utf8").toString("base64url");
}

/** The parts of a handle of `queueId`, or ReceiptHandleIsInvalid (SQS: "The input receipt handle is invalid."). */
export function decodeReceiptHandle(handle: unknown, queueId: string): ReceiptParts {
  const invalid = () =>
    new SqsError(
      "ReceiptHandleIsInvalid",
      `The input receipt handle "${String(handle).slice(0, 100)}" is not a valid receipt handle.`,
    );
  if (typeof handle !== "string" || handle.length === 0 || handle.length > MAX_HANDLE_LENGTH) throw invalid();
  const parts = Buffer.from(handle, "base64url").toString("utf8").split(".");
  if (parts.length !== 3 || !parts.every((part) => PART.test(part))) throw invalid();
  const [id, messageId, token] = parts as [string, string, string];
  if (id !== queueId) throw invalid();
  return { queueId: id, messageId, token };
}
