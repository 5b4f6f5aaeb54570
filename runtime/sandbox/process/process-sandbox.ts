/**
 * The `process` adapter of the Sandbox port: each execution environment is a child process in its
 * own process group, started with only Lambda's environment variables (§1.4), its memory capped by
 * a cgroup (or watched through RSS), frozen with SIGSTOP between invocations as Lambda freezes
 * environments, and tied to Lambkin's life: `setpriv --pdeathsig` kills it if Lambkin is SIGKILLed,
 * and Lambkin kills every group it started when it stops.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { dirname, join } from "node:path";
import { isNodeRuntime } from "../../manifest/function-definition.js";
import { lambdaEnvironmentVariables } from "../lambda-environment-variables.js";
import { splitLines } from "../line-splitter.js";
import { OutputActivity } from "../output-drain.js";
import type { OutputStream, RunningSandbox, SandboxExit, SandboxProvider, SandboxSpec } from "../sandbox.js";
import { missingBootstrap } from "../sandbox-start-error.js";
import { shellCommandFor } from "./amazon-linux-shell.js";
import { createMemoryCgroup, type MemoryCgroup } from "./memory-cgroup.js";
import { readResidentMemory } from "./rss-watch.js";

const SETPRIV = "/usr/bin/setpriv";
const RSS_POLL_MS = 25;
const MB = 1024 * 1024;

export interface ProcessSandboxOptions {
  /** The compiled Node bootstrap (dist/runtime/bootstrap/node/index.js). */
  readonly nodeBootstrapPath: string;
  /** Freeze idle environments with SIGSTOP (default true). */
  readonly freezeIdle?: boolean;
  /** Cap memory with cgroups where possible (default: unless LAMBKIN_MEMORY_CGROUPS=false); else watch RSS. */
  readonly memoryCgroups?: boolean;
}

export class ProcessSandboxProvider implements SandboxProvider {
  readonly name = "process";
  readonly runtimeApiBindHost = "127.0.0.1";
  readonly runtimeApiAdvertisedHost = "127.0.0.1";
  private readonly running = new Set<ProcessEnvironment>();
  private readonly usePdeathsig = isExecutable(SETPRIV);
  private readonly useCgroups: boolean;

  constructor(private readonly options: ProcessSandboxOptions) {
    this.useCgroups = options.memoryCgroups ?? process.env.LAMBKIN_MEMORY_CGROUPS !== "false";
    // Last resort for a synchronous exit (process.exit): no environment may outlive Lambkin.
    process.once("exit", () => {
      for (const environment of this.running) environment.killNow();
    });
  }

  async start(spec: SandboxSpec): Promise<RunningSandbox> {
    const { command, args, taskRoot, runtimeDir } = this.entrypoint(spec);
    const env = lambdaEnvironmentVariables(spec, {
      taskRoot,
      runtimeDir,
      nodeBinDir: dirname(process.execPath),
    });
    const [file, argv] = this.usePdeathsig
      ? [SETPRIV, ["--pdeathsig", "KILL", "--", command, ...args]]
      : [command, args];
    const child = spawn(file, argv, {
      cwd: taskRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const cgroup = this.useCgroups
      ? createMemoryCgroup(`lambkin-${spec.environmentId}`, spec.fn.memorySize * MB)
      : undefined;
    const environment = new ProcessEnvironment(
      child,
      cgroup,
      spec.fn.memorySize * MB,
      this.options.freezeIdle ?? true,
    );
    this.running.add(environment);
    void environment.exited.then(() => this.running.delete(environment));
    await environment.started;
    return environment;
  }

  async close(): Promise<void> {
    await Promise.all([...this.running].map((environment) => environment.kill()));
  }

  private entrypoint(spec: SandboxSpec) {
    const taskRoot = spec.fn.serviceDir;
    if (isNodeRuntime(spec.fn.runtime)) {
      const bootstrap = this.options.nodeBootstrapPath;
      return { command: process.execPath, args: [bootstrap], taskRoot, runtimeDir: dirname(bootstrap) };
    }
    // provided*: the package's executable `bootstrap` (RIE run.go looks in /var/task first).
    const bootstrap = join(taskRoot, "bootstrap");
    if (!isExecutable(bootstrap)) throw missingBootstrap();
    return { ...shellCommandFor(bootstrap), taskRoot, runtimeDir: taskRoot };
  }
}

class ProcessEnvironment implements RunningSandbox {
  readonly exited: Promise<SandboxExit>;
  readonly started: Promise<void>;
  private readonly listeners: ((stream: OutputStream, line: string) => void)[] = [];
  private readonly output = new OutputActivity();
  private frozen = false;
  private alive = true;
  private peakRssBytes = 0;
  private rssTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly cgroup: MemoryCgroup | undefined,
    private readonly limitBytes: number,
    private readonly freezeIdle: boolean,
  ) {
    this.pipe(child.stdout, "stdout");
    this.pipe(child.stderr, "stderr");
    this.started = new Promise((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", reject);
    });
    this.exited = new Promise((resolve) => {
      child.once("error", () => {
        this.alive = false;
        resolve({ code: 127, signal: null });
      });
      child.once("exit", (code, signal) => {
        this.alive = false;
        clearInterval(this.rssTimer);
        // Whatever the runtime started dies with it: Lambda resets the whole environment.
        this.signalGroup("SIGKILL");
        // Keep the group's peak for the REPORT line of the invocation that ended with it (OOM).
        this.peakRssBytes = Math.max(this.peakRssBytes, this.cgroup?.peakBytes() ?? 0);
        cgroupCleanup(this.cgroup);
        resolve({ code, signal });
      });
    });
    if (child.pid !== undefined) {
      try {
        cgroup?.addProcess(child.pid);
      } catch {
        // The process is already gone; its exit is reported through `exited`.
      }
    }
    if (!cgroup) this.watchRss();
  }

  onOutput(listener: (stream: OutputStream, line: string) => void): void {
    this.listeners.push(listener);
  }

  outputDrained(): Promise<void> {
    return this.output.drained(); // pipes: written is readable at once (output-drain.ts)
  }

  freeze(): void {
    if (!this.freezeIdle || this.frozen || !this.alive) return;
    this.frozen = this.signalGroup("SIGSTOP");
  }

  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.signalGroup("SIGCONT");
  }

  peakMemoryMB(): number {
    const pid = this.child.pid;
    const rss = pid !== undefined ? readResidentMemory(pid) : undefined;
    if (rss) this.peakRssBytes = Math.max(this.peakRssBytes, rss.peakBytes);
    const peak = Math.max(this.peakRssBytes, this.cgroup?.peakBytes() ?? 0);
    return Math.max(1, Math.round(peak / MB));
  }

  async kill(): Promise<void> {
    this.killNow();
    await this.exited;
  }

  killNow(): void {
    if (!this.alive) return;
    this.signalGroup("SIGKILL");
  }

  private watchRss(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    this.rssTimer = setInterval(() => {
      if (this.frozen) return;
      const rss = readResidentMemory(pid);
      if (!rss) return;
      this.peakRssBytes = Math.max(this.peakRssBytes, rss.peakBytes);
      if (rss.currentBytes > this.limitBytes) this.killNow();
    }, RSS_POLL_MS);
    this.rssTimer.unref();
  }

  private signalGroup(signal: NodeJS.Signals): boolean {
    const pid = this.child.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal); // detached: the child leads its own process group
      return true;
    } catch {
      return false;
    }
  }

  private pipe(stream: NodeJS.ReadableStream | null, name: OutputStream): void {
    if (!stream) return;
    const lines = splitLines((line) => {
      for (const listener of this.listeners) listener(name, line);
    });
    stream.on("data", (chunk: Buffer) => {
      this.output.received(chunk);
      lines.write(chunk);
    });
    stream.on("end", () => lines.end());
  }
}

function cgroupCleanup(cgroup: MemoryCgroup | undefined): void {
  if (!cgroup || cgroup.remove()) return;
  // Processes the runtime started may take a moment to die after the group's SIGKILL.
  setTimeout(() => cgroup.remove(), 100).unref();
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
