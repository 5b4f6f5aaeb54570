/**
 * The Lambda name of a function: `<service>-<stage>-<key>` as the Serverless Framework names it
 * (naming.getLambdaName), unless the function sets `name:`. Lambda names are at most 64 characters of
 * `[A-Za-z0-9_-]` (CreateFunction's FunctionName constraint).
 */
import { describeValue, formatKeyPath, type KeyPath, ManifestError } from "./manifest-error.js";

const LAMBDA_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function lambdaName(
  service: string,
  stage: string,
  key: string,
  explicit: unknown,
  file: string,
  functionPath: KeyPath,
): string {
  if (explicit !== undefined && explicit !== null) {
    if (typeof explicit === "string" && LAMBDA_NAME.test(explicit)) return explicit;
    throw new ManifestError(
      file,
      [...functionPath, "name"],
      `${describeValue(explicit)} is not a valid Lambda function name`,
      "Use at most 64 letters, digits, - or _",
    );
  }
  const name = `${service}-${stage}-${key}`;
  if (LAMBDA_NAME.test(name)) return name;
  throw new ManifestError(
    file,
    functionPath,
    `its Lambda name "${name}" (<service>-<stage>-<key>) is not valid: Lambda allows at most 64 letters, digits, - or _`,
    `Shorten the service, stage or function key, or set ${formatKeyPath([...functionPath, "name"])} explicitly`,
  );
}
