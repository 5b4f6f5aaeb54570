// Starts `lambkin dev`, `lambkin gateway` or `lambkin worker` (compiled, as an operator runs them) as a child
// process and hands back its output so far, its exit, and for a server its URL. Each gets its own state folder.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { freshStateDir } from "../support/state-dir.js";

export const ROOT = join(import.meta.dirname, "..", "..");

export interface LambkinProcess {
  readonly child: ChildProcess;
  /** The server's URL (empty for a worker). */
  readonly url: string;
  readonly output: () => string;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<number | string>;
}

export type LambkinCommand = "dev" | "gateway" | "worker";

const READY: Record<LambkinCommand, RegExp> = {
  dev: /ready on (http:\/\/[\d.]+:\d+)/,
  gateway: /gateway ready on (http:\/\/[\d.]+:\d+)/,
  worker: /worker ready/,
};

export async function startLambkin(
  command: LambkinCommand,
  dir: string,
  env: NodeJS.ProcessEnv,
  /** More arguments for the command (`--verbose` …). */
  extraArgs: readonly string[] = [],
): Promise<LambkinProcess> {
  const args = [
    join(ROOT, "bin", "lambkin.js"),
    command,
    "--dir",
    dir,
    "--log-format",
    "pretty",
    ...extraArgs,
  ];
  if (command !== "worker") args.push("--port", "0");
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      LAMBKIN_ACCESS_KEYS: "",
      NO_COLOR: "1",
      LAMBKIN_STATE_DIR: freshStateDir(),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
      const ready = READY[command].exec(output);
      if (ready) resolve(ready[1] ?? "");
    });
    void exited.then((code) => reject(new Error(`lambkin ${command} exited early (${code}):\n${output}`)));
  });
  return { child, url, output: () => output, exited };
}

/** SIGTERM, then the exit. */
export async function stopLambkin(process: LambkinProcess | undefined): Promise<void> {
  if (process === undefined || process.child.exitCode !== null || process.child.signalCode !== null) return;
  process.child.kill("SIGTERM");
  await process.exited;
}
