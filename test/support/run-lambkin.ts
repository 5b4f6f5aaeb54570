/**
 * Runs one `lambkin` command (compiled, as a user runs it) to its end and hands back its exit code and output.
 * Its environment is the test's, without the settings that would make it reach something the test did not
 * choose (REDIS_URL, AWS credentials), with its own state folder; `env` adds or overrides.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { freshStateDir } from "./state-dir.js";

export const PACKAGE_ROOT = join(import.meta.dirname, "..", "..");

export interface LambkinRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runLambkin(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<LambkinRun> {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, "bin", "lambkin.js"), ...args], {
    cwd: PACKAGE_ROOT,
    env: {
      ...process.env,
      REDIS_URL: "",
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_SESSION_TOKEN: "",
      NO_COLOR: "1",
      LAMBKIN_STATE_DIR: freshStateDir(),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}
