/** What the stream pollers report (to the process's log, with its code). */
import type { LambkinCode } from "../../runtime/errors/lambkin-codes.js";

export interface StreamReport {
  readonly code: Extract<LambkinCode, `LKN_WRN_STREAM_${string}`>;
  readonly message: string;
}

export type StreamReporter = (report: StreamReport) => void;
