/**
 * Where the lines of every execution environment go: the runtime's own output and the platform
 * lines (START/END/REPORT), tagged with the function and request id, through pino.
 */
import type { Logger } from "pino";

export interface FunctionLogSink {
  line(
    functionName: string,
    requestId: string | undefined,
    text: string,
    stream?: "stdout" | "stderr" | "platform",
    fields?: PlatformLineFields,
  ): void;
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
    line(functionName, requestId, text, stream = "platform", fields = {}) {
      logger.info({ fn: functionName, requestId, stream, ...fields }, text);
    },
  };
}

/** Drops every line: for callers that only want the Tail. */
export const silentFunctionLogSink: FunctionLogSink = { line() {} };
