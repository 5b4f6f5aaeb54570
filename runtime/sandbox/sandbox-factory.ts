/**
 * Chooses the Sandbox adapter for a deployment (docs/architecture.md "Ports and adapters"): `process` (the
 * embedded default) or `docker`, from the runtime options or LAMBKIN_SANDBOX.
 *
 * One adapter serves every function of a deployment, except container-image functions, which the
 * SandboxRouter sends to the docker adapter whatever the default.
 */
import { ConfigError } from "../errors/config-error.js";
import type { LambkinCode } from "../errors/lambkin-codes.js";
import { nodeBootstrapPath } from "../package-paths.js";
import { DockerSandboxProvider } from "./docker/docker-sandbox-provider.js";
import { dockerSettingsFrom } from "./docker/docker-settings.js";
import { ProcessSandboxProvider } from "./process/process-sandbox.js";
import type { SandboxProvider } from "./sandbox.js";

export type SandboxKind = "process" | "docker";

export interface SandboxSettings {
  readonly kind: SandboxKind;
  readonly freezeIdle?: boolean;
  /** Where adapter settings are read from (LAMBKIN_DOCKER_*); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where an adapter's warnings go (Lambkin's code and the message): the process sandbox's when it cannot isolate, the docker sandbox's drain fallback. */
  readonly warn?: (code: LambkinCode, message: string) => void;
}

export function sandboxKindFrom(value: string | undefined): SandboxKind {
  if (value === undefined || value === "" || value === "process") return "process";
  if (value === "docker") return "docker";
  throw new ConfigError(`LAMBKIN_SANDBOX must be "process" or "docker" (got "${value}")`);
}

export async function createSandboxProvider(settings: SandboxSettings): Promise<SandboxProvider> {
  switch (settings.kind) {
    case "process":
      return new ProcessSandboxProvider({
        nodeBootstrapPath: nodeBootstrapPath(),
        freezeIdle: settings.freezeIdle,
        warn: settings.warn,
      });
    case "docker":
      return DockerSandboxProvider.create(
        dockerSettingsFrom(settings.env ?? process.env, settings.freezeIdle ?? true),
        undefined,
        settings.warn,
      );
  }
}
