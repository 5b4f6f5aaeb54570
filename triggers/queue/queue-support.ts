/**
 * What both JobQueue adapters do the same way: checking a job before it is stored, turning a handler's
 * outcome into the records the dead-letter store keeps, building the invocation a redrive enqueues, and the
 * default reporter. Keeping it here keeps the adapters about their backend only.
 */
import { randomUUID } from "node:crypto";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type {
  AttemptError,
  AttemptErrorInput,
  EnqueueOptions,
  JobOutcome,
  QueueReporter,
} from "./interfaces/job-queue.js";
import { InvalidJobError } from "./interfaces/queue-errors.js";
import { parseQueuedInvocation, type QueuedInvocation } from "./interfaces/queued-invocation.js";

/** Job ids: what both Redis keys and SQLite take without escaping; not all digits (BullMQ's own ids are). */
const JOB_ID = /^(?!\d+$)[A-Za-z0-9_.-]{1,200}$/;
/** The longest delay a job may be given: Lambda's maximum event age (6 h) with room for its retries. */
export const MAX_DELAY_MS = 24 * 60 * 60 * 1000;
/** How much of an unreadable job's text a dead letter keeps. */
export const MAX_RAW_CHARS = 64 * 1024;
/** Where a handler that threw sends its job: later, uncounted (a bug of Lambkin must not use up attempts). */
export const HANDLER_FAILURE_DELAY_MS = 1000;

export interface CheckedEnqueue {
  readonly invocation: QueuedInvocation;
  readonly jobId: string;
  readonly delayMs: number;
}

/** Validates what enqueue was given; throws InvalidJobError naming the field. */
export function checkEnqueue(invocation: QueuedInvocation, options: EnqueueOptions = {}): CheckedEnqueue {
  const parsed = parseQueuedInvocation(invocation);
  if (!parsed.ok) throw new InvalidJobError(`the job is not a queued invocation: ${parsed.reason}`);
  const delayMs = options.delayMs ?? 0;
  if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
    throw new InvalidJobError(`delayMs must be between 0 and ${MAX_DELAY_MS}, not ${delayMs}`);
  }
  const jobId = options.jobId ?? randomUUID();
  if (!JOB_ID.test(jobId)) {
    throw new InvalidJobError(
      `jobId ${JSON.stringify(jobId)} must be 1-200 letters, digits, '_', '.' or '-', and not only digits`,
    );
  }
  return { invocation: parsed.value, jobId, delayMs: Math.round(delayMs) };
}

/** A delay a handler asked for, made safe to store: a NaN or a negative number means now. */
export function safeDelay(delayMs: number): number {
  return Number.isFinite(delayMs) && delayMs > 0 ? Math.min(Math.round(delayMs), MAX_DELAY_MS) : 0;
}

export function attemptError(
  input: AttemptErrorInput,
  attempt: number,
  invocation: QueuedInvocation,
): AttemptError {
  return {
    attempt,
    requestId: input.requestId ?? invocation.requestId,
    errorType: String(input.errorType),
    errorMessage: String(input.errorMessage),
    at: Date.now(),
  };
}

/** The outcome a handler that threw (or returned something that is not an outcome) stands for. */
export function outcomeOfHandlerFailure(error: unknown): JobOutcome {
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "postpone", delayMs: HANDLER_FAILURE_DELAY_MS, reason: `the handler failed: ${message}` };
}

export function isOutcome(value: unknown): value is JobOutcome {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === "done" || kind === "retry" || kind === "postpone" || kind === "dead-letter";
}

/** Redrive: the same event as a new one (new request id, age from now), as Lambda's DLQ redrive does. */
export function redriveInvocation(invocation: QueuedInvocation, deadLetterId: string): QueuedInvocation {
  return {
    ...invocation,
    requestId: randomUUID(),
    enqueuedAt: Date.now(),
    source: `redrive:${deadLetterId}`,
  };
}

export function truncateRaw(text: string): string {
  return text.length > MAX_RAW_CHARS ? text.slice(0, MAX_RAW_CHARS) : text;
}

/** Reports on stderr, with the code first, as Lambkin's other messages. */
export const stderrReporter: QueueReporter = (report) => {
  process.stderr.write(`lambkin ▸ ${coded(report.code, report.message)}\n`);
};
