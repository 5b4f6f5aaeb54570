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
import { ServiceReloader } from "./service-reloader.js";
import { watchServices } from "./service-watcher.js";

export interface HotReloadSettings {
  readonly runtime: LambkinRuntime;
  readonly routes: LiveRouteTable;
  /** The folder of services (`--dir`, absolute). */
  readonly root: string;
  readonly logger: Logger;
}

export interface HotReload {
  close(): Promise<void>;
}

export async function startHotReload(settings: HotReloadSettings): Promise<HotReload> {
  const { logger, root } = settings;
  const reloader = new ServiceReloader(settings.runtime, settings.routes, logger);
  const watcher = watchServices({
    root,
    onBatch: async (paths) => {
      const shown = [...paths].slice(0, 3).map((path) => relative(root, path) || ".");
      logger.debug({ paths: [...paths] }, `changed: ${shown.join(", ")}${paths.size > 3 ? ", …" : ""}`);
      await reloader.reload(paths);
    },
    onError: (error) =>
      logger.warn(
        { code: "LKN_WRN_RELOAD_WATCH_FAILED", err: error },
        coded("LKN_WRN_RELOAD_WATCH_FAILED", `watching ${root}: ${(error as Error).message ?? String(error)}`),
      ),
  });
  await watcher.ready;
  logger.info(`hot reload: watching ${pc.bold(root)} (--no-watch to turn it off)`);
  return { close: () => watcher.close() };
}
