/**
 * Turns Lambkin's pino records into lines a person reads on a terminal: function output as
 * `name │ line` (platform lines dimmed, REPORT highlighted), Lambkin's own messages as
 * `lambkin ▸ message`. `--log-format json` (or LAMBKIN_LOG_FORMAT=json) keeps raw pino JSON.
 */
import { Writable } from "node:stream";
import pc from "picocolors";

interface LogRecord {
  level: number;
  msg?: string;
  fn?: string;
  stream?: "stdout" | "stderr" | "platform";
  /** Beside a START line: the code revision that runs it (runtime/logs/function-log-sink.ts). */
  codeRevision?: string;
  err?: { message?: string };
}

const WARN = 40;
const ERROR = 50;

export function humanLogStream(output: NodeJS.WritableStream = process.stderr): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString("utf8").split("\n")) {
        if (text.length > 0) output.write(`${formatRecord(text)}\n`);
      }
      done();
    },
  });
}

function formatRecord(text: string): string {
  let record: LogRecord;
  try {
    record = JSON.parse(text) as LogRecord;
  } catch {
    return text;
  }
  const message = record.msg ?? record.err?.message ?? "";
  if (record.fn) return `${pc.magenta(record.fn)} ${pc.dim("│")} ${functionLine(record, message)}`;
  const prefix = pc.bold("lambkin ▸");
  if (record.level >= ERROR) return `${prefix} ${pc.red(message)}`;
  if (record.level >= WARN) return `${prefix} ${pc.yellow(message)}`;
  return `${prefix} ${message}`;
}

function functionLine(record: LogRecord, message: string): string {
  // Lambda's Node runtime writes multi-line messages as one record with `\r` for newlines.
  const readable = message.replaceAll("\r", "\n    ");
  if (record.stream !== "platform") return record.stream === "stderr" ? pc.yellow(readable) : readable;
  if (readable.startsWith("REPORT")) return pc.cyan(readable);
  if (record.codeRevision) return pc.dim(`${readable} (revision ${record.codeRevision})`);
  return pc.dim(readable);
}
