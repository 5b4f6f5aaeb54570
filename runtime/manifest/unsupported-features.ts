/**
 * Settings that change how code runs on AWS but that Lambkin does not reproduce yet. Each one present becomes a
 * ManifestWarning saying how local behaviour differs; none is dropped silently. Settings that only matter to
 * deployment (iam, package, deploymentBucket, tags, vpc, plugins …) are not mentioned at all: they change
 * nothing for the code.
 */
import { type KeyPath, type ManifestWarning, manifestWarning } from "./manifest-error.js";
import type { VariableResolver } from "./variable-resolver.js";

/**
 * Function settings (and what Lambkin does instead). The asynchronous-invocation settings (maximumRetryAttempts,
 * maximumEventAge, destinations, onError) are reproduced (async-invocation-config.ts, triggers/async/).
 */
const FUNCTION_SETTINGS: Readonly<Record<string, string>> = {
  layers:
    "layers are not mounted at /opt: code that imports from a layer fails with Runtime.ImportModuleError",
  provisionedConcurrency:
    "provisioned concurrency is not kept warm: environments start on demand, with cold starts",
  url: "the function URL is not served: invoke the function through an http/httpApi event or the Invoke API",
  fileSystemConfig: "the EFS file system is not mounted",
};

/** Provider settings that apply to every function. */
const PROVIDER_SETTINGS: Readonly<Record<string, string>> = {
  layers: FUNCTION_SETTINGS.layers as string,
};

/** Lambda's instruction set architectures; Lambkin runs every function on the host's. */
const ARCHITECTURES = new Set(["x86_64", "arm64"]);

export function functionWarnings(resolver: VariableResolver, functionPath: KeyPath): ManifestWarning[] {
  const warnings = settingWarnings(resolver, functionPath, FUNCTION_SETTINGS);
  const architecture = resolver.shallow([...functionPath, "architecture"]);
  if (architecture !== undefined)
    warnings.push(...architectureWarning(resolver.file, [...functionPath, "architecture"], architecture));
  return warnings;
}

export function providerWarnings(resolver: VariableResolver): ManifestWarning[] {
  const warnings = settingWarnings(resolver, ["provider"], PROVIDER_SETTINGS);
  const architecture = resolver.shallow(["provider", "architecture"]);
  if (architecture !== undefined)
    warnings.push(...architectureWarning(resolver.file, ["provider", "architecture"], architecture));
  return warnings;
}

function settingWarnings(
  resolver: VariableResolver,
  parent: KeyPath,
  settings: Readonly<Record<string, string>>,
): ManifestWarning[] {
  return Object.entries(settings)
    .filter(([key]) => {
      const value = resolver.written([...parent, key]);
      return value !== undefined && value !== null && value !== false;
    })
    .map(([key, effect]) =>
      manifestWarning(
        resolver.file,
        [...parent, key],
        `not supported by Lambkin yet: ${effect}`,
        "LKN_WRN_MANIFEST_UNSUPPORTED",
      ),
    );
}

function architectureWarning(file: string, path: KeyPath, architecture: unknown): ManifestWarning[] {
  if (typeof architecture === "string" && ARCHITECTURES.has(architecture)) return [];
  return [
    manifestWarning(
      file,
      path,
      `${String(architecture)} is not a Lambda architecture (x86_64, arm64); Lambkin runs the function on the host's architecture`,
      "LKN_WRN_MANIFEST_ARCHITECTURE",
    ),
  ];
}
