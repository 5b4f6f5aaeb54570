/**
 * One invocation as an execution environment sees it: what it is asked (EnvironmentInvocation) and
 * how it ended (InvocationOutcome). The payload of an outcome is exactly what the Invoke API
 * returns as its body; `functionError` is what it puts in X-Amz-Function-Error.
 */
import type { LogTail } from "../logs/log-tail.js";

export interface EnvironmentInvocation {
  readonly requestId: string;
  readonly payload: Buffer;
  readonly invokedFunctionArn: string;
  readonly traceId: string;
  /** JSON text, already base64-decoded. */
  readonly clientContext?: string;
  readonly cognitoIdentity?: string;
}

export type InvocationStatus = "success" | "error" | "timeout" | "crash";

export interface InvocationOutcome {
  readonly requestId: string;
  readonly payload: Buffer;
  /** Set for every function error: errors the runtime reports, timeouts, crashes (§3.1: "Unhandled"). */
  readonly functionError?: "Unhandled";
  readonly status: InvocationStatus;
  /** The error type for logs and metrics (header of /error, or the platform's). */
  readonly errorType?: string;
  /** The Content-Type the runtime posted its response with (e.g. a streamed response's); success only. */
  readonly contentType?: string;
  readonly durationMs: number;
  readonly initDurationMs?: number;
  readonly maxMemoryUsedMB: number;
  readonly logTail: LogTail;
  /**
   * Set when no environment could start for it (a platform error, not the function's): an asynchronous event
   * then stays queued without counting an attempt, as Lambda treats its own 5xx (docs/lambda-behaviour.md §5).
   */
  readonly environmentStartFailed?: true;
  /**
   * Set when the environment's runtime ended before any `/next` of its took the invocation (Managed Instances: it
   * waited for a free worker): the function never saw it, so the invoker runs it in another environment.
   */
  readonly undelivered?: true;
}

/** The payload of an error raised by the platform rather than the function (§2.5). */
export function platformErrorPayload(errorType: string, errorMessage: string): Buffer {
  return Buffer.from(JSON.stringify({ errorType, errorMessage }));
}

/** The runtime's error body as sent; an empty one becomes `{errorType, errorMessage: ""}` from its header. */
export function errorBodyOrDefault(errorType: string | undefined, body: Buffer): Buffer {
  return body.length > 0 ? body : platformErrorPayload(errorType ?? "Runtime.Unknown", "");
}
