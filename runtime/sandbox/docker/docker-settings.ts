/**
 * The docker sandbox's settings, read from the environment with Lambkin's usual names:
 * LAMBKIN_DOCKER_NETWORK (default: Lambkin's own `lambkin` network; created when missing), LAMBKIN_DOCKER_RUNTIME_API_HOST
 * (default: that network's gateway), LAMBKIN_DOCKER_STANDBY (containers kept ready per function,
 * default 1, 0 turns the standby pool off), LAMBKIN_DOCKER_IMAGE_REPOSITORY (where the runtime images
 * are, default lambkin/runtime), LAMBKIN_DOCKER_MIN_CPUS, plus LAMBKIN_FREEZE_IDLE through the factory.
 */
import { ConfigError } from "../../errors/config-error.js";
import { RUNTIME_IMAGE_REPOSITORY } from "./images/runtime-images.js";

export interface DockerSandboxSettings {
  readonly network?: string;
  readonly runtimeApiHost?: string;
  readonly standbyPerFunction: number;
  readonly freezeIdle: boolean;
  readonly imageRepository: string;
  /** The least CPU an environment gets, in CPUs, whatever its memory (LAMBKIN_DOCKER_MIN_CPUS). */
  readonly minCpus: number;
}

export const DEFAULT_STANDBY_PER_FUNCTION = 1;

export function dockerSettingsFrom(env: NodeJS.ProcessEnv, freezeIdle = true): DockerSandboxSettings {
  const standby = env.LAMBKIN_DOCKER_STANDBY;
  const standbyPerFunction =
    standby === undefined || standby === "" ? DEFAULT_STANDBY_PER_FUNCTION : Number(standby);
  if (!Number.isInteger(standbyPerFunction) || standbyPerFunction < 0) {
    throw new ConfigError(`LAMBKIN_DOCKER_STANDBY must be a whole number ≥ 0 (got "${standby}")`);
  }
  const minCpus = Number(env.LAMBKIN_DOCKER_MIN_CPUS || 0);
  if (!Number.isFinite(minCpus) || minCpus < 0) {
    throw new ConfigError(
      `LAMBKIN_DOCKER_MIN_CPUS must be a number ≥ 0 (got "${env.LAMBKIN_DOCKER_MIN_CPUS}")`,
    );
  }
  return {
    minCpus,
    imageRepository: env.LAMBKIN_DOCKER_IMAGE_REPOSITORY || RUNTIME_IMAGE_REPOSITORY,
    network: env.LAMBKIN_DOCKER_NETWORK || undefined,
    runtimeApiHost: env.LAMBKIN_DOCKER_RUNTIME_API_HOST || undefined,
    standbyPerFunction,
    freezeIdle,
  };
}
