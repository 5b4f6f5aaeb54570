/**
 * An InvocationRequest as the queue carries it (QueuedInvocation: plain, versioned JSON) and back. The payload
 * travels as UTF-8 text when its bytes are exactly that text, else as base64, so a worker hands the function the
 * very bytes the caller sent. The attempt is not stored: the queue counts attempts itself.
 */
import type { InvocationRequest } from "../../runtime/invocation/invocation-request.js";
import { QUEUED_INVOCATION_VERSION, type QueuedInvocation } from "../queue/interfaces/queued-invocation.js";

export function toQueuedInvocation(request: InvocationRequest, enqueuedAt = Date.now()): QueuedInvocation {
  const text = request.payload.toString("utf8");
  const exact =
    Buffer.byteLength(text) === request.payload.length && Buffer.from(text).equals(request.payload);
  return {
    version: QUEUED_INVOCATION_VERSION,
    functionName: request.functionName,
    qualifier: request.qualifier ?? "$LATEST",
    invocationType: request.invocationType,
    payload: exact ? text : request.payload.toString("base64"),
    payloadEncoding: exact ? "utf8" : "base64",
    requestId: request.requestId,
    traceId: request.traceId,
    ...(request.clientContext === undefined ? {} : { clientContext: request.clientContext }),
    source: request.source,
    enqueuedAt,
  };
}

/** The request a claimed job stands for, at its `attempt` (1 + the counted attempts before it). */
export function fromQueuedInvocation(job: QueuedInvocation, attempt: number): InvocationRequest {
  return {
    functionName: job.functionName,
    payload: Buffer.from(job.payload, job.payloadEncoding),
    invocationType: job.invocationType,
    requestId: job.requestId,
    traceId: job.traceId ?? "",
    ...(job.clientContext === undefined ? {} : { clientContext: job.clientContext }),
    attempt,
    source: job.source,
  };
}
