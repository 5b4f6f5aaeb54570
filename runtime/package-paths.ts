/**
 * Where Lambkin's own files are, whether it runs compiled (dist/) or from source (tests).
 * The Node bootstrap always runs compiled: environments start plain `node`, without a TS loader.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("Cannot find Lambkin's package.json");
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot();

export function nodeBootstrapPath(): string {
  const path = join(PACKAGE_ROOT, "dist", "runtime", "bootstrap", "node", "index.js");
  if (!existsSync(path))
    throw new Error(`The Node bootstrap is not built (${path} is missing): run \`npm run build\`.`);
  return path;
}
