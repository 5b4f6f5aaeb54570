/**
 * The production dependency tree of a service: the folders under node_modules that `npm ci --omit=dev` would
 * install, and nothing of devDependencies (test tooling), as the Serverless Framework v3 leaves devDependencies out
 * of a package (`excludeDevDependencies`, https://www.serverless.com/framework/docs/providers/aws/guide/packaging).
 * Read from package-lock.json (lockfile v2/v3 `packages`: an entry marked `dev` is only needed by devDependencies;
 * `devOptional` is an optional dependency of a production one, so it is kept;
 * https://docs.npmjs.com/cli/configuring-npm/package-lock-json#packages). Without a lock, package.json's
 * `dependencies` are followed through node_modules as Node resolves them.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

export interface DependencyTree {
  /** Folders relative to the service folder (`node_modules/a`, `node_modules/a/node_modules/b`), sorted. */
  readonly folders: readonly string[];
  /** Production dependencies named but not installed. */
  readonly missing: readonly string[];
}

interface LockEntry {
  readonly dev?: boolean;
  readonly link?: boolean;
  readonly optional?: boolean;
  readonly dependencies?: Readonly<Record<string, string>>;
}

/** `roots`: only these packages and what they need (bundled services: the externals); undefined: every dependency. */
export function productionDependencies(serviceDir: string, roots?: readonly string[]): DependencyTree {
  const lock = readJson(join(serviceDir, "package-lock.json")) as
    | { packages?: Record<string, LockEntry> }
    | undefined;
  const manifest = readJson(join(serviceDir, "package.json")) as
    | { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
    | undefined;
  const direct = roots ?? Object.keys({ ...manifest?.dependencies, ...manifest?.optionalDependencies });
  const found = new Set<string>();
  const missing: string[] = [];
  const packages = lock?.packages;
  const visit = (name: string, from: string, optional: boolean) => {
    const folder = locate(serviceDir, name, from, packages);
    if (!folder) {
      if (!optional) missing.push(name);
      return;
    }
    if (found.has(folder)) return;
    const entry = packages?.[folder];
    if (entry?.dev) return;
    found.add(folder);
    const own = entry?.dependencies ?? dependenciesOf(join(serviceDir, folder));
    for (const dependency of Object.keys(own)) visit(dependency, folder, false);
    for (const dependency of Object.keys(optionalDependenciesOf(join(serviceDir, folder))))
      visit(dependency, folder, true);
  };
  for (const name of direct) visit(name, "", false);
  return { folders: [...found].sort(), missing: [...new Set(missing)].sort() };
}

/** Node's lookup: `<from>/node_modules/<name>`, then each parent's, up to the service's own node_modules. */
function locate(
  serviceDir: string,
  name: string,
  from: string,
  packages: Record<string, LockEntry> | undefined,
): string | undefined {
  for (let at = from; ; at = parentPackage(at)) {
    const candidate = at === "" ? `node_modules/${name}` : `${at}/node_modules/${name}`;
    if (packages?.[candidate]?.link) return undefined; // a workspace link: not part of an npm package
    if (existsSync(join(serviceDir, candidate, "package.json"))) return candidate;
    if (at === "") return undefined;
  }
}

/** `node_modules/a/node_modules/b` → `node_modules/a`; `node_modules/@s/a` → "". */
function parentPackage(folder: string): string {
  const index = folder.lastIndexOf("/node_modules/");
  return index < 0 ? "" : folder.slice(0, index);
}

function dependenciesOf(folder: string): Record<string, string> {
  return (
    (readJson(join(folder, "package.json")) as { dependencies?: Record<string, string> } | undefined)
      ?.dependencies ?? {}
  );
}

function optionalDependenciesOf(folder: string): Record<string, string> {
  return (
    (readJson(join(folder, "package.json")) as { optionalDependencies?: Record<string, string> } | undefined)
      ?.optionalDependencies ?? {}
  );
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** For messages: the folder as the user sees it. */
export function shown(serviceDir: string, path: string): string {
  return relative(dirname(serviceDir), path);
}
