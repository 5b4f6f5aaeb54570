/**
 * Keeps a Node.js function's handler inside its service folder. Lambda's Node.js runtime looks the handler's
 * module up as `path.resolve(LAMBDA_TASK_ROOT, moduleRoot, module)` (+ `.js`, `.mjs`, `.cjs`; RIC
 * src/UserFunction.js), so `handler: /etc/passwd.handler`, or a `src/` that is a symlink to a folder elsewhere,
 * would load code from anywhere on the machine in the process sandbox (the docker sandbox only mounts the
 * service folder, and fails such a function at init). Lambkin refuses it at load time instead.
 *
 * The rule: the handler is not an absolute path, and each file the runtime would try for it, once symlinks are
 * resolved, lies inside the service folder (itself resolved). Symlinks that stay inside the folder are fine.
 * Only the handler's own module is checked: what that module imports, and a handler found in node_modules
 * (`npm link`, workspaces), may be symlinked anywhere. `..` is left to the malformed-handler warning: the
 * runtime refuses it (Runtime.MalformedHandlerName) before looking anything up. A TypeScript handler
 * (`.ts`, `.mts`, `.cts`, `.tsx`, runtime/bundling/) is bundled from its source, so the source is held to the same rule. A module that does not exist
 * is not an error here: AWS reports it at the first invoke (Runtime.ImportModuleError), and so does Lambkin.
 * https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { TYPESCRIPT_EXTENSIONS } from "../bundling/typescript-handler.js";
import { type KeyPath, ManifestError } from "./manifest-error.js";

const CODE = "LKN_ERR_MANIFEST_HANDLER_OUTSIDE_SERVICE";

export function checkHandlerLocation(handler: string, serviceDir: string, file: string, path: KeyPath): void {
  if (handler.includes("..")) return;
  const moduleAndHandler = basename(handler);
  const moduleRoot = handler.substring(0, handler.indexOf(moduleAndHandler));
  const module = /^([^.]*)\.(.*)$/.exec(moduleAndHandler)?.[1];
  if (module === undefined) return;
  if (isAbsolute(moduleRoot) || isAbsolute(handler)) {
    throw new ManifestError(
      file,
      path,
      `"${handler}" is an absolute path: a handler is loaded from its service folder (${serviceDir}) only`,
      "Give the module's path from the service folder, e.g. handler: src/index.handler",
      CODE,
    );
  }
  const lambdaStylePath = resolve(serviceDir, moduleRoot, module);
  const root = realpathSync(serviceDir);
  for (const candidate of ["", ".js", ".mjs", ".cjs", ...TYPESCRIPT_EXTENSIONS].map(
    (extension) => lambdaStylePath + extension,
  )) {
    const loaded = loadedFile(candidate);
    if (loaded === undefined || isInside(root, loaded)) continue;
    throw new ManifestError(
      file,
      path,
      `"${handler}" loads ${loaded} (through a symlink at ${candidate}), outside the service folder ${root}`,
      "Put the handler's module inside the service folder: a symlink may only point inside it",
      CODE,
    );
  }
}

/** The real file Node would load for `candidate`, or undefined when there is none. */
function loadedFile(candidate: string): string | undefined {
  if (!existsSync(candidate)) return undefined;
  try {
    if (!statSync(candidate).isDirectory()) return realpathSync(candidate);
    // require() of a folder loads its package.json `main` or index.js; require.resolve follows symlinks.
    return realpathSync(createRequire(join(candidate, "noop.js")).resolve(candidate));
  } catch {
    return undefined;
  }
}

function isInside(root: string, target: string): boolean {
  const path = relative(root, target);
  return path !== "" && path !== ".." && !path.startsWith(`..${sep}`) && !isAbsolute(path);
}
