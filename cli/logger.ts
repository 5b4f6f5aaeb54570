/** The CLI's pino logger: human-readable lines on stderr, or JSON with `--log-format json`. */
import { type Logger, pino } from "pino";
import { type FunctionLogSink, pinoFunctionLogSink } from "../runtime/logs/function-log-sink.js";
import { BatchedOutput } from "./batched-output.js";
import { humanFunctionLogSink } from "./human-function-log-sink.js";
import { type HumanLogOptions, humanLogStream } from "./human-log-stream.js";
import { jsonFunctionLogSink } from "./json-function-log-sink.js";

export type LogFormat = "pretty" | "json";

/** The function log sink that writes to each logger's own output in its format (see functionLogSinkOf). */
const functionLogSinks = new WeakMap<Logger, FunctionLogSink>();

export function createLogger(
  format: LogFormat,
  level = process.env.LAMBKIN_LOG_LEVEL ?? "info",
  human: HumanLogOptions = {},
): Logger {
  // process.stderr, not pino.destination(2): on a pipe whose reader falls behind, sonic-boom's
  // asynchronous writes lost a whole 16 KB batch after EAGAIN (and its synchronous mode sleeps 100 ms
  // per EAGAIN, blocking every invocation). Node writes stdio pipes synchronously on Linux: the reader's
  // pace holds Lambkin back, and no record is lost (https://nodejs.org/api/process.html#a-note-on-process-io).
  // Written in batches (batched-output.ts): three records per invocation otherwise
  // cost a busy worker three pipe writes.
  const output = new BatchedOutput(process.stderr);
  const destination = format === "json" ? output : humanLogStream(output, human);
  const logger = pino({ level, base: undefined, timestamp: format === "json" }, destination);
  const enabled = logger.isLevelEnabled("info");
  functionLogSinks.set(
    logger,
    format === "json"
      ? jsonFunctionLogSink(output, { enabled })
      : humanFunctionLogSink(output, { verbose: human.verbose ?? true, enabled }),
  );
  return logger;
}

/**
 * Where the lines of the functions' environments go for this logger: for the human format, straight to its
 * output as formatted lines (the same lines its pino records would become, without serializing each one to JSON
 * and parsing it back — START, END and REPORT of every invocation were most of the main process's log work);
 * for JSON, the JSON lines its pino records would be, built directly (json-function-log-sink.ts); for a logger
 * made elsewhere, pino records (pinoFunctionLogSink).
 */
export function functionLogSinkOf(logger: Logger): FunctionLogSink {
  return functionLogSinks.get(logger) ?? pinoFunctionLogSink(logger);
}
