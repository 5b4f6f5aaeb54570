/**
 * ManifestError and ManifestWarning: how the manifest loader reports a problem in a serverless.yml.
 * Every report names the file and the key path, says what is wrong and how to fix it, so that a user can go
 * straight to the line. Errors stop loading; warnings are returned with the functions and must be shown
 * (nothing the loader skips is skipped silently). Each carries a stable code from Lambkin's catalogue
 * (runtime/errors/lambkin-codes.ts): one per family of problem, so that scripts and people can match on it.
 */
import { coded, type LambkinCode } from "../errors/lambkin-codes.js";

/** A declared resource the local service refuses (LKN_ERR_RESOURCE_*) is reported like any manifest error. */
type ManifestErrorCode = Extract<LambkinCode, `LKN_ERR_MANIFEST_${string}` | `LKN_ERR_RESOURCE_${string}`>;
type ManifestWarningCode = Extract<LambkinCode, `LKN_WRN_${string}`>;

/** A path into the YAML document: `["functions", "hello", "events", 0]` → `functions.hello.events[0]`. */
export type KeyPath = readonly (string | number)[];

export function formatKeyPath(path: KeyPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text;
}

export class ManifestError extends Error {
  override readonly name = "ManifestError";
  /** The file (or folder) the problem is in. */
  readonly file: string;
  /** Where in the file, e.g. `functions.hello.timeout`; empty when the problem is the whole file. */
  readonly keyPath: string;
  /** What is wrong, without the location. */
  readonly problem: string;
  /** What to do about it. */
  readonly fix: string;
  /** The family of problem, from Lambkin's catalogue; `LKN_ERR_MANIFEST_INVALID` for a setting's bad value. */
  readonly code: ManifestErrorCode;

  constructor(
    file: string,
    keyPath: KeyPath | string,
    problem: string,
    fix: string,
    code: ManifestErrorCode = "LKN_ERR_MANIFEST_INVALID",
  ) {
    const where = typeof keyPath === "string" ? keyPath : formatKeyPath(keyPath);
    super(`${file}: ${where ? `${where}: ` : ""}${sentence(problem)} ${sentence(fix)}`);
    this.file = file;
    this.keyPath = where;
    this.problem = problem;
    this.fix = fix;
    this.code = code;
  }
}

export interface ManifestWarning {
  readonly file: string;
  readonly keyPath: string;
  /** What Lambkin does differently from AWS because of it, and what to do. */
  readonly message: string;
  readonly code: ManifestWarningCode;
}

export function manifestWarning(
  file: string,
  keyPath: KeyPath | string,
  message: string,
  code: ManifestWarningCode = "LKN_WRN_MANIFEST_UNSUPPORTED",
): ManifestWarning {
  return { file, keyPath: typeof keyPath === "string" ? keyPath : formatKeyPath(keyPath), message, code };
}

/** Renders a warning the way errors are rendered, for logs: `[LKN_WRN_…] file: key.path: message`. */
export function formatWarning(warning: ManifestWarning): string {
  return coded(
    warning.code,
    `${warning.file}: ${warning.keyPath ? `${warning.keyPath}: ` : ""}${warning.message}`,
  );
}

/** The fields a warning's log line carries besides its text, so that JSON logs can be filtered by code. */
export function warningLogFields(warning: ManifestWarning): Record<string, string> {
  return { code: warning.code, file: warning.file, keyPath: warning.keyPath };
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** Names a value's kind for messages: "a list", "a mapping", "nothing", "the number 3". */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string "${value}"`;
  return `the ${typeof value} ${String(value)}`;
}
