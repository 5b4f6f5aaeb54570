/**
 * FunctionConfiguration as the control plane returns it (API_FunctionConfiguration, docs/lambda-behaviour.md §3.4), built
 * from a loaded FunctionDefinition. Values Lambkin has no source for are the ones a function deployed with
 * `serverless deploy` and no extra settings would show on AWS:
 * - Role: the Framework's default role, `<service>-<stage>-<region>-lambdaRole` (naming.getRoleName);
 * - Description "", TracingConfig PassThrough, PackageType Zip, LoggingConfig Text to `/aws/lambda/<name>`,
 *   SnapStart off;
 * - Architectures: the host's, which is where Lambkin runs the code whatever the manifest says;
 * - State Active / LastUpdateStatus Successful: a loaded function is invocable at once.
 * ListFunctions returns a subset: no State, LastUpdateStatus nor their reasons (API_ListFunctions note).
 */
import { createHash } from "node:crypto";
import { functionArn } from "../../runtime/invoker/function-arn.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import { LOCAL_ACCOUNT_ID } from "../../runtime/manifest/local-account.js";
import { type CodeFingerprint, lambdaTimestamp } from "./code-fingerprint.js";

export type FunctionConfiguration = Record<string, unknown>;

/** The full configuration (GetFunction, GetFunctionConfiguration). */
export function functionConfiguration(fn: FunctionDefinition, code: CodeFingerprint): FunctionConfiguration {
  const listed = listedFunctionConfiguration(fn, code);
  return { ...listed, State: "Active", LastUpdateStatus: "Successful" };
}

/** The subset ListFunctions returns. */
export function listedFunctionConfiguration(
  fn: FunctionDefinition,
  code: CodeFingerprint,
): FunctionConfiguration {
  const configuration: FunctionConfiguration = {
    FunctionName: fn.name,
    FunctionArn: functionArn(fn),
    // An image function has neither Runtime nor Handler on Lambda; ImageConfig carries its overrides.
    ...(fn.image ? {} : { Runtime: fn.runtime }),
    Role: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${fn.service}-${fn.stage}-${fn.region}-lambdaRole`,
    ...(fn.image ? {} : { Handler: fn.handler }),
    CodeSize: code.codeSize,
    Description: "",
    Timeout: fn.timeout,
    MemorySize: fn.memorySize,
    LastModified: lambdaTimestamp(code.lastModified),
    CodeSha256: code.codeSha256,
    Version: "$LATEST",
    // Lambda leaves Environment out when a function has no variables.
    ...(Object.keys(fn.environment).length > 0 ? { Environment: { Variables: { ...fn.environment } } } : {}),
    TracingConfig: { Mode: "PassThrough" },
    PackageType: fn.image ? "Image" : "Zip",
    Architectures: [process.arch === "arm64" ? "arm64" : "x86_64"],
    EphemeralStorage: { Size: fn.ephemeralStorageSize },
    SnapStart: { ApplyOn: "None", OptimizationStatus: "Off" },
    LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${fn.name}` },
  };
  return { ...configuration, RevisionId: revisionId(configuration) };
}

/** A UUID-shaped id that changes whenever the configuration or the code does (Lambda's RevisionId contract). */
function revisionId(configuration: FunctionConfiguration): string {
  const hex = createHash("sha256").update(JSON.stringify(configuration)).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
