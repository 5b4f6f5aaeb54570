/**
 * Where the lines of every execution environment go: the runtime's own output and the platform
 * lines (START/END/REPORT), tagged with the function, the request id and the environment's log stream, through
 * pino; and, once an invocation is over, its one-record summary (invocation-summary.ts).
 */
import type { Logger } from "pino";
import { type InvocationSummary, summaryText } from "./invocation-summary.js";

export type FunctionLogStream = "stdout" | "stderr" | "platform";

export interface FunctionLogSink {
  line(
    functionName: string,
    requestId: string | undefined,
    text: string,
    stream?: FunctionLogStream,
    /** The environment's CloudWatch log stream name (`2026/12/02/[$LATEST]<environment id>`), when known. */
    logStream?: string,
    fields?: PlatformLineFields,
  ): void;
  /** An invocation is over (its REPORT line is written), or was refused over a concurrency cap. */
  invocation?(summary: InvocationSummary): void;
}

/**
 * What Lambkin adds beside a platform line, never in it (the lines keep Lambda's format): the START line carries
 * the code revision that runs the invocation (runtime/revision/), next to its `Version: $LATEST`.
 */
export interface PlatformLineFields {
  readonly codeRevision?: string;
}

export function pinoFunctionLogSink(logger: Logger): FunctionLogSink {
  return {
    line(functionName, requestId, text, stream = "platform", _logStream, fields = {}) {
      logger.info({ fn: functionName, requestId, stream, ...fields }, text);
    },
    invocation(summary) {
      // A structured record: `--log-format json` readers take the fields, the pretty stream formats them.
      const { functionName, requestId, ...fields } = summary;
      logger.info({ fn: functionName, requestId, event: "invocation", ...fields }, summaryText(summary));
    },
  };
}

/** Every line and summary to each sink in turn (the logger, and the recent logs `lambkin logs` reads). */
export function teeFunctionLogSink(...sinks: readonly FunctionLogSink[]): FunctionLogSink {
  return {
    line(functionName, requestId, text, stream, logStream, fields) {
      for (const sink of sinks) sink.line(functionName, requestId, text, stream, logStream, fields);
    },
    invocation(summary) {
      for (const sink of sinks) sink.invocation?.(summary);
    },
  };
}

/** Drops every line: for callers that only want the Tail. */
export const silentFunctionLogSink: FunctionLogSink = { line() {} };
