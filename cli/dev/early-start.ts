/**
 * Starts the new code's environments during a save's debounce, so that the first request after a save waits for
 * what is left of one cold start rather than for the debounce, the reload and then a whole cold start.
 *
 * The watcher closes a batch only after QUIET_MS without events (service-watcher.ts), so that an editor's save is
 * one reload; but most saves are over in a few milliseconds. After EARLY_QUIET_MS of quiet, this computes the
 * revision the folder now has (a few ms: only the saved files are read again) and starts one environment of each
 * of its running functions under a provisional definition: the current one with that revision
 * (LambkinRuntime.startAhead). The reload that follows decides, with nothing to trust but revisions:
 * - the batch's revision is the provisional one (no write came since): the reload swaps in the provisional
 *   definitions themselves (adopt), and the environments already starting serve the first requests;
 * - anything else (another write, a different revision): they are not adopted, so the swap's retire() ends them,
 *   and the reload starts environments as it would have without this.
 * A provisional definition is the current one with a new revision, which is only right when the save changed no
 * file the definition is read from: folders whose batch touched their serverless.yml, a file it reads
 * (`${file(…)}`, `.env`), or anything but source files (an editor's temporary file gone by then aside) are left
 * to the reload. A provisional definition whose base was replaced meanwhile (an earlier batch swapped while this
 * one was open) is never adopted. Folders with a syntax error are not started ahead either: their init would
 * fail, and print the error a second time. The reload waits for considerations under way (settled), so whether a
 * save is started ahead depends on what it changed, not on timing.
 */
import { existsSync } from "node:fs";
import { basename, sep } from "node:path";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import { computeCodeRevision, outsideConfigurationFiles } from "../../runtime/revision/code-revision.js";
import { isCheckedSource, syntaxProblems } from "./syntax-check.js";

interface Provisional {
  readonly codeSha256: string;
  /** By function name: the definition it was made from, and the provisional one. */
  readonly functions: ReadonlyMap<
    string,
    { readonly base: FunctionDefinition; readonly ahead: FunctionDefinition }
  >;
}

export class EarlyStart {
  private readonly provisional = new Map<string, Provisional>();
  /** The considerations under way, in order: the reload waits for them (settled) before it adopts. */
  private considering: Promise<unknown> = Promise.resolve();

  constructor(private readonly runtime: LambkinRuntime) {}

  /**
   * The batch still open has been quiet for EARLY_QUIET_MS: starts environments ahead for the folders it changed
   * only source files of. Returns how many environments were started.
   */
  consider(paths: ReadonlySet<string>): Promise<number> {
    const next = this.considering.then(() => this.startFor(paths));
    this.considering = next.catch(() => undefined);
    return next;
  }

  /**
   * Resolves once every consideration begun has started what it would: the reload calls it before adopt(), so
   * that whether a save is started ahead depends on its files alone, not on which of the two finishes first.
   */
  settled(): Promise<void> {
    return this.considering.then(() => undefined);
  }

  private async startFor(paths: ReadonlySet<string>): Promise<number> {
    const services = this.runtime.services;
    const functions = services.functions;
    const byDir = new Map<string, string[]>();
    const refused = new Set<string>();
    const configuration = new Set<string>();
    for (const [manifest, service] of services.byManifest ?? []) {
      configuration.add(manifest);
      for (const file of service.configurationFiles) configuration.add(file);
    }
    for (const path of paths) {
      const dir = serviceDirOf(functions, path);
      if (dir === undefined) continue;
      const definitionInput = configuration.has(path) || basename(path).startsWith(".env");
      const source = isCheckedSource(path) && !path.includes(`${sep}node_modules${sep}`);
      // An editor's temporary file, renamed over the saved one or deleted since, is no part of the code.
      if (!definitionInput && !source && !existsSync(path)) continue;
      if (definitionInput || !source) refused.add(dir);
      byDir.set(dir, [...(byDir.get(dir) ?? []), path]);
    }
    // Paths of no loaded service (a new folder, a configuration file elsewhere) are the reload's alone.
    let count = 0;
    const outside = outsideConfigurationFiles(services.byManifest);
    for (const [dir, changed] of byDir) {
      if (refused.has(dir)) continue;
      const bases = functions.filter((fn) => fn.serviceDir === dir);
      const current = bases[0]?.codeRevision?.codeSha256;
      const [revision, problems] = await Promise.all([
        computeCodeRevision(dir, outside.get(dir)),
        syntaxProblems(changed),
      ]);
      if (problems.length > 0 || revision.codeSha256 === current) continue;
      if (this.provisional.get(dir)?.codeSha256 === revision.codeSha256) continue;
      const started = this.runtime.startAhead(bases.map((base) => ({ ...base, codeRevision: revision })));
      const baseOf = new Map(bases.map((base) => [base.name, base]));
      const made = new Map(
        started.map((ahead) => [ahead.name, { base: baseOf.get(ahead.name) as FunctionDefinition, ahead }]),
      );
      this.provisional.set(dir, { codeSha256: revision.codeSha256, functions: made });
      count += started.length;
    }
    return count;
  }

  /**
   * The reload's new definitions, each replaced by its provisional twin when that has the same revision and was
   * made from the definition the reload replaces. Forgets every provisional definition: a later batch starts anew.
   */
  adopt(
    functions: readonly FunctionDefinition[],
    previous: readonly FunctionDefinition[],
  ): { functions: FunctionDefinition[]; adopted: number } {
    const before = new Map(previous.map((fn) => [fn.name, fn]));
    let adopted = 0;
    const result = functions.map((fn) => {
      const made = this.provisional.get(fn.serviceDir);
      const twin = made?.functions.get(fn.name);
      if (!twin || made?.codeSha256 !== fn.codeRevision?.codeSha256 || before.get(fn.name) !== twin.base)
        return fn;
      adopted++;
      return twin.ahead;
    });
    this.provisional.clear();
    return { functions: result, adopted };
  }
}

/** The folder of the loaded service a path lies in, if any (the deepest, should services nest). */
export function serviceDirOf(functions: readonly FunctionDefinition[], path: string): string | undefined {
  let found: string | undefined;
  for (const fn of functions) {
    const dir = fn.serviceDir;
    if (
      (path === dir || path.startsWith(`${dir}${sep}`)) &&
      (found === undefined || dir.length > found.length)
    )
      found = dir;
  }
  return found;
}
