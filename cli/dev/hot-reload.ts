/**
 * Wires `lambkin dev`'s hot reload: the watcher of the folder of services (service-watcher.ts) feeding the
 * reloader (service-reloader.ts). `--no-watch` leaves it out; `lambkin gateway` and `lambkin worker` never
 * start it (production processes: their code changes by restarting them, as a deploy does).
 */
import { relative } from "node:path";
import pc from "picocolors";
import type { Logger } from "pino";
import type { LiveRouteTable } from "../../gateway/api-gateway/live-route-table.js";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";
import type { LoadedServices } from "../../runtime/manifest/load-services.js";
import { outsideConfigurationFiles } from "../../runtime/revision/code-revision.js";
import { EarlyStart, serviceDirOf } from "./early-start.js";
import { ReloadGate } from "./reload-gate.js";
import { ServiceReloader } from "./service-reloader.js";
import { watchServices } from "./service-watcher.js";
import { startSyntaxCheck, stopSyntaxCheck } from "./syntax-check.js";

export interface HotReloadSettings {
  readonly runtime: LambkinRuntime;
  readonly routes: LiveRouteTable;
  /** The folder of services (`--dir`, absolute). */
  readonly root: string;
  readonly logger: Logger;
  /**
   * Called after each reload that swapped a new set of services in (not after a refused or an empty one), with
   * the services before and after: what makes event sources and resources follow (source-follower.ts). Not
   * awaited: the next reload does not wait for pollers to drain.
   */
  readonly onServicesSwapped?: (previous: LoadedServices, current: LoadedServices) => void;
}

export interface HotReload {
  close(): Promise<void>;
}

export async function startHotReload(settings: HotReloadSettings): Promise<HotReload> {
  const { logger, root } = settings;
  const { runtime } = settings;
  // The new code's environments start during the debounce; the reload adopts them when nothing changed since.
  const earlyStart = new EarlyStart(runtime);
  const reloader = new ServiceReloader(runtime, settings.routes, logger, earlyStart);
  // New environments never start under an old revision on files already changed (reload-gate.ts).
  const gate = new ReloadGate();
  runtime.gateEnvironmentStarts((fn) => gate.gate(fn));
  const watcher = watchServices({
    root,
    onEvent: (path) => {
      // The syntax checker's process starts with the first save's first event, during its debounce: a
      // `lambkin dev` nobody edits under never starts it.
      startSyntaxCheck();
      const dir = serviceDirOf(runtime.services.functions, path);
      if (dir !== undefined) gate.hold(dir);
    },
    onQuiet: (paths) => {
      earlyStart
        .consider(paths)
        .catch((error: unknown) =>
          logger.debug(
            { err: error },
            "early start of the new code's environments failed; the reload starts them",
          ),
        );
    },
    onBatch: async (paths) => {
      const release = gate.seal();
      const shown = [...paths].slice(0, 3).map((path) => relative(root, path) || ".");
      logger.debug({ paths: [...paths] }, `changed: ${shown.join(", ")}${paths.size > 3 ? ", …" : ""}`);
      try {
        const previous = runtime.services;
        const { outcome } = await reloader.reload(paths);
        if (outcome === "swapped") settings.onServicesSwapped?.(previous, runtime.services);
        watchConfigurationFiles();
      } finally {
        release();
      }
    },
    onError: (error) =>
      logger.warn(
        { code: "LKN_WRN_RELOAD_WATCH_FAILED", err: error },
        coded(
          "LKN_WRN_RELOAD_WATCH_FAILED",
          `watching ${root}: ${(error as Error).message ?? String(error)}`,
        ),
      ),
  });
  const watchConfigurationFiles = () =>
    watcher.watchFiles([...outsideConfigurationFiles(runtime.services.byManifest).values()].flat());
  watchConfigurationFiles();
  await watcher.ready;
  logger.info(`hot reload: watching ${pc.bold(root)} (--no-watch to turn it off)`);
  return {
    async close() {
      await watcher.close();
      stopSyntaxCheck();
      gate.releaseAll();
    },
  };
}
