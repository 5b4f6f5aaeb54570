/**
 * The invocation request: the one shape every producer of an invocation builds — HTTP routes, the Invoke API,
 * the CLI, schedules, later the queue and stream triggers — and every consumer runs, in this process or in a
 * worker on another machine. It is built and validated ONCE, here (the function exists, the payload is JSON
 * within the limit of its invocation type, the client context is base64 JSON); what runs it trusts it.
 *
 * Lambda's limits (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): 6 MB for a
 * synchronous payload, 1 MB for an asynchronous one (docs/lambda-behaviour.md §3.3). Every retry of an
 * asynchronous event keeps its request id (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html):
 * `attempt` counts them, the id does not change.
 */
import { randomUUID } from "node:crypto";
import {
  decodeClientContext,
  MAX_ASYNC_PAYLOAD_BYTES,
  MAX_SYNC_PAYLOAD_BYTES,
  validatePayload,
} from "../invoker/invoke-request.js";
import { newTraceId } from "../invoker/trace-id.js";
import type { FunctionDefinition } from "../manifest/function-definition.js";

/** How the caller waits: for the result (`RequestResponse`) or only for the event to be queued (`Event`). */
export type InvocationType = "RequestResponse" | "Event";

export interface InvocationRequest {
  /** The function's Lambda name, resolved from whatever reference the caller gave (key, name, ARN). */
  readonly functionName: string;
  /**
   * `$LATEST` (the only version Lambkin runs) when the caller named a qualifier: the invoked function ARN the
   * handler sees then carries it, as on Lambda. Absent for an unqualified call.
   */
  readonly qualifier?: "$LATEST";
  /** The event: JSON bytes (an empty payload is `{}`), exactly as the caller sent them. */
  readonly payload: Buffer;
  readonly invocationType: InvocationType;
  readonly requestId: string;
  /** The X-Ray trace header the runtime gets (`Lambda-Runtime-Trace-Id`). */
  readonly traceId: string;
  /** X-Amz-Client-Context as sent: base64 of a JSON object (decoded only where the runtime needs it). */
  readonly clientContext?: string;
  readonly cognitoIdentity?: string;
  /** 1 for the first attempt; asynchronous retries count up. */
  readonly attempt: number;
  /** Who produced it: `invoke-api`, `http:<route>`, `cli`, `schedule:<rule>`, `redrive:<id>` … */
  readonly source: string;
}

/** What a producer knows before the request is validated. */
export interface InvocationRequestInput {
  /** A Lambda name, an ARN (optionally qualified), or a bare serverless.yml key. */
  readonly reference: string;
  readonly qualifier?: string;
  readonly payload: Buffer | string;
  /**
   * The producer made the payload itself with JSON.stringify (an API Gateway event, a trigger's record): it is
   * JSON by construction, so only its size is checked — parsing it again was a visible share of every HTTP call.
   */
  readonly payloadIsJson?: boolean;
  readonly invocationType: InvocationType;
  readonly requestId?: string;
  readonly traceId?: string;
  readonly clientContext?: string;
  readonly cognitoIdentity?: string;
  readonly attempt?: number;
  readonly source: string;
}

/** Finds the function a reference names, or throws ResourceNotFoundException (see resolve-function.ts). */
export interface FunctionResolver {
  resolveFunction(reference: string, qualifier?: string): FunctionDefinition;
}

/** The payload limit of an invocation type. */
export function payloadLimitOf(invocationType: InvocationType): number {
  return invocationType === "Event" ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
}

/**
 * Validates what a producer was given and builds the request; throws the ServiceError AWS answers
 * (ResourceNotFoundException, RequestTooLargeException, InvalidRequestContentException).
 * `limitBytes` overrides the limit of the invocation type (DryRun validates against 6 MB).
 */
export function buildInvocationRequest(
  functions: FunctionResolver,
  input: InvocationRequestInput,
  limitBytes = payloadLimitOf(input.invocationType),
): InvocationRequest {
  const fn = functions.resolveFunction(input.reference, input.qualifier);
  const raw = typeof input.payload === "string" ? Buffer.from(input.payload) : input.payload;
  const payload = validatePayload(raw, limitBytes, input.payloadIsJson === true);
  decodeClientContext(input.clientContext);
  return {
    functionName: fn.name,
    ...(input.qualifier === undefined ? {} : { qualifier: "$LATEST" as const }),
    payload,
    invocationType: input.invocationType,
    requestId: input.requestId ?? randomUUID(),
    traceId: input.traceId ?? newTraceId(),
    ...(input.clientContext === undefined || input.clientContext === ""
      ? {}
      : { clientContext: input.clientContext }),
    ...(input.cognitoIdentity === undefined ? {} : { cognitoIdentity: input.cognitoIdentity }),
    attempt: input.attempt ?? 1,
    source: input.source,
  };
}
