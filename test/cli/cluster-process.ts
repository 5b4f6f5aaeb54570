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

/** A `lambkin` child process (compiled) and its combined stdout + stderr so far; nothing waited for. */
export interface SpawnedLambkin {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  readonly exited: Promise<number | string>;
}

/**
 * Spawns `lambkin <args>` with a state folder of its own, no access keys and no colours (`env` adds or
 * overrides), collecting its output: the launchers below and the tests that watch a start themselves use it.
 */
export function spawnLambkin(
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
): SpawnedLambkin {
  const child = spawn(process.execPath, [join(ROOT, "bin", "lambkin.js"), ...args], {
    cwd: options.cwd ?? ROOT,
    env: {
      ...process.env,
      LAMBKIN_ACCESS_KEYS: "",
      NO_COLOR: "1",
      LAMBKIN_STATE_DIR: freshStateDir(),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return { child, output: () => output, exited };
}

/** Resolves with the first group of `ready` once the output shows it; rejects if the process exits first. */
export function untilReady(spawned: SpawnedLambkin, ready: RegExp, what: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = ready.exec(spawned.output());
      if (match) resolve(match[1] ?? "");
    };
    spawned.child.stdout?.on("data", check);
    spawned.child.stderr?.on("data", check);
    check();
    void spawned.exited.then((code) =>
      reject(new Error(`${what} exited early (${code}):\n${spawned.output()}`)),
    );
  });
}

export async function startLambkin(
  command: LambkinCommand,
  dir: string,
  env: NodeJS.ProcessEnv,
  /** More arguments for the command (`--verbose` …). */
  extraArgs: readonly string[] = [],
): Promise<LambkinProcess> {
  const args = [command, "--dir", dir, "--log-format", "pretty", ...extraArgs];
  if (command !== "worker") args.push("--port", "0");
  const spawned = spawnLambkin(args, { env });
  const url = await untilReady(spawned, READY[command], `lambkin ${command}`);
  return { ...spawned, url };
}

export async function stopLambkin(process: LambkinProcess | undefined): Promise<void> {
  if (process === undefined || process.child.exitCode !== null || process.child.signalCode !== null) return;
  process.child.kill("SIGTERM");
  await process.exited;
}
