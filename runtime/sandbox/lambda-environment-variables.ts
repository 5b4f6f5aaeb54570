/**
 * The environment variables an execution environment starts with (docs/lambda-behaviour.md §1.4): Lambda's
 * reserved and default variables plus the function's own, and nothing of the host's environment
 * (serverless-offline#78: functions must not see or clobber a shared process.env).
 */
import { MANAGED_VCPUS_VARIABLE } from "../bootstrap/node/managed-runtime.js";
import { isNodeRuntime } from "../manifest/function-definition.js";
import type { SandboxSpec } from "./sandbox.js";

export interface EnvironmentPaths {
  /** LAMBDA_TASK_ROOT: /var/task on Lambda, the service folder in the process sandbox. */
  readonly taskRoot: string;
  /** LAMBDA_RUNTIME_DIR: /var/runtime on Lambda, where the bootstrap lives. */
  readonly runtimeDir: string;
  /** Where the node binary lives (Lambda: /var/lang/bin), put first on PATH for nodejs runtimes. */
  readonly nodeBinDir?: string;
}

/** Fixed local credentials handed to every function (Lambda hands each one its role's): local stand-in services accept any. */
export interface FunctionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export const LOCAL_CREDENTIALS: FunctionCredentials = {
  accessKeyId: "LKIALAMBKINLOCAL0000",
  secretAccessKey: "lambkin/local/secret/access/key/0000000000",
  sessionToken: "lambkin-local-session-token",
};

const LAMBDA_PATH = "/usr/local/bin:/usr/bin/:/bin:/opt/bin";

export function lambdaEnvironmentVariables(
  spec: SandboxSpec,
  paths: EnvironmentPaths,
  credentials: FunctionCredentials = LOCAL_CREDENTIALS,
): Record<string, string> {
  const { fn } = spec;
  const node = isNodeRuntime(fn.runtime);
  const endpoints = spec.serviceEndpoints;
  const own = endpoints
    ? Object.fromEntries(
        Object.entries(fn.environment).map(([name, value]) => [name, endpoints.localize(value)]),
      )
    : fn.environment;
  const variables: Record<string, string> = {
    // Unreserved defaults first: the function's own environment may override these.
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    PATH: node && paths.nodeBinDir ? `${paths.nodeBinDir}:${LAMBDA_PATH}` : LAMBDA_PATH,
    LD_LIBRARY_PATH: [
      "/lib64",
      "/usr/lib64",
      paths.runtimeDir,
      `${paths.runtimeDir}/lib`,
      paths.taskRoot,
      `${paths.taskRoot}/lib`,
      "/opt/lib",
    ].join(":"),
    AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
    AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
    ...(node ? { NODE_PATH: nodePath(fn.runtime, paths) } : {}),
    // Not reserved on Lambda: a function that names its own endpoint (another DynamoDB, say) keeps it.
    ...endpoints?.variables(),
    ...own,
    // Reserved: the manifest loader rejects these keys in `environment`, and Lambda sets them last.
    _HANDLER: fn.handler,
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_INITIALIZATION_TYPE: fn.managedInstances ? "lambda-managed-instances" : "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: spec.logStreamName,
    AWS_ACCESS_KEY: credentials.accessKeyId,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_LAMBDA_RUNTIME_API: spec.runtimeApiAddress,
    LAMBDA_TASK_ROOT: paths.taskRoot,
    LAMBDA_RUNTIME_DIR: paths.runtimeDir,
  };
  // AWS_EXECUTION_ENV is not set for provided* runtimes (§1.4).
  if (node) variables.AWS_EXECUTION_ENV = `AWS_Lambda_${fn.runtime}`;
  if (fn.managedInstances) {
    // How many invocations the runtime may ask for at once (concurrent `/next` calls), as on Managed Instances.
    variables.AWS_LAMBDA_MAX_CONCURRENCY = String(fn.managedInstances.maxConcurrency);
    // The environment's vCPUs, for Lambkin's Node bootstrap alone (which removes it before user code runs): its
    // default worker-thread count, where AWS's runtime counts the vCPUs it sees (the host's, in a process sandbox).
    if (node) variables[MANAGED_VCPUS_VARIABLE] = String(fn.managedInstances.vCpus);
  }
  return variables;
}

/** `2019/06/07/[$LATEST]e6f4a0c4241adcd70c262d34c0bbc85c`: one stream per environment. */
export function newLogStreamName(hex32: string, now = new Date()): string {
  const day = now.toISOString().slice(0, 10).replaceAll("-", "/");
  return `${day}/[$LATEST]${hex32}`;
}

/** Lambda's NODE_PATH: the runtime's own layer folder first, then the shared one, the runtime, the code. */
function nodePath(runtime: string, paths: EnvironmentPaths): string {
  const major = /^nodejs(\d+)/.exec(runtime)?.[1] ?? "20";
  return [
    `/opt/nodejs/node${major}/node_modules`,
    "/opt/nodejs/node_modules",
    `${paths.runtimeDir}/node_modules`,
    paths.runtimeDir,
    paths.taskRoot,
  ].join(":");
}
