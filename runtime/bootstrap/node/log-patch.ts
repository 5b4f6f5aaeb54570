/**
 * LogPatch: replaces console.trace/debug/info/log/warn/error (and adds console.fatal) so that every call
 * becomes one line on stdout tagged with the current request id, as the RIC's src/LogPatch.js does when
 * it has no telemetry FD (LAMBDA_SEMANTICS §2.7):
 *
 *   Text (default):            `<ISO ts>\t<requestId>\t<LEVEL>\t<util.format(args)>` with inner `\n` → `\r`
 *   AWS_LAMBDA_LOG_FORMAT=JSON: `{"timestamp","level","requestId"[,"tenantId"],"message"[,errorType…]}`
 *
 * AWS_LAMBDA_LOG_LEVEL (either format) turns the levels below it into no-ops; console.fatal always logs.
 * The request id is `undefined` during init and stays the last invoke's id between invokes, like the RIC.
 * `structuredConsole.logError` writes the runtime's own "Invoke Error" / "Uncaught Exception" lines.
 */
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

function writeLine(line: string): void {
  process.stdout.write(`${line.replace(/\n/g, "\r")}\n`);
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
