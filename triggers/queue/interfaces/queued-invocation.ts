/**
 * The job a queue carries: a "queued invocation", everything a worker needs to run one asynchronous Lambda
 * invocation later, in another process, on another machine. It is plain JSON (it crosses Redis and SQLite),
 * versioned (`version`) so that a future shape can be told from this one, and validated every time it is read
 * back: a queue is shared state, and a job written by another program, an older Lambkin or a person with
 * redis-cli must be reported and dead-lettered, not crash the consumer.
 *
 * Lambda accepts asynchronous payloads up to 1 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html), and keeps the request id of the
 * first attempt for every retry (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
 */

export const QUEUED_INVOCATION_VERSION = 1;

/** Lambda's limit for an asynchronous invocation's payload, in bytes (1 MB). */
export const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;

export interface QueuedInvocation {
  /** The shape of this object; a reader refuses versions it does not know. */
  readonly version: typeof QUEUED_INVOCATION_VERSION;
  /** The function: its Lambda name (`service-stage-function`) or ARN. */
  readonly functionName: string;
  /** `$LATEST`, a version number or an alias name. */
  readonly qualifier: string;
  /** `Event` for asynchronous invocations; other types are reserved for a worker that runs synchronous calls. */
  readonly invocationType: "Event" | "RequestResponse";
  /** The event, as JSON text (`utf8`) or as the base64 of its bytes (`base64`). */
  readonly payload: string;
  readonly payloadEncoding: "utf8" | "base64";
  /** The request id Lambda gives the event, kept by every attempt. */
  readonly requestId: string;
  /** The X-Ray trace header of the call (`Root=…;Parent=…;Sampled=…`), when there was one. */
  readonly traceId?: string;
  /** X-Amz-Client-Context as received: base64 of a JSON object. */
  readonly clientContext?: string;
  /** Who produced it: `invoke-api`, `schedule:<rule>`, `http:<route>`, `redrive:<dead letter id>` … */
  readonly source: string;
  /** When it was accepted (ms since the epoch): the event's age, for maximumEventAge, counts from here. */
  readonly enqueuedAt: number;
}

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string };

const MAX_NAME_LENGTH = 256;
const MAX_ID_LENGTH = 256;
const MAX_CLIENT_CONTEXT_LENGTH = 4096; // Lambda: 3583 bytes of base64 for ClientContext
const INVOCATION_TYPES = new Set(["Event", "RequestResponse"]);
const KNOWN_KEYS = new Set([
  "version",
  "functionName",
  "qualifier",
  "invocationType",
  "payload",
  "payloadEncoding",
  "requestId",
  "traceId",
  "clientContext",
  "source",
  "enqueuedAt",
]);

/** The payload's size in bytes: what Lambda's 1 MB limit counts. */
export function payloadBytes(invocation: Pick<QueuedInvocation, "payload" | "payloadEncoding">): number {
  return invocation.payloadEncoding === "base64"
    ? Buffer.byteLength(invocation.payload, "base64")
    : Buffer.byteLength(invocation.payload, "utf8");
}

function boundedString(value: unknown, max: number): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= max;
}

/**
 * Checks that `value` is a queued invocation of a version this Lambkin reads. Never throws: the reason says
 * which field is wrong, for the dead letter and the log line.
 */
export function parseQueuedInvocation(value: unknown): ParseResult<QueuedInvocation> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      ok: false,
      reason: `a job must be a JSON object, not ${value === null ? "null" : typeof value}`,
    };
  }
  const job = value as Record<string, unknown>;
  if (job.version !== QUEUED_INVOCATION_VERSION) {
    return {
      ok: false,
      reason: `version ${JSON.stringify(job.version)} is not a queued-invocation version this Lambkin reads (${QUEUED_INVOCATION_VERSION})`,
    };
  }
  const unknown = Object.keys(job).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) return { ok: false, reason: `unknown field(s) ${unknown.join(", ")}` };
  if (!boundedString(job.functionName, MAX_NAME_LENGTH)) {
    return { ok: false, reason: "functionName must be a non-empty string" };
  }
  if (!boundedString(job.qualifier, MAX_NAME_LENGTH)) {
    return { ok: false, reason: "qualifier must be a non-empty string ($LATEST, a version or an alias)" };
  }
  if (typeof job.invocationType !== "string" || !INVOCATION_TYPES.has(job.invocationType)) {
    return { ok: false, reason: "invocationType must be Event or RequestResponse" };
  }
  if (job.payloadEncoding !== "utf8" && job.payloadEncoding !== "base64") {
    return { ok: false, reason: "payloadEncoding must be utf8 or base64" };
  }
  if (typeof job.payload !== "string") return { ok: false, reason: "payload must be a string" };
  if (job.payloadEncoding === "base64" && !/^[A-Za-z0-9+/]*={0,2}$/.test(job.payload)) {
    return { ok: false, reason: "payload is not base64" };
  }
  const bytes = payloadBytes(job as Pick<QueuedInvocation, "payload" | "payloadEncoding">);
  if (bytes > MAX_ASYNC_PAYLOAD_BYTES) {
    return { ok: false, reason: `payload is ${bytes} bytes, over Lambda's ${MAX_ASYNC_PAYLOAD_BYTES}` };
  }
  if (!boundedString(job.requestId, MAX_ID_LENGTH)) {
    return { ok: false, reason: "requestId must be a non-empty string" };
  }
  if (job.traceId !== undefined && !boundedString(job.traceId, MAX_ID_LENGTH * 4)) {
    return { ok: false, reason: "traceId, when present, must be a non-empty string" };
  }
  if (job.clientContext !== undefined && !boundedString(job.clientContext, MAX_CLIENT_CONTEXT_LENGTH)) {
    return { ok: false, reason: "clientContext, when present, must be a non-empty base64 string" };
  }
  if (!boundedString(job.source, MAX_NAME_LENGTH)) {
    return { ok: false, reason: "source must be a non-empty string" };
  }
  if (typeof job.enqueuedAt !== "number" || !Number.isSafeInteger(job.enqueuedAt) || job.enqueuedAt <= 0) {
    return { ok: false, reason: "enqueuedAt must be a time in ms since the epoch" };
  }
  return { ok: true, value: job as unknown as QueuedInvocation };
}

/** parseQueuedInvocation over JSON text: a job read back from a store as a string. */
export function parseQueuedInvocationText(text: string): ParseResult<QueuedInvocation> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  return parseQueuedInvocation(value);
}
