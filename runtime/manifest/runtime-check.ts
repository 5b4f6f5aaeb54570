/**
 * Checks a function's `runtime:` against what Lambkin runs, and says why when it cannot: a runtime AWS has
 * deprecated, a language Lambkin does not run yet, or something that is not a Lambda runtime at all.
 */
import { type LambdaRuntime, SUPPORTED_RUNTIMES } from "./function-definition.js";
import { describeValue, type KeyPath, ManifestError } from "./manifest-error.js";

const SUPPORTED = SUPPORTED_RUNTIMES.join(", ");

/** Node.js runtimes before nodejs18.x: AWS blocks creating functions with them (Lambda runtime deprecation policy). */
const DEPRECATED_NODE = /^nodejs(\d+(\.\d+)?(\.x)?)?$/;

/** Managed runtimes of other languages, which need their own runtime interface clients. */
const OTHER_LANGUAGES = /^(python|java|ruby|dotnet|dotnetcore|go)\d*/;

export function checkRuntime(value: unknown, file: string, path: KeyPath): LambdaRuntime {
  if (typeof value !== "string") {
    throw new ManifestError(
      file,
      path,
      `must be a runtime name, not ${describeValue(value)}`,
      `Use one of: ${SUPPORTED}`,
    );
  }
  if ((SUPPORTED_RUNTIMES as readonly string[]).includes(value)) return value as LambdaRuntime;
  // `nodejs` alone is the original Node.js 0.10 runtime.
  if (DEPRECATED_NODE.test(value) && !(Number.parseInt(value.slice("nodejs".length), 10) >= 18)) {
    throw new ManifestError(
      file,
      path,
      `${value} is deprecated on AWS Lambda: new functions cannot use it`,
      `Use a current Node.js runtime: ${SUPPORTED}`,
      "LKN_ERR_MANIFEST_RUNTIME_UNSUPPORTED",
    );
  }
  if (OTHER_LANGUAGES.test(value)) {
    throw new ManifestError(
      file,
      path,
      `${value} is not supported: Lambkin runs Node.js and custom runtimes (${SUPPORTED})`,
      "Use provided.al2023 with a bootstrap, or wait for a later Lambkin",
      "LKN_ERR_MANIFEST_RUNTIME_UNSUPPORTED",
    );
  }
  throw new ManifestError(
    file,
    path,
    `"${value}" is not a runtime Lambkin knows`,
    `Use one of: ${SUPPORTED}`,
    "LKN_ERR_MANIFEST_RUNTIME_UNSUPPORTED",
  );
}
