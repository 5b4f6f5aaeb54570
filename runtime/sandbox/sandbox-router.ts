/**
 * Picks the sandbox each function's environments run in: the deployment's adapter, except that a
 * container-image function (`image:`) always runs in a container — the process sandbox cannot run an
 * image — so the docker adapter is started for it on first use, next to the default one.
 */
import type { FunctionDefinition } from "../manifest/function-definition.js";
import type { SandboxProvider } from "./sandbox.js";
import { createSandboxProvider, type SandboxSettings } from "./sandbox-factory.js";

export class SandboxRouter {
  private docker: Promise<SandboxProvider> | undefined;

  constructor(
    readonly defaultProvider: SandboxProvider,
    private readonly settings: SandboxSettings,
  ) {}

  providerFor(fn: FunctionDefinition): Promise<SandboxProvider> {
    if (!fn.image || this.defaultProvider.name === "docker") return Promise.resolve(this.defaultProvider);
    if (!this.docker) {
      const starting = createSandboxProvider({ ...this.settings, kind: "docker" });
      // A failure (no engine yet) fails this invocation in Lambda's shape; the next one tries again.
      starting.catch(() => {
        if (this.docker === starting) this.docker = undefined;
      });
      this.docker = starting;
    }
    return this.docker;
  }

  async close(): Promise<void> {
    const docker = this.docker?.catch(() => undefined);
    await this.defaultProvider.close();
    await (await docker)?.close();
  }
}
