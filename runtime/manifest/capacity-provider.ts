/**
 * A function's `capacityProvider` (Serverless Framework v4, "AWS Lambda Managed Instances",
 * https://www.serverless.com/framework/docs/providers/aws/guide/managed-instances): the function runs on Lambda
 * Managed Instances, where one execution environment takes several invocations at once
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html).
 *
 *   capacityProvider: default | <name under provider.capacityProviders> | <capacity provider ARN> | !GetAtt …
 *   capacityProvider: { name, maxConcurrency (1–1600), memoryPerVCpu (2, 4 or 8), scaling: { min, max } }
 *
 * What Lambkin takes from it (docs/lambda-behaviour.md "Lambda Managed Instances"): the per-environment
 * concurrency (CloudFormation's PerExecutionEnvironmentMaxConcurrency; for Node.js 64 per vCPU unless set,
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-nodejs-runtime.html) and the vCPUs of an
 * environment (memory ÷ memory per vCPU), which set the Node runtime's default worker-thread count, and the
 * function's `scaling` (CloudFormation's FunctionScalingConfig, Min/MaxExecutionEnvironments 0–15000,
 * https://docs.aws.amazon.com/lambda/latest/api/API_FunctionScalingConfig.html): `min` environments are started
 * ahead and kept, and no more than `max` run (environment-pool.ts). Instance types, VPCs, operator roles and the
 * provider's own scaling matter to deployment only. Lambda supports Managed Instances on nodejs22.x and later and on
 * provided.al2023 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-runtimes.html); on
 * any other runtime the setting is a manifest error, as a deployment would fail.
 */
import type { LambdaRuntime } from "./function-definition.js";
import { checkInteger } from "./function-settings.js";
import { describeValue, type KeyPath, ManifestError } from "./manifest-error.js";
import { isMapping, type VariableResolver } from "./variable-resolver.js";

export interface ManagedInstancesConfig {
  /** The capacity provider: `default`, a name under provider.capacityProviders, an ARN, or `(external)`. */
  readonly capacityProvider: string;
  /** Invocations one execution environment takes at once (AWS_LAMBDA_MAX_CONCURRENCY). */
  readonly maxConcurrency: number;
  /** GiB of memory per vCPU: 2, 4 or 8. */
  readonly memoryGiBPerVCpu: number;
  /** The vCPUs of one environment: its memory divided by memoryGiBPerVCpu. */
  readonly vCpus: number;
  /** `scaling.min`: environments started ahead and kept however idle (0: on demand). */
  readonly minEnvironments: number;
  /** `scaling.max`: environments at most; an invocation none of them has room for is throttled. */
  readonly maxEnvironments?: number;
}

/** The memory an environment on Managed Instances has unless `memorySize` says otherwise (the Framework's default). */
export const MANAGED_INSTANCES_DEFAULT_MEMORY_SIZE = 2048;
const MANAGED_RUNTIMES: readonly LambdaRuntime[] = ["nodejs22.x", "nodejs24.x", "provided.al2023"];
/** Node.js's default PerExecutionEnvironmentMaxConcurrency, per vCPU. */
const NODE_CONCURRENCY_PER_VCPU = 64;
const MEMORY_PER_VCPU = [2, 4, 8];
const ARN =
  /^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d:\d{12}:capacity-provider:[a-zA-Z0-9-_]+$/;
const MAX_CONCURRENCY = {
  min: 1,
  max: 1600,
  fix: "Lambda allows 1 to 1600 concurrent invocations per execution environment",
};
const EXECUTION_ENVIRONMENTS = {
  min: 0,
  max: 15000,
  fix: "Lambda allows 0 to 15000 execution environments (FunctionScalingConfig)",
};

/** Whether a function entry declares a capacity provider at all (decides the default memory size). */
export function declaresCapacityProvider(resolver: VariableResolver, functionPath: KeyPath): boolean {
  const value = resolver.shallow([...functionPath, "capacityProvider"]);
  return value !== undefined && value !== null;
}

export function readCapacityProvider(
  resolver: VariableResolver,
  functionPath: KeyPath,
  runtime: LambdaRuntime,
  memorySize: number,
  runtimePath: KeyPath,
): ManagedInstancesConfig | undefined {
  const { file } = resolver;
  const path: KeyPath = [...functionPath, "capacityProvider"];
  const value = resolver.get(path);
  if (value === undefined || value === null) return undefined;
  if (!MANAGED_RUNTIMES.includes(runtime)) {
    throw new ManifestError(
      file,
      runtimePath,
      `${runtime} cannot run on Lambda Managed Instances (capacityProvider is set)`,
      `Use ${MANAGED_RUNTIMES.join(", ")}, or remove capacityProvider`,
    );
  }
  const settings = isMapping(value) && "name" in value ? value : { name: value };
  const capacityProvider = providerName(resolver, settings.name, isMapping(value) ? [...path, "name"] : path);
  const ratioPath: KeyPath = [...path, "memoryPerVCpu"];
  const ratio = settings.memoryPerVCpu ?? 2;
  if (typeof ratio !== "number" || !MEMORY_PER_VCPU.includes(ratio)) {
    throw new ManifestError(
      file,
      ratioPath,
      `must be 2, 4 or 8 (GiB of memory per vCPU), not ${describeValue(ratio)}`,
      "Lambda Managed Instances support 2, 4 or 8 GiB per vCPU",
    );
  }
  const vCpus = Math.floor(memorySize / 1024 / ratio);
  if (vCpus < 1) {
    throw new ManifestError(
      file,
      [...functionPath, "memorySize"],
      `gives an environment less than one vCPU at ${ratio} GiB per vCPU (${memorySize} MB)`,
      `Use a memorySize of at least ${ratio * 1024} MB, or a smaller capacityProvider.memoryPerVCpu`,
    );
  }
  const concurrencyPath: KeyPath = [...path, "maxConcurrency"];
  let maxConcurrency: number;
  if (settings.maxConcurrency !== undefined && settings.maxConcurrency !== null) {
    maxConcurrency = checkInteger(settings.maxConcurrency, MAX_CONCURRENCY, file, concurrencyPath);
  } else if (runtime.startsWith("nodejs")) {
    maxConcurrency = Math.min(MAX_CONCURRENCY.max, NODE_CONCURRENCY_PER_VCPU * vCpus);
  } else {
    throw new ManifestError(
      file,
      concurrencyPath,
      `is required for ${runtime}: AWS documents no default concurrency for custom runtimes`,
      "Set how many invocations one environment takes at once, e.g. maxConcurrency: 32",
    );
  }
  const { minEnvironments, maxEnvironments } = readScaling(resolver, [...path, "scaling"], settings.scaling);
  return {
    capacityProvider,
    maxConcurrency,
    memoryGiBPerVCpu: ratio,
    vCpus,
    minEnvironments,
    ...(maxEnvironments === undefined ? {} : { maxEnvironments }),
  };
}

/** `scaling: { min, max }`, each optional, min ≤ max. */
function readScaling(
  resolver: VariableResolver,
  path: KeyPath,
  scaling: unknown,
): { minEnvironments: number; maxEnvironments: number | undefined } {
  const { file } = resolver;
  if (scaling === undefined || scaling === null) return { minEnvironments: 0, maxEnvironments: undefined };
  if (!isMapping(scaling)) {
    throw new ManifestError(
      file,
      path,
      `must be a mapping with min and/or max, not ${describeValue(scaling)}`,
      "Write scaling: { min: 1, max: 5 } (execution environments)",
    );
  }
  const read = (key: "min" | "max") =>
    scaling[key] === undefined || scaling[key] === null
      ? undefined
      : checkInteger(scaling[key], EXECUTION_ENVIRONMENTS, file, [...path, key]);
  const min = read("min") ?? 0;
  const max = read("max");
  if (max !== undefined && min > max) {
    throw new ManifestError(
      file,
      [...path, "min"],
      `is ${min}, more than scaling.max (${max})`,
      "Make min at most max",
    );
  }
  return { minEnvironments: min, maxEnvironments: max };
}

function providerName(resolver: VariableResolver, name: unknown, path: KeyPath): string {
  // An intrinsic function (`!GetAtt MyProvider.Arn`, `!Ref`, `!ImportValue`) names a provider made elsewhere.
  if (isMapping(name) && Object.keys(name).some((key) => key === "Ref" || key.startsWith("Fn::")))
    return "(external)";
  if (typeof name === "string" && (name === "default" || ARN.test(name))) return name;
  const declared = resolver.get(["provider", "capacityProviders"]);
  if (typeof name === "string" && isMapping(declared) && Object.hasOwn(declared, name)) return name;
  throw new ManifestError(
    resolver.file,
    path,
    `names no capacity provider: ${describeValue(name)}`,
    "Use default, a name declared under provider.capacityProviders, or a capacity provider's ARN",
  );
}
