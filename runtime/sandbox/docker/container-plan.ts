/**
 * What one environment's container is made of (docker create options), with the hardening and the
 * Lambda limits it enforces:
 * - the function's code mounted read-only at /var/task, nothing else of the host; no Docker socket;
 * - a read-only root filesystem; /tmp a tmpfs of ephemeralStorageSize owned by the function's
 *   unprivileged user (Lambda: 512–10,240 MB, §7); every capability dropped; no-new-privileges;
 * - 1,024 processes/threads and 1,024 file descriptors (§7);
 * - memory = memorySize with no swap, so exceeding it is an OOM kill (`signal: killed`, §1.5);
 * - CPU in proportion to memory, 1,769 MB ≈ one vCPU (§7);
 * - docker-init as PID 1 so that signals reach the runtime and zombies are reaped;
 * - host.docker.internal resolving to the host, for local services.
 * Lambkin's runtime images start behind the launcher, which reads the per-environment variables on
 * stdin: such a container can be created — and started — before its environment exists (standby).
 */
import { createHash, randomBytes } from "node:crypto";
import type { ContainerCreateOptions } from "dockerode";
import type { FunctionDefinition } from "../../manifest/function-definition.js";
import { lambdaEnvironmentVariables } from "../lambda-environment-variables.js";
import type { SandboxSpec } from "../sandbox.js";
import { codeNotShared } from "./docker-errors.js";
import { type FunctionImage, functionImageOf } from "./function-image.js";
import type { HostPathOf } from "./host-paths.js";
import {
  LAUNCHER,
  NODE_BIN_DIR,
  RUNTIME_DIR,
  runtimeCommand,
  runtimeImage,
  SANDBOX_GID,
  SANDBOX_UID,
  TASK_ROOT,
} from "./images/runtime-images.js";
import { FUNCTION_LABEL, type Owner } from "./ownership.js";

const MB = 1024 * 1024;
/** Lambda: 1,769 MB of memory is the equivalent of one vCPU. */
const MB_PER_VCPU = 1769;
/** Lambda's limits on processes+threads and file descriptors (§7). */
const PROCESS_LIMIT = 1024;
const FILE_LIMIT = 1024;
/** The variables that belong to one environment, handed to the launcher on stdin. */
const PER_ENVIRONMENT = ["AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_LOG_STREAM_NAME"];

export interface ContainerContext {
  readonly owner: Owner;
  /** The network's id (a name may be ambiguous on an engine: docker-network.ts). */
  readonly network: string;
  /** CPUs the engine has: NanoCpus may not exceed them. */
  readonly engineCpus: number;
  /** The least CPU an environment gets (LAMBKIN_DOCKER_MIN_CPUS). */
  readonly minCpus: number;
  /** Where Lambkin's runtime images are (lambkin/runtime). */
  readonly imageRepository: string;
  /** The engine's path for one of Lambkin's (host-paths.ts); the same path when absent. */
  readonly hostPathOf?: HostPathOf;
}

export interface ContainerPlan {
  readonly functionName: string;
  readonly image: string;
  /** A Lambkin runtime image: started behind the launcher, may be prepared ahead (standby). */
  readonly launcher: boolean;
  readonly options: ContainerCreateOptions;
  /** Containers with equal keys are interchangeable (the standby pool's key). */
  readonly key: string;
}

export function nanoCpusFor(memorySize: number, engineCpus: number, minCpus = 0): number {
  const cpus = Math.max(memorySize / MB_PER_VCPU, minCpus, 0.01); // the engine refuses less than 0.01
  return Math.round(Math.min(cpus, engineCpus) * 1e9); // … and more than it has
}

/** The code's folder as the engine finds it: a bind source is resolved on the engine's host. */
function codeSource(fn: FunctionDefinition, context: ContainerContext): string {
  const source = context.hostPathOf ? context.hostPathOf(fn.serviceDir) : fn.serviceDir;
  if (source === undefined) throw codeNotShared(fn.serviceDir);
  return source;
}

function hostConfig(fn: FunctionDefinition, context: ContainerContext, image: FunctionImage | undefined) {
  const memory = fn.memorySize * MB;
  return {
    // The code only: a function packaged as an image brings its own /var/task.
    Binds: image ? [] : [`${codeSource(fn, context)}:${TASK_ROOT}:ro`],
    ReadonlyRootfs: true,
    Tmpfs: {
      "/tmp": `rw,exec,nosuid,nodev,size=${fn.ephemeralStorageSize}m,mode=1777,uid=${SANDBOX_UID},gid=${SANDBOX_GID}`,
    },
    CapDrop: ["ALL"],
    SecurityOpt: ["no-new-privileges"],
    PidsLimit: PROCESS_LIMIT,
    Ulimits: [{ Name: "nofile", Soft: FILE_LIMIT, Hard: FILE_LIMIT }],
    Memory: memory,
    MemorySwap: memory, // = Memory: no swap
    NanoCpus: nanoCpusFor(fn.memorySize, context.engineCpus, context.minCpus),
    Init: true,
    NetworkMode: context.network,
    ExtraHosts: ["host.docker.internal:host-gateway"],
    // Lambkin reads the output through attach; the engine keeps no log files of it.
    LogConfig: { Type: "none", Config: {} },
    AutoRemove: true,
  };
}

/** Defaults a container image sets for itself (AWS's base images put /var/lang/bin on PATH, say). */
const IMAGE_OWN_DEFAULTS = ["PATH", "LD_LIBRARY_PATH", "NODE_PATH", "LANG", "TZ"];

function environmentOf(spec: SandboxSpec, image: FunctionImage | undefined): Record<string, string> {
  const variables = lambdaEnvironmentVariables(spec, {
    taskRoot: TASK_ROOT,
    runtimeDir: RUNTIME_DIR,
    nodeBinDir: image ? undefined : NODE_BIN_DIR,
  });
  if (image) {
    for (const name of IMAGE_OWN_DEFAULTS) if (!(name in spec.fn.environment)) delete variables[name];
  }
  return variables;
}

/**
 * `spec` is the environment's when it is known; a plan made ahead (standby) leaves the
 * per-environment variables to the launcher.
 */
export function planContainer(
  fn: FunctionDefinition,
  context: ContainerContext,
  spec?: SandboxSpec,
): ContainerPlan {
  const image = functionImageOf(fn);
  const launcher = image === undefined;
  const environment = environmentOf(
    spec ?? { fn, environmentId: "standby", runtimeApiAddress: "standby:0", logStreamName: "standby" },
    image,
  );
  if (launcher) for (const name of PER_ENVIRONMENT) delete environment[name];
  const options: ContainerCreateOptions = {
    Image: image?.name ?? runtimeImage(fn.runtime, context.imageRepository),
    Cmd: image ? (image.command as string[] | undefined) : [LAUNCHER, ...runtimeCommand(fn.runtime)],
    Entrypoint: image?.entryPoint as string[] | undefined,
    WorkingDir: image ? image.workingDirectory : TASK_ROOT,
    Env: Object.entries(environment).map(([name, value]) => `${name}=${value}`),
    User: `${SANDBOX_UID}:${SANDBOX_GID}`,
    Labels: { ...context.owner.labels, [FUNCTION_LABEL]: fn.name },
    AttachStdin: launcher,
    OpenStdin: launcher,
    StdinOnce: launcher,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: hostConfig(fn, context, image),
  };
  const key = createHash("sha256").update(JSON.stringify(options)).digest("hex");
  return { functionName: fn.name, image: options.Image as string, launcher, options, key };
}

/** A readable, unique container name: `lambkin-<function>-<random>`. */
export function containerName(plan: ContainerPlan): string {
  return `lambkin-${plan.functionName.replace(/[^A-Za-z0-9_.-]/g, "-")}-${randomBytes(4).toString("hex")}`;
}
