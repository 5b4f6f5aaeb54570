/** The CLI's pino logger: human-readable lines on stderr, or JSON with `--log-format json`. */
import { type Logger, pino } from "pino";
import { BatchedOutput } from "./batched-output.js";
import { type HumanLogOptions, humanLogStream } from "./human-log-stream.js";

export type LogFormat = "pretty" | "json";

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
  return pino({ level, base: undefined, timestamp: format === "json" }, destination);
}
