/**
 * A function packaged as a container image (Lambda's PackageType Image): any Lambda-compatible image —
 * one built on AWS's base images with their runtime interface client, say — runs unchanged, with its
 * own ENTRYPOINT and CMD, given AWS_LAMBDA_RUNTIME_API. The manifest loader reads it from
 * `functions.<key>.image` (runtime/manifest/function-image-setting.ts).
 */
import type { FunctionDefinition, FunctionImage } from "../../manifest/function-definition.js";

export type { FunctionImage };

export function functionImageOf(fn: FunctionDefinition): FunctionImage | undefined {
  return fn.image;
}
