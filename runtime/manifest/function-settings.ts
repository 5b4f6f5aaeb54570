/**
 * Validation of a function's scalar settings against AWS Lambda's limits: timeout, memory, ephemeral storage,
 * reserved concurrency and the handler string. Each failure names the key that holds the bad value (the
 * function's own key, or `provider.…` when the value is inherited).
 */
import { isNodeRuntime, type LambdaRuntime } from "./function-definition.js";
import {
  describeValue,
  type KeyPath,
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "./manifest-error.js";

export interface IntegerLimit {
  readonly min: number;
  readonly max?: number;
  /** Says what the value means and AWS's limit, e.g. "Lambda allows 1 to 900 seconds". */
  readonly fix: string;
}

export const TIMEOUT: IntegerLimit = { min: 1, max: 900, fix: "Lambda allows 1 to 900 seconds (15 minutes)" };
export const MEMORY_SIZE: IntegerLimit = {
  min: 128,
  max: 10240,
  fix: "Lambda allows 128 to 10240 MB, in 1 MB steps",
};
export const EPHEMERAL_STORAGE_SIZE: IntegerLimit = {
  min: 512,
  max: 10240,
  fix: "Lambda allows 512 to 10240 MB of /tmp",
};
export const RESERVED_CONCURRENCY: IntegerLimit = {
  min: 0,
  fix: "Use 0 to throttle every invocation, or the number of concurrent executions to reserve",
};

/**
 * An integer within the limit. Numeric strings are accepted because CloudFormation converts them for Integer
 * properties, and `${env:…}` always yields strings.
 */
export function checkInteger(value: unknown, limit: IntegerLimit, file: string, path: KeyPath): number {
  const number = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  const inRange =
    typeof number === "number" &&
    Number.isInteger(number) &&
    number >= limit.min &&
    (limit.max === undefined || number <= limit.max);
  if (inRange) return number;
  const range = limit.max === undefined ? `${limit.min} or more` : `from ${limit.min} to ${limit.max}`;
  throw new ManifestError(
    file,
    path,
    `must be a whole number ${range}, not ${describeValue(value)}`,
    limit.fix,
  );
}

const HANDLER_EXAMPLE = "e.g. handler: src/index.handler (file src/index.js, export handler)";

/**
 * AWS accepts any handler of up to 128 non-space characters; for Node.js runtimes the runtime interface client
 * also requires `<path/module>.<export>` and rejects `..` (Runtime.MalformedHandlerName). Whether the module
 * exists is not checked: AWS only finds out at the first invoke (Runtime.ImportModuleError), and so does Lambkin.
 */
export function checkHandler(
  value: unknown,
  runtime: LambdaRuntime,
  file: string,
  path: KeyPath,
  warn: (warning: ManifestWarning) => void,
): string {
  if (value === undefined || value === null) {
    const example = isNodeRuntime(runtime)
      ? HANDLER_EXAMPLE
      : "e.g. handler: function.handler (your bootstrap reads it as _HANDLER)";
    throw new ManifestError(file, path, "is missing: every function needs a handler", `Add one, ${example}`);
  }
  if (typeof value !== "string" || !/^\S{1,128}$/.test(value)) {
    throw new ManifestError(
      file,
      path,
      `must be up to 128 characters without spaces, not ${describeValue(value)}`,
      `Write it as ${HANDLER_EXAMPLE}`,
    );
  }
  if (!isNodeRuntime(runtime)) return value;
  // AWS accepts any handler string at deploy time and the Node.js runtime rejects a malformed one at
  // invoke (Runtime.MalformedHandlerName, RIC UserFunction.js): report it now, fail it like AWS later.
  if (value.includes("..")) {
    warn(
      manifestWarning(
        file,
        path,
        `"${value}" contains "..": every invocation will fail with Runtime.MalformedHandlerName. Give the module's path from the service folder, without ..`,
        "LKN_WRN_MANIFEST_HANDLER_MALFORMED",
      ),
    );
  } else {
    const fileAndExport = value.slice(value.lastIndexOf("/") + 1);
    if (!/^[^.]+\.[^.]/.test(fileAndExport) || value.endsWith(".")) {
      warn(
        manifestWarning(
          file,
          path,
          `"${value}" is not of the form path/file.export: every invocation will fail with Runtime.MalformedHandlerName. Write it as ${HANDLER_EXAMPLE}`,
          "LKN_WRN_MANIFEST_HANDLER_MALFORMED",
        ),
      );
    }
  }
  return value;
}
