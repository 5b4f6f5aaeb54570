/**
 * How the BullMQ adapter keeps a job's history in BullMQ's own fields, so that every change is written by
 * BullMQ's atomic scripts together with the move it goes with:
 * - a counted attempt that failed is thrown as a RetrySignal: BullMQ's retry (attemptsMade + 1, moved to
 *   `delayed` after the custom backoff, which reads the delay the handler asked for) pushes the error's
 *   `stack` onto the job's `stacktrace` list — the stack is the attempt's record, as JSON;
 * - a dead letter is thrown as a DeadLetterSignal, an UnrecoverableError, so BullMQ moves the job to `failed`
 *   at once (whatever its attempts) and pushes its record — condition, reason, last error — the same way.
 * The `failed` set is the dead-letter store. Entries that are not Lambkin's JSON (a stall's message) are
 * skipped when reading.
 */
import { UnrecoverableError } from "bullmq";
import type { AttemptError, DeadLetterCondition } from "../interfaces/job-queue.js";

interface AttemptRecord extends AttemptError {
  readonly lambkin: "attempt";
}

interface DeadLetterRecord {
  readonly lambkin: "dead-letter";
  readonly condition: DeadLetterCondition;
  readonly reason: string;
  readonly error?: AttemptError;
}

/** Thrown by the processor for a `retry` outcome. */
export class RetrySignal extends Error {
  override readonly name = "LambkinRetry";
  readonly delayMs: number;

  constructor(delayMs: number, error: AttemptError) {
    super(`${error.errorType}: ${error.errorMessage}`);
    this.delayMs = delayMs;
    this.stack = JSON.stringify({ lambkin: "attempt", ...error } satisfies AttemptRecord);
  }
}

/** Thrown by the processor for a `dead-letter` outcome (and for a job that cannot be read). */
export class DeadLetterSignal extends UnrecoverableError {
  override readonly name = "UnrecoverableError"; // what BullMQ checks to skip its retries

  constructor(condition: DeadLetterCondition, reason: string, error?: AttemptError) {
    super(reason);
    const record: DeadLetterRecord =
      error === undefined
        ? { lambkin: "dead-letter", condition, reason }
        : { lambkin: "dead-letter", condition, reason, error };
    this.stack = JSON.stringify(record);
  }
}

function parseRecord(entry: string): AttemptRecord | DeadLetterRecord | undefined {
  try {
    const record = JSON.parse(entry) as { lambkin?: unknown };
    return record.lambkin === "attempt" || record.lambkin === "dead-letter"
      ? (record as AttemptRecord | DeadLetterRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

export interface JobHistory {
  readonly errors: AttemptError[];
  readonly deadLetter: { condition: DeadLetterCondition; reason: string } | undefined;
}

export function readHistory(stacktrace: readonly string[] | null | undefined): JobHistory {
  const errors: AttemptError[] = [];
  let deadLetter: JobHistory["deadLetter"];
  for (const entry of stacktrace ?? []) {
    const record = parseRecord(entry);
    if (record?.lambkin === "attempt") {
      const { lambkin: _, ...error } = record;
      errors.push(error);
    } else if (record?.lambkin === "dead-letter") {
      if (record.error) errors.push(record.error);
      deadLetter = { condition: record.condition, reason: record.reason };
    }
  }
  return { errors, deadLetter };
}
