/**
 * Chooses the Sandbox adapter for a deployment (DESIGN "Ports and adapters"): `process` (the
 * embedded default) or `docker`, from the runtime options or LAMBKIN_SANDBOX.
 */
import { nodeBootstrapPath } from "../package-paths.js";
import { ProcessSandboxProvider } from "./process/process-sandbox.js";
import type { SandboxProvider } from "./sandbox.js";

export type SandboxKind = "process" | "docker";

export interface SandboxSettings {
  readonly kind: SandboxKind;
  readonly freezeIdle?: boolean;
}

export function sandboxKindFrom(value: string | undefined): SandboxKind {
  if (value === undefined || value === "" || value === "process") return "process";
  if (value === "docker") return "docker";
  throw new Error(`LAMBKIN_SANDBOX must be "process" or "docker" (got "${value}")`);
}

export async function createSandboxProvider(settings: SandboxSettings): Promise<SandboxProvider> {
  switch (settings.kind) {
    case "process":
      return new ProcessSandboxProvider({ nodeBootstrapPath: nodeBootstrapPath(), freezeIdle: settings.freezeIdle });
    case "docker":
      throw new Error("the docker sandbox is not available yet");
  }
}
