/**
 * A function packaged as a container image (Lambda's PackageType Image): any Lambda-compatible image —
 * one built on AWS's base images with their runtime interface client, say — runs unchanged, with its
 * own ENTRYPOINT and CMD, given AWS_LAMBDA_RUNTIME_API. Serverless Framework writes it as
 * `functions.<key>.image` (a URI, or `{name|uri, command, entryPoint, workingDirectory}`).
 *
 * FunctionDefinition has no field for it yet: the manifest loader must copy that key into
 * `FunctionDefinition.image` (this shape). Until then the docker sandbox honours it on definitions
 * built in code, and functions without it run in Lambkin's runtime image for their runtime.
 */
import type { FunctionDefinition } from "../../manifest/function-definition.js";

export interface FunctionImage {
  readonly name: string;
  readonly command?: readonly string[];
  readonly entryPoint?: readonly string[];
  readonly workingDirectory?: string;
}

export type FunctionWithImage = FunctionDefinition & { readonly image?: string | FunctionImage };

export function functionImageOf(fn: FunctionDefinition): FunctionImage | undefined {
  const image = (fn as FunctionWithImage).image;
  if (image === undefined) return undefined;
  return typeof image === "string" ? { name: image } : image;
}
