/**
 * Watches the folder of services (`--dir`) for `lambkin dev`'s hot reload, with chokidar
 * (https://github.com/paulmillr/chokidar), and hands on changes in batches: one batch per save, however the
 * editor saves. Editors write a temporary file and rename it over the original (vim, JetBrains "safe write"),
 * or write the same file several times in a few milliseconds (format-on-save): each of those is several events,
 * and a batch is closed only once no event has come for QUIET_MS (a debounce), bounded by MAX_WAIT_MS so that a
 * stream of writes (a build writing many files) still reloads.
 *
 * What is watched is what the code revision hashes (runtime/revision/ignored-paths.ts): tool folders are ignored,
 * and of node_modules/ only its hidden lockfile, so that thousands of packages cost no watches.
 */
import { relative, resolve } from "node:path";
import { type FSWatcher, watch } from "chokidar";
import { isIgnoredPath } from "../../runtime/revision/ignored-paths.js";

/** Quiet time that closes a batch: longer than the gaps of an editor's save (tens of ms), short for a person. */
export const QUIET_MS = 50;
/**
 * Quiet time after which the batch still open is offered for an early start (early-start.ts): most saves are
 * over by then, and a later event only makes that early start a wasted one, never a wrong one.
 */
export const EARLY_QUIET_MS = 8;
/** The longest a batch stays open under a steady stream of writes. */
export const MAX_WAIT_MS = 1_000;

export interface ServiceWatcherOptions {
  /** The folder of services, or one service folder. */
  readonly root: string;
  /** Called with the absolute paths changed, added or removed since the last batch; never concurrently. */
  readonly onBatch: (paths: ReadonlySet<string>) => Promise<void>;
  /** Called at once for every event, before the debounce: the batch it will be part of is not closed yet. */
  readonly onEvent?: (path: string) => void;
  /** Called once the open batch has had EARLY_QUIET_MS without events, with its paths so far (not a copy to keep). */
  readonly onQuiet?: (paths: ReadonlySet<string>) => void;
  readonly onError: (error: unknown) => void;
}

export interface ServiceWatcher {
  /** Resolves once chokidar has scanned the folders: changes from then on are seen. */
  readonly ready: Promise<void>;
  /** Watches files outside the root too (configuration files a manifest reads from elsewhere). */
  watchFiles(files: readonly string[]): void;
  close(): Promise<void>;
}

export function watchServices(options: ServiceWatcherOptions): ServiceWatcher {
  const root = resolve(options.root);
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    // chokidar's atomic-write handling holds unlink events back 100 ms to pair them with an add; the debounce
    // below already makes one batch of a write-and-rename, without that delay.
    atomic: false,
    ignored: (path: string) => isIgnoredPath(relative(root, path)),
  });
  let pending = new Set<string>();
  let quietTimer: NodeJS.Timeout | undefined;
  let maxTimer: NodeJS.Timeout | undefined;
  let earlyTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const flush = () => {
    clearTimeout(earlyTimer);
    earlyTimer = undefined;
    clearTimeout(quietTimer);
    clearTimeout(maxTimer);
    quietTimer = undefined;
    maxTimer = undefined;
    const batch = pending;
    pending = new Set();
    if (batch.size === 0 || closed) return;
    // Batches run one after the other: a save during a reload is reloaded after it, never beside it.
    running = running.then(() => (closed ? undefined : options.onBatch(batch))).catch(options.onError);
  };
  const changed = (path: string) => {
    if (closed) return;
    const absolute = resolve(path);
    pending.add(absolute);
    options.onEvent?.(absolute);
    clearTimeout(quietTimer);
    quietTimer = setTimeout(flush, QUIET_MS);
    const { onQuiet } = options;
    if (onQuiet) {
      clearTimeout(earlyTimer);
      earlyTimer = setTimeout(() => {
        earlyTimer = undefined;
        if (!closed && pending.size > 0) onQuiet(new Set(pending));
      }, EARLY_QUIET_MS);
    }
    maxTimer ??= setTimeout(flush, MAX_WAIT_MS);
  };
  watcher.on("all", (_event, path) => changed(path));
  watcher.on("error", options.onError);
  const ready = new Promise<void>((resolveReady) => watcher.once("ready", () => resolveReady()));
  const extra = new Set<string>();
  return {
    ready,
    watchFiles(files) {
      const fresh = files.filter((file) => !extra.has(file) && relative(root, file).startsWith(".."));
      for (const file of fresh) extra.add(file);
      if (fresh.length > 0) watcher.add(fresh);
    },
    async close() {
      closed = true;
      clearTimeout(earlyTimer);
      clearTimeout(quietTimer);
      clearTimeout(maxTimer);
      await watcher.close();
      await running;
    },
  };
}
