/**
 * The two messages of the sync-invocation channel, as plain versioned JSON (they cross Redis, between
 * processes that may run different Lambkin versions): the request a gateway sends (an InvocationRequest, its
 * payload as base64, with where to reply and its deadline) and the reply a worker sends back (the InvokeResult,
 * payload and log tail as base64 so the bytes are exact, or the ServiceError it raised).
 *
 * Both are validated every time they are read back: the store is shared state, and a message written by another
 * program or a person with redis-cli must be reported, never crash the reader nor run something half-read.
 * Lambda's synchronous payload limit is 6 MB (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */

import { isLeaseId } from "../../../runtime/concurrency/redis-lease-layout.js";
import type { InvocationStatus } from "../../../runtime/environment/invocation.js";
import type { ServiceErrorName, ThrottleReason } from "../../../runtime/errors/service-errors.js";
import { ServiceError } from "../../../runtime/errors/service-errors.js";
import type { InvocationRequest } from "../../../runtime/invocation/invocation-request.js";
import { MAX_SYNC_PAYLOAD_BYTES } from "../../../runtime/invoker/invoke-request.js";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";
import { LogTail } from "../../../runtime/logs/log-tail.js";

export const SYNC_ENVELOPE_VERSION = 1;

/** A request as it travels. */
export interface SyncRequestEnvelope {
  readonly v: typeof SYNC_ENVELOPE_VERSION;
  /** This call's id (unique per call, not the Lambda request id): the reply names it. */
  readonly id: string;
  /** The channel the reply goes to: the calling gateway's own. */
  readonly replyTo: string;
  /** ms since the epoch: past it the caller no longer waits, and the request is not run. */
  readonly deadline: number;
  /**
   * The unit of concurrency the gateway took for this request when it queued it (a lease id): the worker adopts
   * it instead of acquiring one, and gives it back if it drops the request.
   */
  readonly lease?: string;
  readonly functionName: string;
  readonly qualifier?: "$LATEST";
  /** base64 of the payload's bytes. */
  readonly payload: string;
  readonly requestId: string;
  readonly traceId: string;
  readonly clientContext?: string;
  readonly cognitoIdentity?: string;
  readonly source: string;
}

interface ReplyResult {
  readonly requestId: string;
  readonly functionName: string;
  /** base64 */
  readonly payload: string;
  readonly functionError?: "Unhandled";
  readonly status: InvocationStatus;
  readonly errorType?: string;
  readonly contentType?: string;
  readonly durationMs: number;
  readonly initDurationMs?: number;
  readonly maxMemoryUsedMB: number;
  /** base64 of the log tail's bytes. */
  readonly logTail: string;
  readonly environmentStartFailed?: true;
}

interface ReplyError {
  readonly name: ServiceErrorName;
  readonly message: string;
  readonly reason?: ThrottleReason;
  readonly retryAfterSeconds?: number;
}

export type SyncReplyEnvelope =
  | { readonly v: typeof SYNC_ENVELOPE_VERSION; readonly id: string; readonly result: ReplyResult }
  | { readonly v: typeof SYNC_ENVELOPE_VERSION; readonly id: string; readonly error: ReplyError };

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  /** `id`/`replyTo`, when they could be read: whom to tell that the message was refused. */
  | { readonly ok: false; readonly reason: string; readonly id?: string; readonly replyTo?: string };

const MAX_ID = 256;
const MAX_NAME = 256;
const MAX_CLIENT_CONTEXT = 4096;
const MAX_COGNITO = 16_384;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const STATUSES = new Set<string>(["success", "error", "timeout", "crash"]);
const SERVICE_ERRORS = new Set<string>([
  "ResourceNotFoundException",
  "InvalidRequestContentException",
  "InvalidParameterValueException",
  "RequestTooLargeException",
  "UnsupportedMediaTypeException",
  "ResourceConflictException",
  "TooManyRequestsException",
  "ServiceException",
]);
const THROTTLE_REASONS = new Set<string>([
  "ConcurrentInvocationLimitExceeded",
  "ReservedFunctionConcurrentInvocationLimitExceeded",
  "FunctionInvocationRateLimitExceeded",
  "ReservedFunctionInvocationRateLimitExceeded",
  "CallerRateLimitExceeded",
]);
const REQUEST_KEYS = new Set([
  "v",
  "id",
  "replyTo",
  "deadline",
  "lease",
  "functionName",
  "qualifier",
  "payload",
  "requestId",
  "traceId",
  "clientContext",
  "cognitoIdentity",
  "source",
]);

export function encodeRequest(
  request: InvocationRequest,
  call: { readonly id: string; readonly replyTo: string; readonly deadline: number; readonly lease?: string },
): string {
  const envelope: SyncRequestEnvelope = {
    v: SYNC_ENVELOPE_VERSION,
    id: call.id,
    replyTo: call.replyTo,
    deadline: call.deadline,
    ...(call.lease === undefined ? {} : { lease: call.lease }),
    functionName: request.functionName,
    ...(request.qualifier === undefined ? {} : { qualifier: request.qualifier }),
    payload: request.payload.toString("base64"),
    requestId: request.requestId,
    traceId: request.traceId,
    ...(request.clientContext === undefined ? {} : { clientContext: request.clientContext }),
    ...(request.cognitoIdentity === undefined ? {} : { cognitoIdentity: request.cognitoIdentity }),
    source: request.source,
  };
  return JSON.stringify(envelope);
}

/** The InvocationRequest an envelope carries (RequestResponse, first attempt). */
export function requestOf(envelope: SyncRequestEnvelope): InvocationRequest {
  return {
    functionName: envelope.functionName,
    ...(envelope.qualifier === undefined ? {} : { qualifier: envelope.qualifier }),
    payload: Buffer.from(envelope.payload, "base64"),
    invocationType: "RequestResponse",
    requestId: envelope.requestId,
    traceId: envelope.traceId,
    ...(envelope.clientContext === undefined ? {} : { clientContext: envelope.clientContext }),
    ...(envelope.cognitoIdentity === undefined ? {} : { cognitoIdentity: envelope.cognitoIdentity }),
    attempt: 1,
    source: envelope.source,
  };
}

function text(value: unknown, max: number): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= max;
}

function objectOf(raw: string): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, reason: `not a JSON object (${value === null ? "null" : typeof value})` };
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * Reads a request back. `replyPrefix` is what every gateway's reply channel starts with: a message naming any
 * other channel is refused (a worker must not be made to publish where a stranger chooses).
 */
export function parseRequest(raw: string, replyPrefix: string): Parsed<SyncRequestEnvelope> {
  const read = objectOf(raw);
  if (!read.ok) return read;
  const m = read.value;
  const id = text(m.id, MAX_ID) ? m.id : undefined;
  const replyTo =
    typeof m.replyTo === "string" && m.replyTo.startsWith(replyPrefix) && m.replyTo.length <= MAX_ID * 2
      ? m.replyTo
      : undefined;
  const refuse = (reason: string): Parsed<SyncRequestEnvelope> => ({
    ok: false,
    reason,
    ...(id === undefined ? {} : { id }),
    ...(replyTo === undefined ? {} : { replyTo }),
  });
  if (m.v !== SYNC_ENVELOPE_VERSION)
    return refuse(`version ${JSON.stringify(m.v)} is not one this Lambkin reads (${SYNC_ENVELOPE_VERSION})`);
  const unknown = Object.keys(m).filter((key) => !REQUEST_KEYS.has(key));
  if (unknown.length > 0) return refuse(`unknown field(s) ${unknown.join(", ").slice(0, 200)}`);
  if (id === undefined) return refuse("id must be a non-empty string");
  if (replyTo === undefined) return refuse(`replyTo must be a channel starting with ${replyPrefix}`);
  if (typeof m.deadline !== "number" || !Number.isSafeInteger(m.deadline) || m.deadline <= 0)
    return refuse("deadline must be a time in ms since the epoch");
  if (m.lease !== undefined && !isLeaseId(m.lease)) return refuse("lease, when present, must be a lease id");
  if (!text(m.functionName, MAX_NAME)) return refuse("functionName must be a non-empty string");
  if (m.qualifier !== undefined && m.qualifier !== "$LATEST")
    return refuse("qualifier, when present, must be $LATEST");
  if (typeof m.payload !== "string" || !BASE64.test(m.payload)) return refuse("payload must be base64");
  const bytes = Buffer.byteLength(m.payload, "base64");
  if (bytes > MAX_SYNC_PAYLOAD_BYTES)
    return refuse(`payload is ${bytes} bytes, over Lambda's ${MAX_SYNC_PAYLOAD_BYTES}`);
  if (!text(m.requestId, MAX_ID)) return refuse("requestId must be a non-empty string");
  if (typeof m.traceId !== "string" || m.traceId.length > MAX_ID * 4)
    return refuse("traceId must be a string");
  if (m.clientContext !== undefined && !text(m.clientContext, MAX_CLIENT_CONTEXT))
    return refuse("clientContext, when present, must be a non-empty string");
  if (m.cognitoIdentity !== undefined && !text(m.cognitoIdentity, MAX_COGNITO))
    return refuse("cognitoIdentity, when present, must be a non-empty string");
  if (!text(m.source, MAX_NAME)) return refuse("source must be a non-empty string");
  return { ok: true, value: m as unknown as SyncRequestEnvelope };
}

export function encodeResult(id: string, result: InvokeResult): string {
  const reply: SyncReplyEnvelope = {
    v: SYNC_ENVELOPE_VERSION,
    id,
    result: {
      requestId: result.requestId,
      functionName: result.functionName,
      payload: result.payload.toString("base64"),
      ...(result.functionError === undefined ? {} : { functionError: result.functionError }),
      status: result.status,
      ...(result.errorType === undefined ? {} : { errorType: result.errorType }),
      ...(result.contentType === undefined ? {} : { contentType: result.contentType }),
      durationMs: result.durationMs,
      ...(result.initDurationMs === undefined ? {} : { initDurationMs: result.initDurationMs }),
      maxMemoryUsedMB: result.maxMemoryUsedMB,
      logTail: result.logTail.tailBytes().toString("base64"),
      ...(result.environmentStartFailed ? { environmentStartFailed: true as const } : {}),
    },
  };
  return JSON.stringify(reply);
}

/** The worker's refusal; anything but a ServiceError is the service's own fault, without its details. */
export function encodeError(id: string, error: unknown): string {
  const known =
    error instanceof ServiceError
      ? error
      : new ServiceError("ServiceException", "An internal error occurred while running the invocation.");
  const reply: SyncReplyEnvelope = {
    v: SYNC_ENVELOPE_VERSION,
    id,
    error: {
      name: known.errorName,
      message: known.message,
      ...(known.extra.reason === undefined ? {} : { reason: known.extra.reason }),
      ...(known.extra.retryAfterSeconds === undefined
        ? {}
        : { retryAfterSeconds: known.extra.retryAfterSeconds }),
    },
  };
  return JSON.stringify(reply);
}

/** What a reply stands for: the result, or the ServiceError to reject with. */
export type ReplyOutcome = { readonly id: string } & (
  | { readonly result: InvokeResult }
  | { readonly error: ServiceError }
);

const number = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

export function parseReply(raw: string): Parsed<ReplyOutcome> {
  const read = objectOf(raw);
  if (!read.ok) return read;
  const m = read.value;
  const id = text(m.id, MAX_ID) ? m.id : undefined;
  const refuse = (reason: string): Parsed<ReplyOutcome> => ({
    ok: false,
    reason,
    ...(id === undefined ? {} : { id }),
  });
  if (m.v !== SYNC_ENVELOPE_VERSION)
    return refuse(`version ${JSON.stringify(m.v)} is not one this Lambkin reads (${SYNC_ENVELOPE_VERSION})`);
  if (id === undefined) return refuse("id must be a non-empty string");
  if (typeof m.error === "object" && m.error !== null) {
    const e = m.error as Record<string, unknown>;
    if (typeof e.name !== "string" || !SERVICE_ERRORS.has(e.name))
      return refuse("error.name is not a service error");
    if (typeof e.message !== "string") return refuse("error.message must be a string");
    if (e.reason !== undefined && (typeof e.reason !== "string" || !THROTTLE_REASONS.has(e.reason)))
      return refuse("error.reason is not a throttle reason");
    if (e.retryAfterSeconds !== undefined && !number(e.retryAfterSeconds))
      return refuse("error.retryAfterSeconds must be a number");
    const extra = {
      ...(e.reason === undefined ? {} : { reason: e.reason as ThrottleReason }),
      ...(e.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: e.retryAfterSeconds as number }),
    };
    return {
      ok: true,
      value: { id, error: new ServiceError(e.name as ServiceErrorName, e.message.slice(0, 4096), extra) },
    };
  }
  if (typeof m.result !== "object" || m.result === null) return refuse("neither result nor error");
  const r = m.result as Record<string, unknown>;
  if (!text(r.requestId, MAX_ID)) return refuse("result.requestId must be a non-empty string");
  if (!text(r.functionName, MAX_NAME)) return refuse("result.functionName must be a non-empty string");
  if (typeof r.payload !== "string" || !BASE64.test(r.payload))
    return refuse("result.payload must be base64");
  if (typeof r.logTail !== "string" || !BASE64.test(r.logTail))
    return refuse("result.logTail must be base64");
  if (r.functionError !== undefined && r.functionError !== "Unhandled")
    return refuse("result.functionError, when present, must be Unhandled");
  if (typeof r.status !== "string" || !STATUSES.has(r.status)) return refuse("result.status is unknown");
  if (r.errorType !== undefined && !text(r.errorType, MAX_NAME))
    return refuse("result.errorType must be a string");
  if (r.contentType !== undefined && !text(r.contentType, MAX_NAME))
    return refuse("result.contentType must be a string");
  if (!number(r.durationMs) || !number(r.maxMemoryUsedMB)) return refuse("result durations must be numbers");
  if (r.initDurationMs !== undefined && !number(r.initDurationMs))
    return refuse("result.initDurationMs must be a number");
  const result: InvokeResult = {
    requestId: r.requestId,
    functionName: r.functionName,
    executedVersion: "$LATEST",
    payload: Buffer.from(r.payload, "base64"),
    ...(r.functionError === undefined ? {} : { functionError: "Unhandled" as const }),
    status: r.status as InvocationStatus,
    ...(r.errorType === undefined ? {} : { errorType: r.errorType as string }),
    ...(r.contentType === undefined ? {} : { contentType: r.contentType as string }),
    durationMs: r.durationMs,
    ...(r.initDurationMs === undefined ? {} : { initDurationMs: r.initDurationMs as number }),
    maxMemoryUsedMB: r.maxMemoryUsedMB,
    logTail: LogTail.fromBytes(Buffer.from(r.logTail, "base64")),
    ...(r.environmentStartFailed === true ? { environmentStartFailed: true as const } : {}),
  };
  return { ok: true, value: { id, result } };
}
