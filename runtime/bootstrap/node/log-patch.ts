/**
 * LogPatch: replaces console.trace/debug/info/log/warn/error (and adds console.fatal) so that every call
 * becomes one line on stdout tagged with the current request id, as the RIC's src/LogPatch.js does when
 * it has no telemetry FD (docs/lambda-behaviour.md §2.7):
 *
 *   Text (default):            `<ISO ts>\t<requestId>\t<LEVEL>\t<util.format(args)>` with inner `\n` → `\r`
 *   AWS_LAMBDA_LOG_FORMAT=JSON: `{"timestamp","level","requestId"[,"tenantId"],"message"[,errorType…]}`
 *
 * AWS_LAMBDA_LOG_LEVEL (either format) turns the levels below it into no-ops; console.fatal always logs.
 * The request id is `undefined` during init and stays the last invoke's id between invokes, like the RIC.
 * `structuredConsole.logError` writes the runtime's own "Invoke Error" / "Uncaught Exception" lines.
 *
 * Each record is written synchronously, as the RIC writes each record to its telemetry fd
 * (fs.writeSync): when the handler returns, all it logged is out of the process, ahead of the
 * /response that ends the invocation. process.stdout on a pipe or socket is asynchronous in Node: what
 * it still buffered when the environment was frozen after /response landed in later invocations'
 * logs, or was lost when the environment was killed.
 */
import { writeSync } from "node:fs";
import { format } from "node:util";
import { intoError, toFormatted } from "./errors.js";

interface Level {
  readonly name: string;
  readonly priority: number;
}

const LEVELS: Readonly<Record<string, Level>> = {
  TRACE: { name: "TRACE", priority: 1 },
  DEBUG: { name: "DEBUG", priority: 2 },
  INFO: { name: "INFO", priority: 3 },
  WARN: { name: "WARN", priority: 4 },
  ERROR: { name: "ERROR", priority: 5 },
  FATAL: { name: "FATAL", priority: 6 },
};

// Global symbols, as in the RIC, so that a second copy of the runtime (or a tool) sees the same ids.
const REQUEST_ID = Symbol.for("aws.lambda.runtime.requestId");
const TENANT_ID = Symbol.for("aws.lambda.runtime.tenantId");
const globals = globalThis as unknown as Record<symbol, string | undefined>;

export function setCurrentRequestId(id: string | undefined): void {
  globals[REQUEST_ID] = id;
}

export function setCurrentTenantId(id: string | undefined): void {
  globals[TENANT_ID] = id;
}

type Log = (level: Level, message?: unknown, ...params: unknown[]) => void;

const STDOUT_FD = 1;
/** A synchronous pause while the reader catches up with a non-blocking fd (EAGAIN). */
const pause = new Int32Array(new SharedArrayBuffer(4));

function writeLine(line: string): void {
  writeFully(STDOUT_FD, Buffer.from(`${line.replace(/\n/g, "\r")}\n`));
}

/**
 * Writes all of `bytes` before returning. fd 1 is blocking unless something made it non-blocking
 * (creating process.stdout on a pipe or socket does): then wait for room, still synchronously, so
 * that the records stay whole and in order.
 */
function writeFully(fd: number, bytes: Buffer): void {
  let written = 0;
  while (written < bytes.length) {
    try {
      written += writeSync(fd, bytes, written, bytes.length - written);
    } catch (error) {
      // Anything else (EPIPE: nobody reads the log any more) drops the record, as a console would.
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") return;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

const logText: Log = (level, message, ...params) => {
  const time = new Date().toISOString();
  writeLine(`${time}\t${globals[REQUEST_ID]}\t${level.name}\t${format(message, ...params)}`);
};

/** Same shape as the RIC's jsonErrorReplacer: errors become {errorType, errorMessage, stackTrace, …own}. */
function jsonErrorReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  return Object.assign(
    {
      errorType: value?.constructor?.name ?? "UnknownError",
      errorMessage: value.message,
      stackTrace: typeof value.stack === "string" ? value.stack.split("\n") : value.stack,
    },
    value,
  );
}

function formatJsonMessage(level: Level, messageParams: unknown[]): string {
  const result: Record<string, unknown> = {
    timestamp: new Date().toISOString(),
    level: level.name,
    requestId: globals[REQUEST_ID],
  };
  const tenantId = globals[TENANT_ID];
  if (tenantId !== undefined && tenantId !== null) result.tenantId = tenantId;

  if (messageParams.length === 1) {
    result.message = messageParams[0];
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch {
      result.message = format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = format(...messageParams);
  const error = messageParams.find((p): p is Error => p instanceof Error);
  if (error) {
    result.errorType = error?.constructor?.name ?? "UnknownError";
    result.errorMessage = error.message;
    result.stackTrace = typeof error.stack === "string" ? error.stack.split("\n") : [];
  }
  return JSON.stringify(result);
}

const logJson: Log = (level, message, ...params) => writeLine(formatJsonMessage(level, [message, ...params]));

const noop = (): void => {};

/** Applies AWS_LAMBDA_LOG_LEVEL (default TRACE: everything) as the RIC's `_patchConsoleWith`. */
function patchConsoleWith(log: Log): void {
  const minimum = LEVELS[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase() ?? ""] ?? LEVELS.TRACE;
  const at = (level: Level) =>
    level.priority >= (minimum?.priority ?? 1)
      ? (message?: unknown, ...params: unknown[]) => log(level, message, ...params)
      : noop;
  const patched = console as unknown as Record<string, unknown>;
  patched.trace = at(LEVELS.TRACE as Level);
  patched.debug = at(LEVELS.DEBUG as Level);
  patched.info = at(LEVELS.INFO as Level);
  patched.log = patched.info;
  patched.warn = at(LEVELS.WARN as Level);
  patched.error = at(LEVELS.ERROR as Level);
  patched.fatal = (message?: unknown, ...params: unknown[]) => log(LEVELS.FATAL as Level, message, ...params);
}

// Resolved once, when the console is patched (as the RIC does), not on every call.
let jsonFormat = false;

export const structuredConsole = {
  /** Text: `<label> \t{formatted error}` at ERROR level; JSON: the error object alone (label dropped). */
  logError: (label: string, err: unknown): void => {
    if (jsonFormat) console.error(intoError(err));
    else console.error(label, toFormatted(intoError(err)));
  },
};

export function patchConsole(): void {
  jsonFormat = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === "JSON";
  patchConsoleWith(jsonFormat ? logJson : logText);
}
