/**
 * `lambkin dev`'s hot reload: given the paths a save changed (service-watcher.ts), loads the services again and
 * swaps them in while everything keeps running.
 *
 * - Every service folder a changed path lies in gets a new code revision (runtime/revision/); the functions of
 *   the other services keep their definitions — the very same objects — so their environments stay warm.
 * - The new set is checked completely before anything is swapped: the manifests (loadServices), the routes
 *   (buildRouteTable) and the concurrency reservations (swapServices refuses them first). A serverless.yml that
 *   fails to load is reported once and replaced by its last good load, so the other services reload as usual; a
 *   change that fails a check across services (a route, the reservations, a duplicate name) is reported once
 *   and nothing is swapped. Either way the last good definitions keep serving (LKN_WRN_RELOAD_KEPT_PREVIOUS).
 * - Then, in one tick, the registry and the route table are swapped and the environments of the old revisions
 *   retired (idle ones at once, busy ones when their invocation has finished on the code it started with).
 * - Changed source files are syntax-checked (syntax-check.ts) so that a broken save is printed once, with its
 *   location; the invocations themselves fail as on Lambda, Runtime.UserCodeSyntaxError from the bootstrap.
 */
import { sep } from "node:path";
import type { Logger } from "pino";
import { buildRouteTable } from "../../gateway/api-gateway/build-route-table.js";
import type { LiveRouteTable } from "../../gateway/api-gateway/live-route-table.js";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import type { LoadedService } from "../../runtime/manifest/load-service.js";
import type { LoadedServices } from "../../runtime/manifest/load-services.js";
import { formatWarning, warningLogFields } from "../../runtime/manifest/manifest-error.js";
import {
  type CodeRevision,
  computeCodeRevision,
  outsideConfigurationFiles,
} from "../../runtime/revision/code-revision.js";
import type { EarlyStart } from "./early-start.js";
import { formatSyntaxProblem, syntaxProblems } from "./syntax-check.js";

export interface ReloadSummary {
  /** "swapped": the new set serves; "kept": the change was refused; "unchanged": nothing to do. */
  readonly outcome: "swapped" | "kept" | "unchanged";
  readonly changedServices: readonly string[];
  readonly retiredEnvironments: number;
}

export class ServiceReloader {
  /**
   * The refusals reported, by manifest path ("" for a refusal of the whole change): the same refusal again
   * (another save, same mistake) is not repeated.
   */
  private readonly reported = new Map<string, string>();
  /** Each service's last good load, by manifest path: what a service that fails to load falls back to. */
  private lastGood: ReadonlyMap<string, LoadedService>;
  private readonly printedWarnings = new Set<string>();

  constructor(
    private readonly runtime: LambkinRuntime,
    private readonly routes: LiveRouteTable,
    private readonly logger: Logger,
    private readonly earlyStart?: EarlyStart,
  ) {
    this.lastGood = runtime.services.byManifest ?? new Map();
    for (const warning of runtime.services.warnings) this.printedWarnings.add(formatWarning(warning));
    for (const warning of routes.warnings) this.printedWarnings.add(formatWarning(warning));
  }

  async reload(changedPaths: ReadonlySet<string>): Promise<ReloadSummary> {
    const started = performance.now();
    const previous = this.runtime.services.functions;
    // The syntax check needs nothing of the load: both at once.
    const checking = syntaxProblems(
      [...changedPaths].filter((path) => !path.includes(`${sep}node_modules${sep}`)),
    );
    const refusedNow = new Map<string, unknown>();
    let loaded: LoadedServices;
    try {
      loaded = await this.runtime.loadServices({
        lastGood: (manifestPath) => this.lastGood.get(manifestPath),
        refused: (manifestPath, error) => refusedNow.set(manifestPath, error),
      });
    } catch (error) {
      await checking;
      return this.refuse("", error);
    }
    for (const [manifestPath, error] of refusedNow) this.refuse(manifestPath, error);
    for (const manifestPath of this.reported.keys())
      if (manifestPath !== "" && !refusedNow.has(manifestPath)) this.reported.delete(manifestPath);
    const outside = outsideConfigurationFiles(loaded.byManifest);
    const touches = (dir: string) =>
      [...changedPaths].some(
        (path) => path === dir || path.startsWith(`${dir}${sep}`) || (outside.get(dir) ?? []).includes(path),
      );
    const revisions = await this.revisionsFor(loaded.functions, previous, touches, outside);
    const reloaded = reuseUnchanged(
      loaded.functions.map((fn) => ({ ...fn, codeRevision: revisions.get(fn.serviceDir) as CodeRevision })),
      previous,
    );
    // Definitions whose environments were started during the debounce, for the revision found now (early-start.ts).
    await this.earlyStart?.settled();
    const { functions, adopted } = this.earlyStart?.adopt(reloaded, previous) ?? {
      functions: reloaded,
      adopted: 0,
    };
    if (functions.length === previous.length && functions.every((fn, index) => fn === previous[index]))
      return { outcome: "unchanged", changedServices: [], retiredEnvironments: 0 };
    const problems = await checking;
    let built: Awaited<ReturnType<typeof buildRouteTable>>;
    try {
      built = await buildRouteTable(functions);
    } catch (error) {
      return this.refuse("", error);
    }
    let retiredEnvironments: number;
    try {
      // From here to the route swap: one tick, no await — a request sees the old set or the new one.
      // A recycled function gets its next environment started now, unless its folder has a syntax error (its
      // init would only fail, and print the error again).
      const broken = new Set(problems.map((problem) => serviceDirOfFile(functions, problem.file)));
      retiredEnvironments = this.runtime.swapServices(
        { ...loaded, functions },
        { prewarm: (fn) => !broken.has(fn.serviceDir) },
      );
      this.routes.swap(built);
    } catch (error) {
      return this.refuse("", error);
    }
    this.reported.delete("");
    if (loaded.byManifest) this.lastGood = loaded.byManifest;
    for (const warning of [...loaded.warnings, ...built.warnings]) {
      const text = formatWarning(warning);
      if (this.printedWarnings.has(text)) continue;
      this.printedWarnings.add(text);
      this.logger.warn(warningLogFields(warning), text);
    }
    for (const problem of problems)
      this.logger.error(
        { code: "LKN_ERR_RELOAD_SYNTAX", file: problem.file, line: problem.line, column: problem.column },
        coded(
          "LKN_ERR_RELOAD_SYNTAX",
          `${formatSyntaxProblem(problem)}\n  invocations that load it fail with Runtime.UserCodeSyntaxError until it is fixed`,
        ),
      );
    const changedServices = this.describe(
      functions,
      previous,
      retiredEnvironments,
      performance.now() - started,
      adopted,
    );
    return { outcome: "swapped", changedServices, retiredEnvironments };
  }

  /** Reported once per distinct refusal (of one manifest, or "" of the whole change, when nothing is swapped). */
  private refuse(manifestPath: string, error: unknown): ReloadSummary {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: string }).code;
    const text = code?.startsWith("LKN_") ? `[${code}] ${message}` : message;
    if (this.reported.get(manifestPath) !== text) {
      this.reported.set(manifestPath, text);
      this.logger.warn(
        { code: "LKN_WRN_RELOAD_KEPT_PREVIOUS" },
        coded(
          "LKN_WRN_RELOAD_KEPT_PREVIOUS",
          manifestPath === ""
            ? `the change was not loaded; every function is served as before it until a save fixes this:\n  ${text}`
            : `${manifestPath} was not loaded; its service is served as it last loaded until a save fixes this:\n  ${text}`,
        ),
      );
    }
    return { outcome: "kept", changedServices: [], retiredEnvironments: 0 };
  }

  /** A folder a change touched is hashed again; the others keep the revision they had. */
  private async revisionsFor(
    functions: readonly FunctionDefinition[],
    previous: readonly FunctionDefinition[],
    touches: (dir: string) => boolean,
    outside: ReadonlyMap<string, readonly string[]>,
  ): Promise<Map<string, CodeRevision>> {
    const known = new Map<string, CodeRevision>();
    for (const fn of previous) if (fn.codeRevision) known.set(fn.serviceDir, fn.codeRevision);
    const dirs = [...new Set(functions.map((fn) => fn.serviceDir))];
    const revisions = await Promise.all(
      dirs.map((dir) => {
        const kept = known.get(dir);
        return kept && !touches(dir) ? kept : computeCodeRevision(dir, outside.get(dir));
      }),
    );
    return new Map(dirs.map((dir, index) => [dir, revisions[index] as CodeRevision]));
  }

  /** One line per service that changed: its revision, functions added and removed, environments recycled. */
  private describe(
    functions: readonly FunctionDefinition[],
    previous: readonly FunctionDefinition[],
    retired: number,
    elapsedMs: number,
    adopted: number,
  ): string[] {
    const before = new Map(previous.map((fn) => [fn.name, fn]));
    const after = new Map(functions.map((fn) => [fn.name, fn]));
    const services = new Map<
      string,
      { revision?: string; added: string[]; removed: string[]; kept: number }
    >();
    const entry = (service: string) => {
      let found = services.get(service);
      if (!found) {
        found = { added: [], removed: [], kept: 0 };
        services.set(service, found);
      }
      return found;
    };
    for (const fn of functions) {
      const old = before.get(fn.name);
      if (old === fn) continue;
      const item = entry(fn.service);
      item.revision = fn.codeRevision?.codeSha256;
      if (old) item.kept++;
      else item.added.push(fn.name);
    }
    for (const fn of previous) if (!after.has(fn.name)) entry(fn.service).removed.push(fn.name);
    for (const [service, item] of services) {
      const parts = [
        item.revision ? `revision ${item.revision}` : "removed",
        ...(item.kept > 0 ? [`${item.kept} function(s) on the new code`] : []),
        ...(item.added.length > 0 ? [`added ${item.added.join(", ")}`] : []),
        ...(item.removed.length > 0 ? [`removed ${item.removed.join(", ")}`] : []),
      ];
      this.logger.info({ service, codeRevision: item.revision }, `reloaded ${service}: ${parts.join("; ")}`);
    }
    this.logger.info(
      { retiredEnvironments: retired },
      `reload in ${elapsedMs.toFixed(0)} ms: ${functions.length} function(s), ${this.routes.table.routes.length} route(s); ${retired} environment(s) of the old code recycled, the others stay warm${adopted > 0 ? `; ${adopted} new environment(s) started during the debounce` : ""}`,
    );
    return [...services.keys()];
  }
}

function serviceDirOfFile(functions: readonly FunctionDefinition[], file: string): string | undefined {
  return functions
    .map((fn) => fn.serviceDir)
    .filter((dir) => file.startsWith(`${dir}${sep}`))
    .sort((a, b) => b.length - a.length)[0];
}

/**
 * The definitions of a function whose folder has the same revision as before are the same objects as before:
 * the pool keeps their environments (runtime/pool/environment-pool.ts retires only definitions no longer current).
 */
function reuseUnchanged(
  functions: readonly FunctionDefinition[],
  previous: readonly FunctionDefinition[],
): FunctionDefinition[] {
  const before = new Map(previous.map((fn) => [fn.name, fn]));
  return functions.map((fn) => {
    const old = before.get(fn.name);
    return old &&
      old.serviceDir === fn.serviceDir &&
      old.codeRevision?.codeSha256 === fn.codeRevision?.codeSha256
      ? old
      : fn;
  });
}
