/**
 * The typed errors of the docker sandbox. Each is a SandboxStartError, so an environment that cannot
 * start fails its invocation in Lambda's shape (`{"errorType","errorMessage":"RequestId: … Error: …"}`,
 * X-Amz-Function-Error: Unhandled) with a message that says what to run, instead of a crash or a hang.
 * The `Sandbox.*` types are Lambkin's: Lambda has no Docker engine to lose. The errorType stays what the caller
 * matches on; the message starts with the catalogue's code (`[LKN_ERR_DOCKER_…]`), which `error.code` also holds.
 */
import { coded, type LambkinCode } from "../../errors/lambkin-codes.js";
import { SandboxStartError } from "../sandbox-start-error.js";
import { engineAddress } from "./docker-engine.js";

type DockerErrorCode = Extract<LambkinCode, `LKN_ERR_DOCKER_${string}`>;

export class DockerSandboxError extends SandboxStartError {
  constructor(
    errorType: string,
    readonly code: DockerErrorCode,
    message: string,
  ) {
    super(errorType, coded(code, message));
    this.name = "DockerSandboxError";
  }
}

function reason(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export function engineUnavailable(cause: unknown): DockerSandboxError {
  return new DockerSandboxError(
    "Sandbox.EngineUnavailable",
    "LKN_ERR_DOCKER_ENGINE_UNAVAILABLE",
    `Cannot reach the Docker engine at ${engineAddress()} (${reason(cause)}): start it (dockerd) or set DOCKER_HOST, or run without Docker with LAMBKIN_SANDBOX=process.`,
  );
}

export function imageMissing(image: string): DockerSandboxError {
  return new DockerSandboxError(
    "Sandbox.ImageNotFound",
    "LKN_ERR_DOCKER_IMAGE_MISSING",
    `The Docker image ${image} is missing: run \`lambkin images build\` (\`lambkin images build --offline\` where no registry is reachable).`,
  );
}

export function userImageMissing(image: string): DockerSandboxError {
  return new DockerSandboxError(
    "Sandbox.ImageNotFound",
    "LKN_ERR_DOCKER_FUNCTION_IMAGE_MISSING",
    `The function's container image ${image} is not in the Docker engine: build or pull it first (docker pull ${image}).`,
  );
}

export function imageStale(image: string): DockerSandboxError {
  return new DockerSandboxError(
    "Sandbox.ImageOutdated",
    "LKN_ERR_DOCKER_IMAGE_OUTDATED",
    `The Docker image ${image} was built from another version of Lambkin's runtime files: run \`lambkin images build\` (or \`lambkin images build --offline\`).`,
  );
}

export function engineError(action: string, cause: unknown): DockerSandboxError {
  return new DockerSandboxError(
    "Sandbox.EngineError",
    "LKN_ERR_DOCKER_ENGINE_FAILED",
    `The Docker engine failed to ${action}: ${reason(cause)}`,
  );
}

/**
 * Lambkin runs in a container of the engine and the function's code is in that container's own filesystem,
 * which the engine cannot bind: it binds paths of its host (host-paths.ts).
 */
export function codeNotShared(path: string): DockerSandboxError {
  return new DockerSandboxError(
    "Sandbox.CodeNotShared",
    "LKN_ERR_DOCKER_CODE_NOT_SHARED",
    `The function's code (${path}) is inside Lambkin's own container, where the Docker engine cannot mount it into the environment's: mount the functions folder into Lambkin's container as a volume (docker-compose.yml mounts ./functions at /app/functions).`,
  );
}
