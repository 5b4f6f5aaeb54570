/**
 * Builds a function's environment variables as Lambda would receive them: `provider.environment` merged with the
 * function's `environment` (the function wins, as the Serverless Framework merges them), intrinsic functions
 * computed, values turned into strings (CloudFormation stringifies numbers and booleans), and Lambda's rules
 * enforced: names `[a-zA-Z][a-zA-Z0-9_]+`, no reserved names, at most 4 KB in total (docs/lambda-behaviour.md §1.4).
 */
import type { IntrinsicEvaluator } from "./cloudformation-intrinsics.js";
import { describeValue, type KeyPath, ManifestError } from "./manifest-error.js";
import { isMapping } from "./variable-resolver.js";

/** Set by Lambda itself; AWS rejects a function that sets them ("…contains reserved keys…"). */
export const RESERVED_ENVIRONMENT_VARIABLES: ReadonlySet<string> = new Set([
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_MAX_CONCURRENCY",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
]);

/** Lambda's limit on the total size of a function's environment variables (names and values). */
export const ENVIRONMENT_SIZE_LIMIT = 4096;

const NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/;

export interface EnvironmentSection {
  /** The section's value, variables resolved (undefined when absent). */
  readonly values: unknown;
  readonly path: KeyPath;
}

/** `sections` in increasing precedence: provider's, then the function's. */
export function buildEnvironment(
  sections: readonly EnvironmentSection[],
  evaluator: IntrinsicEvaluator,
  file: string,
): Record<string, string> {
  const winners = new Map<string, { value: unknown; path: KeyPath }>();
  for (const { values, path } of sections) {
    if (values === undefined || values === null) continue;
    if (!isMapping(values))
      throw new ManifestError(
        file,
        path,
        `must be a mapping of NAME: value, not ${describeValue(values)}`,
        "Write one variable per line, e.g. TABLE: coupons",
      );
    for (const [name, value] of Object.entries(values)) winners.set(name, { value, path: [...path, name] });
  }
  const environment: Record<string, string> = {};
  let size = 0;
  for (const [name, { value, path }] of winners) {
    checkName(name, file, path);
    const text = stringify(evaluator.evaluate(value, path), file, path);
    environment[name] = text;
    size += Buffer.byteLength(name) + Buffer.byteLength(text);
  }
  if (size > ENVIRONMENT_SIZE_LIMIT) {
    const where = sections.at(-1)?.path ?? [];
    throw new ManifestError(
      file,
      where,
      `environment variables take ${size} bytes, over Lambda's 4 KB limit`,
      "Shorten them, or move large values into a file or a data store",
    );
  }
  return environment;
}

function checkName(name: string, file: string, path: KeyPath): void {
  if (!NAME.test(name)) {
    throw new ManifestError(
      file,
      path,
      `"${name}" is not a valid environment variable name`,
      "Lambda requires a letter first, then at least one letter, digit or _",
    );
  }
  if (RESERVED_ENVIRONMENT_VARIABLES.has(name)) {
    throw new ManifestError(
      file,
      path,
      `${name} is reserved: Lambda sets it for every function`,
      "Rename the variable",
    );
  }
}

function stringify(value: unknown, file: string, path: KeyPath): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const fix =
    value === null || value === undefined
      ? "Give it a value, or '' for an empty string"
      : "Quote the value, or make it a single string";
  throw new ManifestError(file, path, `must be a string, not ${describeValue(value)}`, fix);
}
