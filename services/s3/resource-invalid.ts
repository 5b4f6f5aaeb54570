/**
 * The error for a declared resource's property that CloudFormation or the service would refuse: a ManifestError
 * (file, key path, problem, fix) with the code of the resource family, LKN_ERR_RESOURCE_INVALID.
 */
import { type KeyPath, ManifestError } from "../../runtime/manifest/manifest-error.js";
import type { ServiceResource } from "../../runtime/manifest/service-resources.js";

export function resourceInvalid(
  resource: ServiceResource,
  path: KeyPath,
  problem: string,
  fix: string,
): ManifestError {
  return new ManifestError(resource.manifestPath, path, problem, fix, "LKN_ERR_RESOURCE_INVALID");
}
