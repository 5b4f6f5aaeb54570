/**
 * Checks that a service using a custom runtime (`provided`, `provided.al2`, `provided.al2023`) ships the
 * executable `bootstrap` Lambda starts in its place. AWS looks for /var/task/bootstrap, i.e. the root of the
 * deployment package, which for Lambkin is the service folder (docs/lambda-behaviour.md §1.5). AWS only finds out at the
 * first invoke; Lambkin says so at load time, when the fix is easiest.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { isNodeRuntime, type LambdaRuntime } from "./function-definition.js";
import { type KeyPath, ManifestError } from "./manifest-error.js";

export async function checkBootstrap(
  runtime: LambdaRuntime,
  serviceDir: string,
  file: string,
  path: KeyPath,
): Promise<void> {
  if (isNodeRuntime(runtime)) return;
  const bootstrap = join(serviceDir, "bootstrap");
  const info = await stat(bootstrap).catch(() => undefined);
  if (!info?.isFile()) {
    throw new ManifestError(
      file,
      path,
      `${runtime} runs the file bootstrap from the service folder, and ${bootstrap} does not exist`,
      `Create it and make it executable: chmod +x ${bootstrap}`,
      "LKN_ERR_MANIFEST_BOOTSTRAP",
    );
  }
  // Windows has no execute bit: there, any file counts as executable.
  if (process.platform !== "win32" && (info.mode & 0o111) === 0) {
    throw new ManifestError(
      file,
      path,
      `${bootstrap} is not executable`,
      `Run: chmod +x ${bootstrap}`,
      "LKN_ERR_MANIFEST_BOOTSTRAP",
    );
  }
}
