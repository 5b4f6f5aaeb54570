/**
 * The installed npm packages a set of packages needs at run time (their `dependencies`, followed to the
 * end), each as its folder relative to the project, so that a copy of those folders resolves `require`
 * exactly as the project does — nested versions (mailparser's own nodemailer) included.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** Where Node's resolution finds `name` from a package folder: its node_modules, then each parent's. */
function resolvePackage(name: string, from: string, root: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root || dirname(dir) === dir)
      throw new Error(`npm package ${name} is not installed (from ${from})`);
  }
}

/** Folders (relative to `root`, e.g. `node_modules/mailparser/node_modules/nodemailer`) of `names` and their dependencies. */
export function packageFolders(names: readonly string[], root: string): string[] {
  const found = new Set<string>();
  const visit = (name: string, from: string) => {
    const folder = resolvePackage(name, from, root);
    const key = relative(root, folder);
    if (found.has(key)) return;
    found.add(key);
    const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency, folder);
  };
  for (const name of names) visit(name, root);
  return [...found].sort();
}
