/**
 * The JobQueue port: what the producers of asynchronous invocations (the Invoke API, HTTP routes, schedules)
 * and the workers that run them need from a durable queue, and nothing of how a backend keeps it. Two adapters
 * implement it: BullMQ on Redis (triggers/queue/bullmq/) and an embedded SQLite queue
 * (triggers/queue/embedded/); one conformance suite (test/triggers/queue/job-queue.conformance.ts) holds both
 * to this contract.
 *
 * The contract, as Lambda's asynchronous invocation
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html) needs it:
 * - `enqueue` resolves only once the job is durably stored (a Redis write acknowledged, a SQLite transaction
 *   committed); a backend that cannot take it rejects with QueueUnavailableError — a 202 is never answered
 *   for an event that was not stored.
 * - Delivery is at least once: a job whose consumer dies in the middle of its handler is handed out again,
 *   so a handler may see an event twice, as on Lambda.
 * - The handler decides what happens next (it knows the function's retry settings and event age, the queue
 *   does not): done, retry (an attempt is counted), postpone (no attempt counted: throttles and platform
 *   errors) or dead-letter.
 */
import type { QueuedInvocation } from "./queued-invocation.js";

export interface EnqueueOptions {
  /** Hand the job out no earlier than this many ms from now. */
  readonly delayMs?: number;
  /**
   * The job's id. A job with this id still in the queue (waiting, delayed, running or dead-lettered) is not
   * added twice: enqueue resolves with the existing job. Default: a new unique id.
   */
  readonly jobId?: string;
}

export interface EnqueuedJob {
  readonly id: string;
}

/** What a handler reports about one failed attempt. */
export interface AttemptErrorInput {
  /** `Unhandled`, `Sandbox.Timedout`, `Runtime.ExitError`, … as Lambda names function errors. */
  readonly errorType: string;
  readonly errorMessage: string;
  /** The attempt's request id; default: the invocation's. */
  readonly requestId?: string;
}

/** One counted attempt that failed, as the queue keeps it for the dead letter. */
export interface AttemptError {
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly requestId: string;
  readonly errorType: string;
  readonly errorMessage: string;
  /** When the attempt ended (ms since the epoch). */
  readonly at: number;
}

/** Why a job was dead-lettered: Lambda's two conditions, or Lambkin's own reasons. */
export type DeadLetterCondition =
  | "RetriesExhausted"
  | "EventAgeExceeded"
  /** The stored job could not be read (not JSON, unknown version, a field missing…). */
  | "MalformedJob"
  /** Its consumers died in the middle of it more often than the queue's stall limit allows. */
  | "Stalled"
  | (string & {});

export type JobOutcome =
  | { readonly kind: "done" }
  /** Run it again after `delayMs`; this attempt counts (function errors, timeouts). */
  | { readonly kind: "retry"; readonly delayMs: number; readonly error: AttemptErrorInput }
  /** Run it again after `delayMs` without counting an attempt (throttles, no environment could start). */
  | { readonly kind: "postpone"; readonly delayMs: number; readonly reason: string }
  /** Stop: keep it as a dead letter. `error`, when given, is this delivery's failed attempt (it counts). */
  | {
      readonly kind: "dead-letter";
      readonly condition: DeadLetterCondition;
      readonly reason: string;
      readonly error?: AttemptErrorInput;
    };

/** Builders for the outcomes, so handlers read as sentences: `return outcome.retry(60_000, error)`. */
export const outcome = {
  done: (): JobOutcome => ({ kind: "done" }),
  retry: (delayMs: number, error: AttemptErrorInput): JobOutcome => ({ kind: "retry", delayMs, error }),
  postpone: (delayMs: number, reason: string): JobOutcome => ({ kind: "postpone", delayMs, reason }),
  deadLetter: (condition: DeadLetterCondition, reason: string, error?: AttemptErrorInput): JobOutcome =>
    error === undefined
      ? { kind: "dead-letter", condition, reason }
      : { kind: "dead-letter", condition, reason, error },
};

/** A job handed to a handler. */
export interface ClaimedJob {
  readonly id: string;
  readonly invocation: QueuedInvocation;
  /** This attempt's number: 1 + the counted (retried) attempts before it. Postponements do not count. */
  readonly attempt: number;
  /** How many times the job has been handed to a handler, this time included (postponed and crashed runs too). */
  readonly deliveries: number;
  /** The failed attempts before this one, oldest first. */
  readonly errors: readonly AttemptError[];
}

export type JobHandler = (job: ClaimedJob) => Promise<JobOutcome>;

export interface ProcessOptions {
  /** At most this many handlers run at once in this consumer. */
  readonly concurrency: number;
}

export interface CloseOptions {
  /**
   * How long to wait for running handlers (ms). Past it the consumer lets go of them: their jobs are handed
   * out again (at least once), as after a crash. Default 30 000.
   */
  readonly timeoutMs?: number;
}

export interface JobConsumer {
  /** Stops taking jobs, waits for the running handlers (bounded by timeoutMs), then releases the backend. */
  close(options?: CloseOptions): Promise<void>;
}

/** A job that was dead-lettered, with everything needed to understand it and run it again. */
export interface DeadLetter {
  readonly id: string;
  /** The invocation; undefined when the stored job could not be read (condition MalformedJob). */
  readonly invocation: QueuedInvocation | undefined;
  /** The stored text of a job that could not be read (at most 64 KiB of it). */
  readonly raw?: string;
  readonly condition: DeadLetterCondition;
  readonly reason: string;
  /** Counted attempts made (each has its entry in `errors`). */
  readonly attempts: number;
  readonly errors: readonly AttemptError[];
  /** When the job was first accepted (ms since the epoch), when known. */
  readonly enqueuedAt: number | undefined;
  readonly deadLetteredAt: number;
}

export interface DeadLetterStore {
  /** Dead letters, oldest first (at most `limit`, default 1000). */
  list(options?: { readonly limit?: number }): Promise<DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  /**
   * Enqueues the dead letter's invocation again as a NEW job (new id, new request id, its age counted from
   * now, source `redrive:<id>`) and removes the dead letter. Rejects with DeadLetterNotFoundError for an
   * unknown id and InvalidJobError for a dead letter without a readable invocation.
   */
  redrive(id: string): Promise<EnqueuedJob>;
  /** Removes one dead letter, or all of them without an id; resolves with how many were removed. */
  purge(id?: string): Promise<number>;
}

/** Jobs by state, for tests, `lambkin events` and health checks. */
export interface QueueCounts {
  /** Waiting to be handed out now. */
  readonly ready: number;
  /** Waiting for their delay (enqueue delay, retry or postponement). */
  readonly delayed: number;
  /** Held by a handler. */
  readonly running: number;
  readonly dead: number;
}

export interface JobQueue {
  /** `bullmq` or `embedded`: for logs and `lambkin` status lines. */
  readonly backend: "bullmq" | "embedded";
  /**
   * Resolves once the backend can take jobs (Redis connected); rejects with QueueUnavailableError after
   * `timeoutMs` (default 10 000). Enqueue does not wait for it: while the backend is down it rejects at once.
   */
  ready(options?: { readonly timeoutMs?: number }): Promise<void>;
  /** Resolves once the job is durably stored; rejects (QueueUnavailableError, InvalidJobError) otherwise. */
  enqueue(invocation: QueuedInvocation, options?: EnqueueOptions): Promise<EnqueuedJob>;
  /** Starts a consumer: up to `concurrency` handlers at once, until it is closed. */
  process(handler: JobHandler, options: ProcessOptions): JobConsumer;
  readonly deadLetters: DeadLetterStore;
  counts(): Promise<QueueCounts>;
  /** Closes the consumers (as their close() does), then the backend's connections or files. */
  close(options?: CloseOptions): Promise<void>;
}

/** What a queue tells its owner about jobs it could not hand out and backend trouble; Lambkin logs it. */
export interface QueueReport {
  readonly code: "LKN_ERR_QUEUE_JOB_MALFORMED" | "LKN_WRN_QUEUE_HANDLER_FAILED" | "LKN_WRN_QUEUE_BACKEND";
  readonly message: string;
  readonly jobId?: string;
}

export type QueueReporter = (report: QueueReport) => void;
