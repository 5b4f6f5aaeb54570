/**
 * FunctionDefinition: one Lambda function as Lambkin runs it, fully resolved from a service's
 * serverless.yml (variables substituted, provider defaults applied, validated).
 * Everything below the manifest loader (invoker, pool, sandboxes) sees only this shape.
 */
import type { CodeRevision } from "../revision/code-revision.js";
import type { AsyncInvocationConfig } from "./async-invocation-config.js";
import type { ManagedInstancesConfig } from "./capacity-provider.js";
import type { ScheduleRule } from "./schedule-rule.js";

/** Runtimes Lambkin runs. nodejs24.x is async-only (callback handlers fail at init, docs/lambda-behaviour.md §2.6). */
export const SUPPORTED_RUNTIMES = [
  "nodejs18.x",
  "nodejs20.x",
  "nodejs22.x",
  "nodejs24.x",
  "provided",
  "provided.al2",
  "provided.al2023",
] as const;

export type LambdaRuntime = (typeof SUPPORTED_RUNTIMES)[number];

export function isNodeRuntime(runtime: LambdaRuntime): boolean {
  return runtime.startsWith("nodejs");
}

/**
 * A function packaged as a container image (Lambda's PackageType Image): any Lambda-compatible image runs
 * with its own ENTRYPOINT and CMD (or these overrides, Lambda's ImageConfig), given AWS_LAMBDA_RUNTIME_API.
 */
export interface FunctionImage {
  /** The image reference the Docker engine resolves (`repo:tag`, `repo@sha256:…`). */
  readonly name: string;
  readonly command?: readonly string[];
  readonly entryPoint?: readonly string[];
  readonly workingDirectory?: string;
}

export interface FunctionDefinition {
  /** The Lambda function name: `<service>-<stage>-<key>` or the function's `name:`. */
  readonly name: string;
  /** The key under `functions:` in serverless.yml. */
  readonly key: string;
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  /** Absolute path of the service folder: the function's code, LAMBDA_TASK_ROOT. */
  readonly serviceDir: string;
  /** Absolute path of the serverless.yml it was read from (for error messages). */
  readonly manifestPath: string;
  /** `_HANDLER`, e.g. `src/index.handler`. For provided runtimes it is passed through as-is. */
  readonly handler: string;
  readonly runtime: LambdaRuntime;
  /** Seconds, 1–900. */
  readonly timeout: number;
  /** MB, 128–10240. */
  readonly memorySize: number;
  /** MB, 512–10240 (/tmp size; used by the docker sandbox). */
  readonly ephemeralStorageSize: number;
  /** provider.environment merged with the function's own environment (function wins). */
  readonly environment: Readonly<Record<string, string>>;
  /** undefined = draws from the account's unreserved pool; 0 = throttle everything. */
  readonly reservedConcurrency: number | undefined;
  /**
   * Set when the function runs on Lambda Managed Instances (`capacityProvider`): one environment takes up to
   * `maxConcurrency` invocations at once, is never frozen, and a timeout fails only the invocation that ran out.
   */
  readonly managedInstances?: ManagedInstancesConfig;
  /** Set for container-image functions (`image:`), which only the docker sandbox can run. */
  readonly image?: FunctionImage;
  /** The function's `events:` entries, resolved but uninterpreted (the gateway and triggers read them). */
  readonly events: readonly Readonly<Record<string, unknown>>[];
  /** The scheduled rules its `schedule` events create, parsed and validated (the scheduler fires them). */
  readonly schedules: readonly ScheduleRule[];
  /** Retries, event age, destinations and dead-letter queue of its asynchronous invocations (§5). */
  readonly asyncInvocation: AsyncInvocationConfig;
  /**
   * The content hash of the service folder this definition was made with (runtime/revision/code-revision.ts):
   * environments are kept per function and revision. Absent only for definitions built without a folder to hash.
   */
  readonly codeRevision?: CodeRevision;
  /** The service's `custom.esbuild` (serverless-esbuild's settings), resolved: how a TypeScript handler is bundled. */
  readonly esbuild?: Readonly<Record<string, unknown>>;
  /** `package` of the service and of the function (Serverless Framework v3), for `lambkin package` (runtime/packaging/). */
  readonly packaging?: PackageSettings;
  /**
   * The function's `package.artifact`, absolute: a zip its environments run from, extracted once per content
   * (runtime/packaging/artifact-extract.ts) instead of the service folder.
   */
  readonly artifact?: string;
}

export interface PackageSettings {
  /** `package.individually` (the function's own wins): one zip per function rather than one per service. */
  readonly individually: boolean;
  /** `package.patterns` of the service, then of the function, in order (`!` excludes): a zip of its own. */
  readonly patterns: readonly string[];
  /** `package.patterns` of the service alone: what a service-wide zip uses (function patterns count only individually). */
  readonly servicePatterns: readonly string[];
}
