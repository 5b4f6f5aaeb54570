/**
 * The one-line summary of an invocation that `lambkin dev` prints in place of START/END/REPORT (and that
 * `--log-format json` writes as one structured record): which function, what triggered it, how it ended, how long
 * it ran and what Lambda would bill. The figures are the REPORT line's (platform-lines.ts); the trigger is read from
 * the invocation request's `source` (runtime/invocation/invocation-request.ts), which every producer sets.
 */
import type { InvocationOutcome } from "../environment/invocation.js";
import type { InvocationRequest } from "../invocation/invocation-request.js";
import { billedDurationMs } from "./platform-lines.js";

/** What produced an invocation, as a person names it. */
export type TriggerType =
  | "http"
  | "invoke"
  | "async"
  | "schedule"
  | "sqs"
  | "sns"
  | "s3"
  | "stream"
  | "redrive"
  | "destination"
  | "cli"
  | "other";

export interface InvocationTrigger {
  readonly type: TriggerType;
  /** The route key, queue, topic ARN, bucket, stream ARN, rule … the source names; empty when it names none. */
  readonly detail: string;
}

/**
 * How it ended: `success`, the function error's type (`Error`, `Runtime.ExitError`, `Runtime.UserCodeSyntaxError`
 * …), `timeout` (Sandbox.Timedout) or `throttled` (TooManyRequestsException, no environment ran it).
 */
export type InvocationSummaryStatus = "success" | "error" | "timeout" | "throttled";

export interface InvocationSummary {
  readonly functionName: string;
  readonly requestId: string;
  readonly trigger: InvocationTrigger;
  /** The request's source exactly as its producer wrote it (`http:GET /hello`, `sqs:orders` …). */
  readonly source: string;
  readonly invocationType: "RequestResponse" | "Event";
  readonly attempt: number;
  readonly status: InvocationSummaryStatus;
  readonly errorType?: string;
  readonly durationMs: number;
  readonly billedDurationMs: number;
  /** Only for a cold start. */
  readonly initDurationMs?: number;
  readonly memorySizeMB?: number;
  readonly maxMemoryUsedMB: number;
}

const PREFIXED: Record<string, TriggerType> = {
  http: "http",
  schedule: "schedule",
  sqs: "sqs",
  sns: "sns",
  s3: "s3",
  stream: "stream",
  redrive: "redrive",
  destination: "destination",
};

/** `http:GET /a` → http "GET /a"; `invoke-api` → invoke, or async for an Event; `cli`/`invoker` → cli. */
export function triggerOf(
  source: string,
  invocationType: InvocationRequest["invocationType"],
): InvocationTrigger {
  const colon = source.indexOf(":");
  const head = colon === -1 ? source : source.slice(0, colon);
  const detail = colon === -1 ? "" : source.slice(colon + 1);
  const prefixed = PREFIXED[head];
  if (prefixed) return { type: prefixed, detail };
  if (head === "invoke-api") return { type: invocationType === "Event" ? "async" : "invoke", detail: "" };
  if (head === "cli" || head === "invoker") return { type: "cli", detail: "" };
  return { type: "other", detail: source };
}

/** The summary of an invocation that ran (in an environment, or failed to get one). */
export function summaryOfOutcome(
  request: InvocationRequest,
  outcome: InvocationOutcome,
  memorySizeMB?: number,
): InvocationSummary {
  const status: InvocationSummaryStatus =
    outcome.status === "success" ? "success" : outcome.status === "timeout" ? "timeout" : "error";
  // Built field by field rather than from spreads: one of these is made for every invocation.
  const summary: Mutable<InvocationSummary> = common(request, status);
  if (status === "error") summary.errorType = outcome.errorType ?? "Runtime.Unknown";
  summary.durationMs = outcome.durationMs;
  summary.billedDurationMs = billedDurationMs(outcome.durationMs, outcome.initDurationMs);
  if (outcome.initDurationMs !== undefined) summary.initDurationMs = outcome.initDurationMs;
  if (memorySizeMB !== undefined) summary.memorySizeMB = memorySizeMB;
  summary.maxMemoryUsedMB = outcome.maxMemoryUsedMB;
  return summary;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The summary of an invocation refused over a concurrency cap: nothing ran, nothing is billed. */
export function summaryOfThrottle(request: InvocationRequest, memorySizeMB?: number): InvocationSummary {
  const summary: Mutable<InvocationSummary> = common(request, "throttled");
  summary.errorType = "TooManyRequestsException";
  summary.durationMs = 0;
  summary.billedDurationMs = 0;
  if (memorySizeMB !== undefined) summary.memorySizeMB = memorySizeMB;
  summary.maxMemoryUsedMB = 0;
  return summary;
}

/** The fields every summary starts with; the figures are filled in by the caller. */
function common(request: InvocationRequest, status: InvocationSummaryStatus): Mutable<InvocationSummary> {
  return {
    functionName: request.functionName,
    requestId: request.requestId,
    trigger: triggerOf(request.source, request.invocationType),
    source: request.source,
    invocationType: request.invocationType,
    attempt: request.attempt,
    status,
    durationMs: 0,
    billedDurationMs: 0,
    maxMemoryUsedMB: 0,
  };
}

/** The status as one word: `success`, `timeout`, `throttled`, or the error's type. */
export function statusWord(summary: InvocationSummary): string {
  if (summary.status === "error") return summary.errorType ?? "error";
  return summary.status;
}

/** `http GET /hello`, `sqs orders`, `async event`, `schedule rate-1m`, `invoke` … */
export function triggerLabel(trigger: InvocationTrigger): string {
  if (trigger.type === "async") return "async event";
  return trigger.detail === "" ? trigger.type : `${trigger.type} ${trigger.detail}`;
}

/**
 * The summary as plain text (no colours), for a JSON record's `msg` and for tests:
 * `http GET /hello · success · 12.34 ms (billed 13 ms, init 101.20 ms) · <request id>`.
 */
export function summaryText(summary: InvocationSummary): string {
  const retry = summary.attempt > 1 ? ` (attempt ${summary.attempt})` : "";
  const figures = [`billed ${summary.billedDurationMs} ms`];
  if (summary.initDurationMs !== undefined) figures.push(`init ${summary.initDurationMs.toFixed(2)} ms`);
  return `${triggerLabel(summary.trigger)}${retry} · ${statusWord(summary)} · ${summary.durationMs.toFixed(2)} ms (${figures.join(", ")}) · ${summary.requestId}`;
}
