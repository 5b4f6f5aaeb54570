/**
 * The function log sink of the human log format: every line of an environment, and each invocation's summary,
 * formatted as humanLogStream formats their pino records (human-log-stream.ts), and written to the same output
 * as the logger's own records — in order, since both write synchronously to one BatchedOutput.
 * Without `verbose`, START/END/REPORT are dropped here, before any work is spent on them.
 */
import { type FunctionLogSink, silentFunctionLogSink } from "../runtime/logs/function-log-sink.js";
import { summaryText } from "../runtime/logs/invocation-summary.js";
import type { TextOutput } from "./batched-output.js";
import { humanFunctionLine, humanSummaryLine } from "./human-log-stream.js";

export interface HumanFunctionLogOptions {
  /** Show Lambda's START/END/REPORT lines. */
  readonly verbose: boolean;
  /** False when the logger's level is above `info` (LAMBKIN_LOG_LEVEL=warn): the lines are info records. */
  readonly enabled: boolean;
}

export function humanFunctionLogSink(output: TextOutput, options: HumanFunctionLogOptions): FunctionLogSink {
  const { verbose, enabled } = options;
  if (!enabled) return silentFunctionLogSink;
  return {
    line(functionName, _requestId, text, stream = "platform") {
      const line = humanFunctionLine(functionName, stream, text, verbose);
      if (line !== undefined) output.write(`${line}\n`);
    },
    invocation(summary) {
      output.write(`${humanSummaryLine(summary.functionName, summary.status, summaryText(summary))}\n`);
    },
  };
}
