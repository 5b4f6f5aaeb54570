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
  ): void;
}

export function pinoFunctionLogSink(logger: Logger): FunctionLogSink {
  return {
    line(functionName, requestId, text, stream = "platform") {
      logger.info({ fn: functionName, requestId, stream }, text);
    },
  };
}

/** Drops every line: for callers that only want the Tail. */
export const silentFunctionLogSink: FunctionLogSink = { line() {} };
