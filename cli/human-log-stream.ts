/**
 * Turns Lambkin's pino records into lines a person reads on a terminal:
 * - an invocation is one line, in its function's colour (the same colour for a name on every run):
 *   `hello │ http GET /hello · success · 12.34 ms (billed 13 ms, init 101.20 ms) · <request id>` — what triggered
 *   it, how it ended (success, the function error's type, timeout, throttled), its duration and billed duration;
 * - the handler's own lines stay, as `hello │ line` (stderr in yellow);
 * - Lambda's START/END/REPORT lines are shown only with `verbose` (`lambkin dev --verbose`; the other commands
 *   always show them), dimmed, REPORT highlighted; the platform's other lines (a timeout, a runtime exit) always;
 * - Lambkin's own messages as `lambkin ▸ message`.
 * `--log-format json` (or LAMBKIN_LOG_FORMAT=json) keeps raw pino JSON: every line and the invocation records.
 */
import { Writable } from "node:stream";
import pc from "picocolors";

interface LogRecord {
  level: number;
  msg?: string;
  fn?: string;
  stream?: "stdout" | "stderr" | "platform";
  event?: string;
  status?: string;
  err?: { message?: string };
}

export interface HumanLogOptions {
  /** Show Lambda's START/END/REPORT lines (default true). */
  readonly verbose?: boolean;
}

const WARN = 40;
const ERROR = 50;
/** Lambda's own bracketing lines, which the one-line summary replaces (docs/lambda-behaviour.md §2.7). */
const BRACKETING_LINE = /^(START|END|REPORT) RequestId: /;

export function humanLogStream(
  output: { write(text: string): unknown } = process.stderr,
  options: HumanLogOptions = {},
): Writable {
  const verbose = options.verbose ?? true;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString("utf8").split("\n")) {
        if (text.length === 0) continue;
        const line = formatRecord(text, verbose);
        if (line !== undefined) output.write(`${line}\n`);
      }
      done();
    },
  });
}

function formatRecord(text: string, verbose: boolean): string | undefined {
  let record: LogRecord;
  try {
    record = JSON.parse(text) as LogRecord;
  } catch {
    return text;
  }
  const message = record.msg ?? record.err?.message ?? "";
  if (record.fn) {
    return record.event === "invocation"
      ? humanSummaryLine(record.fn, record.status, message)
      : humanFunctionLine(record.fn, record.stream, message, verbose);
  }
  const prefix = pc.bold("lambkin ▸");
  if (record.level >= ERROR) return `${prefix} ${pc.red(message)}`;
  if (record.level >= WARN) return `${prefix} ${pc.yellow(message)}`;
  return `${prefix} ${message}`;
}

/**
 * A line of a function's environment as a person reads it (`hello │ line`), or undefined for a START/END/REPORT
 * line when not `verbose`. Shared by the pino records' formatter above and by humanFunctionLogSink, which formats
 * the same lines without the JSON round trip.
 */
export function humanFunctionLine(
  functionName: string,
  stream: LogRecord["stream"],
  message: string,
  verbose: boolean,
): string | undefined {
  if (!verbose && stream === "platform" && BRACKETING_LINE.test(message)) return undefined;
  return `${linePrefix(functionName)}${functionLine(stream, message)}`;
}

/** An invocation's one-line summary (invocation-summary.ts summaryText) in its function's colour. */
export function humanSummaryLine(functionName: string, status: string | undefined, message: string): string {
  return `${linePrefix(functionName)}${summaryLine(status, message)}`;
}

/** `name │ ` in the name's colour, made once per name: every line of a busy function starts with it. */
const prefixes = new Map<string, string>();
const MAX_PREFIXES = 4096;

function linePrefix(functionName: string): string {
  let prefix = prefixes.get(functionName);
  if (prefix === undefined) {
    prefix = `${functionColour(functionName)(functionName)} ${pc.dim("│")} `;
    if (prefixes.size >= MAX_PREFIXES) prefixes.clear();
    prefixes.set(functionName, prefix);
  }
  return prefix;
}

function functionLine(stream: LogRecord["stream"], message: string): string {
  // Lambda's Node runtime writes multi-line messages as one record with `\r` for newlines.
  const readable = message.replaceAll("\r", "\n    ");
  if (stream !== "platform") return stream === "stderr" ? pc.yellow(readable) : readable;
  if (readable.startsWith("REPORT")) return pc.cyan(readable);
  return pc.dim(readable);
}

/** The summary's text (invocation-summary.ts), its status coloured: green success, red error, yellow otherwise. */
function summaryLine(status: string | undefined, message: string): string {
  const parts = message.split(" · ");
  if (parts.length < 4) return message;
  const [trigger, outcome = "", duration = "", ...rest] = parts;
  const colour = status === "success" ? pc.green : status === "error" ? pc.red : pc.yellow;
  return [pc.bold(trigger ?? ""), colour(outcome), duration, pc.dim(rest.join(" · "))].join(pc.dim(" · "));
}

/**
 * Colours a name always gets the same one of: a hash of the name (FNV-1a) picks it, so `orders` is the same colour
 * on every run and on every machine. Red is left to errors.
 */
const PALETTE = [
  pc.cyan,
  pc.magenta,
  pc.green,
  pc.blue,
  pc.yellow,
  pc.cyanBright,
  pc.magentaBright,
  pc.greenBright,
  pc.blueBright,
  pc.yellowBright,
];

export function functionColour(name: string): (text: string) => string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < name.length; index += 1) {
    hash ^= name.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return PALETTE[hash % PALETTE.length] ?? pc.magenta;
}
