/**
 * Validation of what an Invoke call carries, with the service errors AWS answers
 * (docs/lambda-behaviour.md §3.1, §3.3): the payload must be JSON (an empty one is `{}`) and at most 6 MB
 * for a synchronous call; X-Amz-Client-Context is base64 JSON of at most 3,583 bytes.
 */
import { requestTooLarge, ServiceError } from "../errors/service-errors.js";

export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;
const MAX_CLIENT_CONTEXT_BYTES = 3583;

/** `knownJson`: the caller serialized it itself (JSON.stringify), so only the size is checked. */
export function validatePayload(
  payload: Buffer,
  limitBytes = MAX_SYNC_PAYLOAD_BYTES,
  knownJson = false,
): Buffer {
  if (payload.length > limitBytes) throw requestTooLarge(limitBytes);
  if (payload.length === 0) return Buffer.from("{}");
  if (knownJson) return payload;
  try {
    JSON.parse(payload.toString("utf8"));
  } catch (error) {
    throw new ServiceError(
      "InvalidRequestContentException",
      `Could not parse request body into json: ${(error as Error).message}`,
    );
  }
  return payload;
}

/** Decodes X-Amz-Client-Context into the JSON text the runtime receives (Lambda-Runtime-Client-Context). */
export function decodeClientContext(base64: string | undefined): string | undefined {
  if (base64 === undefined || base64 === "") return undefined;
  const invalid = new ServiceError(
    "InvalidRequestContentException",
    "Client context must be a valid Base64-encoded JSON object.",
  );
  if (base64.length > Math.ceil(MAX_CLIENT_CONTEXT_BYTES / 3) * 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
    throw invalid;
  }
  const text = Buffer.from(base64, "base64").toString("utf8");
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid;
  } catch {
    throw invalid;
  }
  return text;
}
