// Starts `lambkin dev` (compiled, as `npm start` runs it) as a child process on a free port and hands
// back its URL, its output so far and its exit; the tests of hostile clients and of shutdown share it.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { freshStateDir } from "../support/state-dir.js";

export const ROOT = join(import.meta.dirname, "..", "..");

export interface DevProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  readonly output: () => string;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<number | string>;
}

export async function startDev(dir: string, env: NodeJS.ProcessEnv = {}): Promise<DevProcess> {
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin", "lambkin.js"), "dev", "--port", "0", "--dir", dir, "--log-format", "pretty"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        LAMBKIN_ACCESS_KEYS: "",
        NO_COLOR: "1",
        LAMBKIN_STATE_DIR: freshStateDir(),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (ready?.[1]) resolve(ready[1]);
    });
    void exited.then((code) => reject(new Error(`lambkin dev exited early (${code}):\n${output}`)));
  });
  return { child, url, port: Number(new URL(url).port), output: () => output, exited };
}
