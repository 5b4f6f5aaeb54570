/**
 * Names and labels of Lambkin's runtime images: one tag per supported runtime
 * (`lambkin/runtime:nodejs20.x`, `lambkin/runtime:provided.al2023`), and the labels by which the
 * docker sandbox tells an image it can use from a stale or foreign one.
 */
import {
  isNodeRuntime,
  type LambdaRuntime,
  SUPPORTED_RUNTIMES,
} from "../../../manifest/function-definition.js";

/** Where the runtime images live; LAMBKIN_DOCKER_IMAGE_REPOSITORY names another (a private registry's). */
export const RUNTIME_IMAGE_REPOSITORY = "lambkin/runtime";

/** Digest of the files baked into /var/runtime (Node bootstrap, launcher): stale images are refused. */
export const BOOTSTRAP_LABEL = "lambkin.bootstrap";
/** Digest of everything an image was built from, so that `images build` skips what is up to date. */
export const RECIPE_LABEL = "lambkin.recipe";
export const RUNTIME_LABEL = "lambkin.runtime";
export const BUILD_MODE_LABEL = "lambkin.build";

/** Where Lambkin's runtime images keep things, as in AWS's base images. */
export const TASK_ROOT = "/var/task";
export const RUNTIME_DIR = "/var/runtime";
export const NODE_BIN_DIR = "/var/lang/bin";
export const LAUNCHER = `${RUNTIME_DIR}/lambkin-launch`;

/** The unprivileged user Lambda runs functions as (sbx_user1051), also owner of /tmp. */
export const SANDBOX_UID = 993;
export const SANDBOX_GID = 990;

export function runtimeImage(runtime: LambdaRuntime, repository = RUNTIME_IMAGE_REPOSITORY): string {
  return `${repository}:${runtime}`;
}

export type ImageFamily = "nodejs" | "provided";

export function imageFamily(runtime: LambdaRuntime): ImageFamily {
  return isNodeRuntime(runtime) ? "nodejs" : "provided";
}

export function runtimesOf(family: ImageFamily): LambdaRuntime[] {
  return SUPPORTED_RUNTIMES.filter((runtime) => imageFamily(runtime) === family);
}

/** `nodejs22.x` → 22 */
export function nodeMajorOf(runtime: LambdaRuntime): number {
  return Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1]);
}

/** The command that starts the runtime in Lambkin's images, behind the launcher. */
export function runtimeCommand(runtime: LambdaRuntime): string[] {
  return isNodeRuntime(runtime)
    ? [`${NODE_BIN_DIR}/node`, `${RUNTIME_DIR}/index.js`]
    : // provided*: the function's executable bootstrap (RIE searches /var/task first).
      [`${TASK_ROOT}/bootstrap`];
}
