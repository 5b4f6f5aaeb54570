/**
 * Errors: the `Runtime.*` error types the bootstrap raises, and how any thrown or passed value becomes
 * the Runtime API's error body `{errorType, errorMessage, trace}` (docs/lambda-behaviour.md §2.4).
 *
 * Reproduces the RIC's src/Errors.js: error names live on the prototype (`Runtime.<Class>`), so they
 * never show up as an own `name` key when an error is logged; a value that is not an Error becomes
 * `{errorType: typeof v, errorMessage: v.toString(), trace: []}` (a string "boom" → errorType "string").
 */
import { types } from "node:util";

export interface RapidError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

interface ErrorLike {
  name: string;
  message: string;
  stack: string;
}

/** The RIC's `_isError`: duck-typed errors (name, message and stack all non-empty strings). */
function isErrorLike(value: unknown): value is ErrorLike {
  const v = value as Partial<ErrorLike> | null | undefined;
  return (
    !!v &&
    !!v.name &&
    !!v.message &&
    !!v.stack &&
    typeof v.name === "string" &&
    typeof v.message === "string" &&
    typeof v.stack === "string"
  );
}

/** The body posted to /error and /init/error. `\x7F` is escaped as the RIC does (it breaks headers). */
export function toRapidResponse(error: unknown): RapidError {
  try {
    if (types.isNativeError(error) || isErrorLike(error)) {
      const e = error as ErrorLike;
      return {
        errorType: e.name?.replaceAll("\x7F", "%7F"),
        errorMessage: e.message?.replaceAll("\x7F", "%7F"),
        trace: e.stack.replaceAll("\x7F", "%7F").split("\n"),
      };
    }
    return {
      errorType: typeof error,
      errorMessage: (error as { toString(): string }).toString(),
      trace: [],
    };
  } catch {
    // Same fallback (and same absence of `trace`) as the RIC.
    return {
      errorType: "handled",
      errorMessage:
        "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
    };
  }
}

/** The RIC's `intoError`: what the "Invoke Error" log line formats. */
export function intoError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Error name/message/code/stack are not enumerable; the log line shows them plus any own properties. */
function withEnumerableProperties(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const ret: Record<string, unknown> = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: (value as { code?: unknown }).code },
    value as object,
  );
  if (typeof value.stack === "string") ret.stack = value.stack.split("\n");
  return ret;
}

/** `\t{json}` — for compatibility the formatted error always starts with a tab (RIC toFormatted). */
export function toFormatted(error: unknown): string {
  try {
    return `\t${JSON.stringify(error, (_k, v) => withEnumerableProperties(v))}`;
  } catch {
    return `\t${JSON.stringify(toRapidResponse(error))}`;
  }
}

/** `new X(value)` stringifies its argument like `new Error(value)` does (an Error → "Error: msg"). */
class RuntimeError extends Error {
  constructor(message?: unknown) {
    super(message === undefined ? undefined : String(message));
  }
}

export class ImportModuleError extends RuntimeError {}
export class HandlerNotFound extends RuntimeError {}
export class MalformedHandlerName extends RuntimeError {}
export class UserCodeSyntaxError extends RuntimeError {}
export class MalformedStreamingHandler extends RuntimeError {}
export class InvalidStreamingOperation extends RuntimeError {}
/** Node 24's RIC: callback-style handlers are refused at init (docs/lambda-behaviour.md §2.6). */
export class CallbackHandlerDeprecated extends RuntimeError {}
/** Node 24's RIC: the result could not be serialized (the Node ≤22 RIC throws a plain Error). */
export class JSONStringifyError extends RuntimeError {
  constructor() {
    super("Unable to stringify response body");
  }
}

/** The loop drained while an async handler's promise was still pending. */
export class NodeJsExit extends RuntimeError {
  constructor() {
    super(
      "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes",
    );
  }
}

export class UnhandledPromiseRejection extends RuntimeError {
  readonly reason: unknown;
  readonly promise: unknown;
  constructor(reason: unknown, promise: unknown) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}

for (const errorClass of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  CallbackHandlerDeprecated,
  JSONStringifyError,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  errorClass.prototype.name = `Runtime.${errorClass.name}`;
}
