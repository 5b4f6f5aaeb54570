/**
 * A real, throwaway redis-server for a benchmark or a test file: on a free loopback port, in a temporary folder, with no RDB
 * snapshots (`--save ''`) and, when asked, the append-only file (`--appendonly yes`) so that a stop and a
 * start keep the data. stop() shuts it down (SIGTERM: Redis syncs the AOF before exiting); start() brings it
 * back on the same port and folder (a no-op while it runs); dispose() stops it and removes the folder.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Whether it is running now. */
  readonly running: boolean;
  /** The server's process id while it runs (for CPU accounting, bench/process-cpu.ts). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** A loopback port free at the moment of asking. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A running server; a port taken between choosing and binding it is retried with another. */
export async function startRedisServer(options: { appendonly?: boolean } = {}): Promise<RedisServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      return await startOnFreePort(options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOnFreePort(options: { appendonly?: boolean }): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "lambkin-redis-"));
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      if (child !== undefined && child.exitCode === null) return resolve(); // already running
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""];
      args.push("--appendonly", options.appendonly ? "yes" : "no", "--daemonize", "no", "--logfile", "");
      const started = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
      child = started;
      let output = "";
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 15_000);
      started.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      started.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      started.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${output}`));
      });
      started.once("error", reject);
    });

  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get running() {
      return child !== undefined && child.exitCode === null;
    },
    get pid() {
      return child?.exitCode === null ? child.pid : undefined;
    },
    stop,
    start,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
