/**
 * What a service's code revision (code-revision.ts) and `lambkin dev`'s watcher leave out of a service folder:
 * the build output and state of tools — Lambkin's own `.lambkin/` (TypeScript bundles land in
 * `.lambkin/build/`), the Serverless Framework's `.serverless/`, serverless-esbuild's `.esbuild/` — and `.git/`,
 * which `serverless package` leaves out too
 * (https://www.serverless.com/framework/docs/providers/aws/guide/packaging#patterns).
 *
 * `node_modules/` holds thousands of files that only change when packages are installed: hashing or watching each
 * one would make every save slow. Its contents are stood for by the files an install rewrites instead:
 * `package.json` and `package-lock.json` (ordinary files of the service) and `node_modules/.package-lock.json`,
 * the hidden lockfile npm 7+ rewrites on every install (https://docs.npmjs.com/cli/configuring-npm/package-lock-json#hidden-lockfiles).
 * A hand edit inside node_modules/ therefore does not make a new revision; reinstalling does.
 */
import { sep } from "node:path";

export const IGNORED_FOLDERS: ReadonlySet<string> = new Set([".lambkin", ".serverless", ".esbuild", ".git"]);

/** The one file of node_modules/ that counts (see above). */
export const NODE_MODULES_STAND_IN = ".package-lock.json";

/**
 * Whether a path relative to a service folder (or to the folder of services) is left out. Path segments are
 * split on both separators so that the watcher's paths and the hash's agree on every platform.
 */
export function isIgnoredPath(relativePath: string): boolean {
  const segments = relativePath.split(sep === "/" ? "/" : /[\\/]/).filter((segment) => segment !== "");
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index] as string;
    if (IGNORED_FOLDERS.has(segment)) return true;
    if (segment === "node_modules") {
      const rest = segments.slice(index + 1);
      // The folder itself is kept (so a watcher can see into it); below it, only its hidden lockfile.
      return !(rest.length === 0 || (rest.length === 1 && rest[0] === NODE_MODULES_STAND_IN));
    }
  }
  return false;
}
