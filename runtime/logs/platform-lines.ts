/**
 * The platform's own log lines around every invocation (docs/lambda-behaviour.md §2.7):
 * `START RequestId: … Version: $LATEST`, `END RequestId: …` and the REPORT line with real
 * durations and memory, plus the timeout line. Formats follow what CloudWatch shows for Lambda.
 */

export interface ReportFigures {
  readonly requestId: string;
  readonly durationMs: number;
  readonly memorySizeMB: number;
  readonly maxMemoryUsedMB: number;
  /** Only on an environment's first invocation. */
  readonly initDurationMs?: number;
  readonly timedOut?: boolean;
}

export function startLine(requestId: string): string {
  return `START RequestId: ${requestId} Version: $LATEST`;
}

export function endLine(requestId: string): string {
  return `END RequestId: ${requestId}`;
}

/**
 * Billed Duration is rounded up to the millisecond (1 ms billing since Dec 2020) and, since
 * 2025-08-01, includes the init phase. Init Duration comes after Max Memory Used, as on Lambda.
 */
export function reportLine(figures: ReportFigures): string {
  const billed = billedDurationMs(figures.durationMs, figures.initDurationMs);
  const parts = [
    `REPORT RequestId: ${figures.requestId}`,
    `Duration: ${figures.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${billed} ms`,
    `Memory Size: ${figures.memorySizeMB} MB`,
    `Max Memory Used: ${figures.maxMemoryUsedMB} MB`,
  ];
  if (figures.initDurationMs !== undefined)
    parts.push(`Init Duration: ${figures.initDurationMs.toFixed(2)} ms`);
  if (figures.timedOut) parts.push("Status: timeout");
  return parts.join("\t");
}

/** The REPORT line's Billed Duration: the invoke phase plus the init phase, rounded up to the millisecond. */
export function billedDurationMs(durationMs: number, initDurationMs = 0): number {
  return Math.ceil(durationMs + initDurationMs);
}

/** `<ISO ts> <id> Task timed out after 3.02 seconds`: the actual elapsed time (%.2f). */
export function timeoutLine(requestId: string, elapsedMs: number, now = new Date()): string {
  return `${now.toISOString()} ${requestId} Task timed out after ${(elapsedMs / 1000).toFixed(2)} seconds`;
}
