/**
 * Builds one FunctionDefinition from its entry under `functions:`: each setting is the function's own, else the
 * provider's, else the Serverless Framework's default (runtime nodejs20.x, timeout 6 s, memory 1024 MB,
 * ephemeral storage 512 MB), validated against Lambda's limits. A function with `image:` is a container-image
 * function: no runtime, no handler file, no bootstrap of its own.
 */
import { resolve as resolvePath } from "node:path";
import { asyncInvocationWarnings, readAsyncInvocationConfig } from "./async-invocation-config.js";
import {
  declaresCapacityProvider,
  MANAGED_INSTANCES_DEFAULT_MEMORY_SIZE,
  readCapacityProvider,
} from "./capacity-provider.js";
import type { IntrinsicEvaluator } from "./cloudformation-intrinsics.js";
import { checkBootstrap } from "./custom-runtime-bootstrap.js";
import { buildEnvironment } from "./environment-variables.js";
import { type FunctionDefinition, isNodeRuntime, type LambdaRuntime } from "./function-definition.js";
import { functionEvents } from "./function-events.js";
import { readFunctionImage } from "./function-image-setting.js";
import {
  checkHandler,
  checkInteger,
  EPHEMERAL_STORAGE_SIZE,
  type IntegerLimit,
  MEMORY_SIZE,
  RESERVED_CONCURRENCY,
  TIMEOUT,
} from "./function-settings.js";
import { checkHandlerLocation } from "./handler-location.js";
import { describeValue, type KeyPath, ManifestError, type ManifestWarning } from "./manifest-error.js";
import { checkRuntime } from "./runtime-check.js";
import type { FunctionEntry, ServiceSettings } from "./service-settings.js";
import { functionWarnings } from "./unsupported-features.js";
import { isMapping, type VariableResolver } from "./variable-resolver.js";

export const DEFAULT_RUNTIME: LambdaRuntime = "nodejs20.x";
const IMAGE_RUNTIME: LambdaRuntime = "provided.al2023";
export const DEFAULT_TIMEOUT = 6;
export const DEFAULT_MEMORY_SIZE = 1024;
export const DEFAULT_EPHEMERAL_STORAGE_SIZE = 512;

export interface ServiceContext {
  readonly resolver: VariableResolver;
  readonly evaluator: IntrinsicEvaluator;
  readonly settings: ServiceSettings;
  readonly serviceDir: string;
  readonly warnings: ManifestWarning[];
}

/** The definition, or undefined for a function Lambkin cannot run at all (reported as a warning). */
export async function buildFunction(
  context: ServiceContext,
  entry: FunctionEntry,
  name: string,
): Promise<FunctionDefinition | undefined> {
  const { resolver, evaluator, settings, serviceDir, warnings } = context;
  const { file } = resolver;
  const at = (key: string): KeyPath => [...entry.path, key];
  const body = resolver.shallow(entry.path);
  if (!isMapping(body)) {
    throw new ManifestError(
      file,
      entry.path,
      `must hold the function's settings, not ${describeValue(body)}`,
      "Give it at least a handler, e.g. handler: src/index.handler",
    );
  }
  const image = readFunctionImage(resolver, at("image"));
  const inherited = (key: string): { value: unknown; path: KeyPath } | undefined => {
    for (const path of [at(key), ["provider", key]]) {
      const value = resolver.get(path);
      if (value !== undefined && value !== null) return { value, path };
    }
    return undefined;
  };
  const integer = (key: string, limit: IntegerLimit, fallback: number): number => {
    const setting = inherited(key);
    return setting ? checkInteger(setting.value, limit, file, setting.path) : fallback;
  };

  const runtimeSetting = image ? undefined : inherited("runtime");
  // An image function has no runtime on Lambda (provided.* semantics: no AWS_EXECUTION_ENV) and takes
  // its handler from the CMD (_HANDLER = the command's first word, else the image's own CMD).
  const runtime = image
    ? IMAGE_RUNTIME
    : runtimeSetting
      ? checkRuntime(runtimeSetting.value, file, runtimeSetting.path)
      : DEFAULT_RUNTIME;
  const handler = image
    ? (image.command?.[0] ?? "")
    : checkHandler(resolver.get(at("handler")), runtime, file, at("handler"), (warning) =>
        warnings.push(warning),
      );
  if (!image && isNodeRuntime(runtime)) checkHandlerLocation(handler, serviceDir, file, at("handler"));
  const reserved = resolver.get(at("reservedConcurrency"));
  const environment = buildEnvironment(
    [
      { values: resolver.get(["provider", "environment"]), path: ["provider", "environment"] },
      { values: resolver.get(at("environment")), path: at("environment") },
    ],
    evaluator,
    file,
  );
  const events = functionEvents(resolver, evaluator, at("events"), {
    stackName: settings.stackName,
    region: settings.region,
    functionKey: entry.key,
    functionName: name,
  });
  const asyncInvocation = readAsyncInvocationConfig(resolver, entry.path, (value, path) =>
    evaluator.evaluate(value, path),
  );
  warnings.push(
    ...functionWarnings(resolver, entry.path),
    ...events.warnings,
    ...asyncInvocationWarnings(file, asyncInvocation),
  );
  if (!image) await checkBootstrap(runtime, serviceDir, file, runtimeSetting?.path ?? at("runtime"));
  const memorySize = integer(
    "memorySize",
    MEMORY_SIZE,
    declaresCapacityProvider(resolver, entry.path)
      ? MANAGED_INSTANCES_DEFAULT_MEMORY_SIZE
      : DEFAULT_MEMORY_SIZE,
  );
  const managedInstances = readCapacityProvider(
    resolver,
    entry.path,
    runtime,
    memorySize,
    runtimeSetting?.path ?? at("runtime"),
  );

  return {
    name,
    key: entry.key,
    service: settings.service,
    stage: settings.stage,
    region: settings.region,
    serviceDir,
    manifestPath: file,
    handler,
    runtime,
    timeout: integer("timeout", TIMEOUT, DEFAULT_TIMEOUT),
    memorySize,
    // The Framework documents ephemeralStorageSize per function; a provider-wide value is accepted as a default too.
    ephemeralStorageSize: integer(
      "ephemeralStorageSize",
      EPHEMERAL_STORAGE_SIZE,
      DEFAULT_EPHEMERAL_STORAGE_SIZE,
    ),
    environment,
    reservedConcurrency:
      reserved === undefined || reserved === null
        ? undefined
        : checkInteger(reserved, RESERVED_CONCURRENCY, file, at("reservedConcurrency")),
    events: events.events,
    schedules: events.schedules,
    asyncInvocation,
    ...(image ? { image } : {}),
    ...(managedInstances ? { managedInstances } : {}),
    ...esbuildSettingsOf(resolver),
    ...packageSettingsOf(resolver, entry.path),
    ...artifactOf(resolver, entry.path, serviceDir),
  };
}

/** `custom.esbuild`, for runtime/bundling/: a mapping, else nothing (serverless-esbuild ignores anything else). */
function esbuildSettingsOf(resolver: VariableResolver): { esbuild?: Readonly<Record<string, unknown>> } {
  const value = resolver.get(["custom", "esbuild"]);
  return isMapping(value) ? { esbuild: value as Readonly<Record<string, unknown>> } : {};
}

/**
 * `package.individually` / `package.patterns` of the service and the function (strings only, as the Framework).
 * Only these two keys are resolved: the rest of `package` (artifact, a deploymentBucket …) is deployment's business.
 */
function packageSettingsOf(resolver: VariableResolver, functionPath: KeyPath) {
  const at = (parent: KeyPath, key: string): unknown =>
    isMapping(resolver.shallow(parent)) ? resolver.get([...parent, key]) : undefined;
  const patterns = (parent: KeyPath): string[] => {
    const value = at(parent, "patterns");
    return Array.isArray(value)
      ? value.filter((pattern): pattern is string => typeof pattern === "string")
      : [];
  };
  const individually = (parent: KeyPath): boolean | undefined => {
    const value = at(parent, "individually");
    return typeof value === "boolean" ? value : undefined;
  };
  const service: KeyPath = ["package"];
  const own: KeyPath = [...functionPath, "package"];
  if (!isMapping(resolver.shallow(service)) && !isMapping(resolver.shallow(own))) return {};
  return {
    packaging: {
      individually: individually(own) ?? individually(service) ?? false,
      patterns: [...patterns(service), ...patterns(own)],
      servicePatterns: patterns(service),
    },
  };
}

/** A function's own `package.artifact` (a zip, relative to the service folder). */
function artifactOf(
  resolver: VariableResolver,
  functionPath: KeyPath,
  serviceDir: string,
): { artifact?: string } {
  const own = [...functionPath, "package"];
  if (!isMapping(resolver.shallow(own))) return {};
  const value = resolver.get([...own, "artifact"]);
  return typeof value === "string" && value !== "" ? { artifact: resolvePath(serviceDir, value) } : {};
}
