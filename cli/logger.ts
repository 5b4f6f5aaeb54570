/** The CLI's pino logger: human-readable lines on stderr, or JSON with `--log-format json`. */
import { type Logger, pino } from "pino";
import { humanLogStream } from "./human-log-stream.js";

export type LogFormat = "pretty" | "json";

export function createLogger(format: LogFormat, level = process.env.LAMBKIN_LOG_LEVEL ?? "info"): Logger {
  const destination = format === "json" ? pino.destination(2) : humanLogStream();
  return pino({ level, base: undefined, timestamp: format === "json" }, destination);
}
