/**
 * The `process` adapter of the Sandbox port: each execution environment is a child process started
 * with only Lambda's environment variables (§1.4), its memory capped by a cgroup (or watched through
 * RSS), frozen with SIGSTOP between invocations as Lambda freezes environments, and tied to Lambkin's
 * life.
 *
 * Isolated (root with bubblewrap, process-isolation.ts), each environment runs in namespaces of its own
 * as a user of its own (bwrap-command.ts), and its Runtime API serves that user only. Ending an
 * environment kills its pid namespace (the kernel then kills everything in it) and every member of its
 * memory cgroup, which the runtime is started inside, so nothing it started survives; bwrap's
 * --die-with-parent does the same when Lambkin is SIGKILLed. Its uid is reused only once no process of
 * it is left. Unisolated (a coded warning says so at start), environments are process groups run as
 * Lambkin's user, killed through their group and cgroup, and `setpriv --pdeathsig` kills the runtime
 * if Lambkin is SIGKILLed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Duplex, Readable } from "node:stream";
import {
  CHANNEL_BLOCKING_VARIABLE,
  CHANNEL_FD_VARIABLE,
  CHANNEL_PIPELINE_VARIABLE,
} from "../../bootstrap/node/channel-frames.js";
import { managedWorkerSlots } from "../../bootstrap/node/managed-runtime.js";
import { inspectorArguments } from "../../debugging/inspector-arguments.js";
import { coded, type LambkinCode } from "../../errors/lambkin-codes.js";
import { isNodeRuntime } from "../../manifest/function-definition.js";
import { lambdaEnvironmentVariables } from "../lambda-environment-variables.js";
import { splitLines } from "../line-splitter.js";
import { OutputActivity } from "../output-drain.js";
import type { OutputStream, RunningSandbox, SandboxExit, SandboxProvider, SandboxSpec } from "../sandbox.js";
import { missingBootstrap } from "../sandbox-start-error.js";
import { shellCommandFor } from "./amazon-linux-shell.js";
import {
  ancestorNodeModules,
  BWRAP,
  bwrapArguments,
  INFO_FD,
  nodeInstallPrefix,
  SETPRIV,
} from "./bwrap-command.js";
import { checkCodeReadableByOthers, isExecutable } from "./code-permissions.js";
import { createMemoryCgroup, type MemoryCgroup, memoryCgroupName } from "./memory-cgroup.js";
import {
  decideIsolation,
  type ProcessIsolationSetting,
  processIsolationSettingFrom,
  UNISOLATED_WARNING,
  uidBaseFrom,
  unisolatedWarning,
} from "./process-isolation.js";
import { ResidentMemoryReader } from "./rss-watch.js";
import {
  type RuntimeApiChannelSetting,
  runtimeApiChannelSettingFrom,
} from "./runtime-api-channel-setting.js";
import { anyProcessOf, type SandboxUser, type SandboxUsers } from "./sandbox-users.js";

const RSS_POLL_MS = 25;
const MB = 1024 * 1024;
/** bwrap exits 128+N when a signal N killed the runtime; 137 is SIGKILL (the OOM killer, or Lambkin). */
const SIGKILL_STATUS = 128 + 9;
/** How long an ended environment's processes may take to be gone before `exited` resolves anyway. */
const REAP_LIMIT_MS = 5_000;
const REAP_POLL_MS = 10;

export interface ProcessSandboxOptions {
  /** The compiled Node bootstrap (dist/runtime/bootstrap/node/index.js). */
  readonly nodeBootstrapPath: string;
  /** Freeze idle environments with SIGSTOP (default true). */
  readonly freezeIdle?: boolean;
  /** Cap memory with cgroups where possible (default: unless LAMBKIN_MEMORY_CGROUPS=false); else watch RSS. */
  readonly memoryCgroups?: boolean;
  /** Default: LAMBKIN_PROCESS_ISOLATION, else `auto` (isolated where the host allows it). */
  readonly isolation?: ProcessIsolationSetting;
  /** The first uid of the range environments run as (default: LAMBKIN_SANDBOX_UID_BASE, else 2000000000). */
  readonly uidBase?: number;
  /** Default: LAMBKIN_RUNTIME_API_CHANNEL, else `channel` (runtime-api-channel-setting.ts). */
  readonly runtimeApiChannel?: RuntimeApiChannelSetting;
  /** Where the one start-up warning of an unisolated sandbox goes (default: process.emitWarning). */
  readonly warn?: (code: LambkinCode, message: string) => void;
}

export class ProcessSandboxProvider implements SandboxProvider {
  readonly name = "process";
  readonly runtimeApiBindHost = "127.0.0.1";
  readonly runtimeApiAdvertisedHost = "127.0.0.1";
  /** Whether environments run in namespaces of their own, as users of their own. */
  readonly isolated: boolean;
  private readonly users: SandboxUsers | undefined;
  private readonly running = new Set<ProcessEnvironment>();
  private readonly usePdeathsig = isExecutable(SETPRIV);
  private readonly useCgroups: boolean;
  private readonly useChannel: boolean;
  private readonly channelPipelined: boolean;

  constructor(private readonly options: ProcessSandboxOptions) {
    const channel =
      options.runtimeApiChannel ?? runtimeApiChannelSettingFrom(process.env.LAMBKIN_RUNTIME_API_CHANNEL);
    this.useChannel = channel !== "tcp";
    this.channelPipelined = channel === "channel";
    this.useCgroups = options.memoryCgroups ?? process.env.LAMBKIN_MEMORY_CGROUPS !== "false";
    const decision = decideIsolation(
      options.isolation ?? processIsolationSettingFrom(process.env.LAMBKIN_PROCESS_ISOLATION),
      options.uidBase ?? uidBaseFrom(process.env.LAMBKIN_SANDBOX_UID_BASE),
    );
    this.isolated = decision.isolated;
    if (decision.isolated) this.users = decision.users;
    else
      (options.warn ?? ((code, message) => process.emitWarning(coded(code, message))))(
        UNISOLATED_WARNING,
        unisolatedWarning(decision.reason),
      );
    // Last resort for a synchronous exit (process.exit): no environment may outlive Lambkin.
    process.once("exit", () => {
      for (const environment of this.running) environment.killNow();
    });
  }

  async start(spec: SandboxSpec): Promise<RunningSandbox> {
    const { command, args, taskRoot, runtimeDir } = this.entrypoint(spec);
    const node = isNodeRuntime(spec.fn.runtime);
    if (this.users) {
      checkCodeReadableByOthers(
        taskRoot,
        node ? "Runtime.ImportModuleError" : "Runtime.InvalidEntrypoint",
        node ? undefined : join(taskRoot, "bootstrap"),
      );
    }
    const env = lambdaEnvironmentVariables(spec, {
      taskRoot,
      runtimeDir,
      nodeBinDir: dirname(process.execPath),
    });
    // Lambkin's own Node bootstrap talks to its Runtime API over a private channel: the next descriptor after
    // stdio (and bwrap's info descriptor), named by a variable the bootstrap removes before user code runs.
    // On Managed Instances, one channel per worker thread: a socket is read by one thread's event loop only.
    const firstChannelFd =
      node && this.useChannel && spec.attachRuntimeApiChannel ? (this.users ? 4 : 3) : undefined;
    const managed = spec.fn.managedInstances;
    const channelCount = managed
      ? managedWorkerSlots(managed.maxConcurrency, managed.vCpus, env.AWS_LAMBDA_NODEJS_WORKER_COUNT).length
      : 1;
    const channelFds =
      firstChannelFd === undefined
        ? []
        : Array.from({ length: channelCount }, (_, index) => firstChannelFd + index);
    if (channelFds.length > 0) env[CHANNEL_FD_VARIABLE] = channelFds.join(",");
    if (channelFds.length > 0 && !this.channelPipelined) env[CHANNEL_PIPELINE_VARIABLE] = "off";
    // One invocation at a time and frozen between them: the runtime may wait for its next event blocked, its
    // event loop standing still as a frozen one (channel-client.ts). Not with several invocations at once, not
    // under a debugger (it needs the main thread), not when environments are never frozen.
    const blocking = !managed && spec.inspectorPort === undefined && (this.options.freezeIdle ?? true);
    if (channelFds.length > 0 && blocking) env[CHANNEL_BLOCKING_VARIABLE] = "on";
    const limitBytes = spec.fn.memorySize * MB;
    const cgroup = this.useCgroups
      ? createMemoryCgroup(memoryCgroupName(spec.environmentId), limitBytes)
      : undefined;
    // Before the runtime exists (and before any await, so before any connection is served): from
    // now on the environment's Runtime API answers its user only.
    let user: SandboxUser | undefined;
    try {
      user = this.users?.allocate();
    } catch (error) {
      cgroupCleanup(cgroup);
      throw error;
    }
    if (user) spec.restrictRuntimeApiToUid?.(user.uid);
    let [file, argv]: [string, string[]] = user
      ? [
          BWRAP,
          bwrapArguments({
            uid: user.uid,
            tmpDir: user.tmpDir,
            passwdFile: user.passwdFile,
            taskRoot,
            readOnly: [
              ...(node ? [runtimeDir, nodeInstallPrefix()] : [runtimeDir]),
              ...ancestorNodeModules(taskRoot),
            ],
            command,
            args,
          }),
        ]
      : this.usePdeathsig
        ? [SETPRIV, ["--pdeathsig", "KILL", "--", command, ...args]]
        : [command, args];
    if (cgroup) {
      // The group holds the runtime from its first instruction: nothing it forks can start outside.
      [file, argv] = ["/bin/sh", ["-c", 'echo $$ > "$0" && exec "$@"', cgroup.procsFile, file, ...argv]];
    }
    const stdio: ("ignore" | "pipe")[] = user
      ? ["ignore", "pipe", "pipe", "pipe"]
      : ["ignore", "pipe", "pipe"];
    for (const fd of channelFds) stdio[fd] = "pipe";
    const child = spawn(file, argv, { cwd: taskRoot, env, stdio, detached: true });
    for (const fd of channelFds) spec.attachRuntimeApiChannel?.(child.stdio[fd] as Duplex);
    const environment = new ProcessEnvironment(child, {
      cgroup,
      user,
      limitBytes,
      freezeIdle: this.options.freezeIdle ?? true,
    });
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
      const args = [...inspectorArguments(spec.inspectorPort, spec.inspectorBreakOnStart), bootstrap];
      return { command: process.execPath, args, taskRoot, runtimeDir: dirname(bootstrap) };
    }
    // provided*: the package's executable `bootstrap` (RIE run.go looks in /var/task first).
    const bootstrap = join(taskRoot, "bootstrap");
    if (!isExecutable(bootstrap)) throw missingBootstrap();
    return { ...shellCommandFor(bootstrap), taskRoot, runtimeDir: taskRoot };
  }
}

interface EnvironmentResources {
  readonly cgroup: MemoryCgroup | undefined;
  /** Set when isolated: the environment's own uid and /tmp. */
  readonly user: SandboxUser | undefined;
  readonly limitBytes: number;
  readonly freezeIdle: boolean;
}

class ProcessEnvironment implements RunningSandbox {
  readonly exited: Promise<SandboxExit>;
  readonly started: Promise<void>;
  private readonly listeners: ((stream: OutputStream, line: string) => void)[] = [];
  private readonly output = new OutputActivity();
  private readonly cgroup: MemoryCgroup | undefined;
  private readonly user: SandboxUser | undefined;
  private frozen = false;
  private alive = true;
  private peakRssBytes = 0;
  private rssTimer: NodeJS.Timeout | undefined;
  private residentMemory: ResidentMemoryReader | undefined;
  /** Isolated: the host pid of the pid namespace's init (bwrap's), and of the runtime under it. */
  private namespaceInit: number | undefined;
  private runtimePid: number | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly resources: EnvironmentResources,
  ) {
    this.cgroup = resources.cgroup;
    this.user = resources.user;
    this.pipe(child.stdout, "stdout");
    this.pipe(child.stderr, "stderr");
    if (this.user) this.readSandboxInfo(child.stdio[INFO_FD] as Readable | null);
    this.started = new Promise((resolve, reject) => {
      child.once("spawn", () => resolve());
      child.once("error", reject);
    });
    this.exited = new Promise((resolve) => {
      child.once("error", () => {
        this.alive = false;
        void this.reapEverything().then(() => resolve({ code: 127, signal: null }));
      });
      child.once("exit", (code, signal) => {
        this.alive = false;
        clearInterval(this.rssTimer);
        this.residentMemory?.close();
        // Whatever the runtime started dies with it: Lambda resets the whole environment.
        this.killEverything();
        // Keep the group's peak for the REPORT line of the invocation that ended with it (OOM).
        this.peakRssBytes = Math.max(this.peakRssBytes, this.cgroup?.peakBytes() ?? 0);
        void this.reapEverything().then(() => resolve(this.exitOf(code, signal)));
      });
    });
    if (!this.cgroup) this.watchRss();
  }

  onOutput(listener: (stream: OutputStream, line: string) => void): void {
    this.listeners.push(listener);
  }

  outputDrained(): Promise<void> {
    return this.output.drained(); // pipes: written is readable at once (output-drain.ts)
  }

  freeze(): void {
    if (!this.resources.freezeIdle || this.frozen || !this.alive) return;
    this.frozen = this.signalAll("SIGSTOP");
  }

  thaw(): void {
    if (!this.frozen) return;
    this.frozen = false;
    this.signalAll("SIGCONT");
  }

  peakMemoryMB(): number {
    const rss = this.memoryReader()?.read();
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
    this.killEverything();
  }

  /** bwrap reports how the runtime ended as a shell status: 137 is a kill, as docker-init's is. */
  private exitOf(code: number | null, signal: NodeJS.Signals | null): SandboxExit {
    if (this.user && code === SIGKILL_STATUS) return { code: null, signal: "SIGKILL" };
    return { code, signal };
  }

  /** SIGKILL to the namespace's init takes the whole namespace down; the group and cgroup catch the rest. */
  private killEverything(): void {
    if (this.namespaceInit !== undefined) signal(this.namespaceInit, "SIGKILL");
    this.signalAll("SIGKILL");
  }

  /**
   * Resolves once no process of the environment is left (or after REAP_LIMIT_MS); only then are its
   * uid and cgroup given back, so that nothing of it can reach the next environment.
   */
  private async reapEverything(): Promise<void> {
    const deadline = Date.now() + REAP_LIMIT_MS;
    for (;;) {
      this.killEverything();
      // A pid namespace's init exits only once every process in it is gone (the kernel waits for them),
      // so the scan of every process for the uid is needed only when bwrap never said which was its init.
      const left =
        (this.cgroup?.members().length ?? 0) > 0 ||
        (this.namespaceInit !== undefined
          ? isRunning(this.namespaceInit)
          : this.user !== undefined && anyProcessOf(this.user.uid));
      if (!left) break;
      if (Date.now() > deadline) return; // uid and cgroup stay taken: a straggler must not meet a new environment
      await new Promise((resolve) => setTimeout(resolve, REAP_POLL_MS));
    }
    this.user?.release();
    cgroupCleanup(this.cgroup);
  }

  private readSandboxInfo(info: Readable | null): void {
    if (!info) return;
    let text = "";
    info.setEncoding("utf8");
    info.on("data", (chunk: string) => {
      text += chunk;
      try {
        const pid = (JSON.parse(text) as { "child-pid"?: unknown })["child-pid"];
        if (typeof pid === "number") this.namespaceInit = pid;
        info.destroy();
      } catch {
        // Not all of it yet.
      }
    });
    info.on("error", () => {});
  }

  /** The reader of the runtime's resident memory, once its pid is known. */
  private memoryReader(): ResidentMemoryReader | undefined {
    if (this.residentMemory) return this.residentMemory;
    const pid = this.memoryPid();
    if (pid !== undefined) this.residentMemory = new ResidentMemoryReader(pid);
    return this.residentMemory;
  }

  /** Whose RSS to read: the runtime itself (under bwrap's init when isolated). */
  private memoryPid(): number | undefined {
    if (!this.user) return this.child.pid;
    if (this.runtimePid === undefined && this.namespaceInit !== undefined) {
      this.runtimePid = firstChildOf(this.namespaceInit);
    }
    return this.runtimePid;
  }

  private watchRss(): void {
    this.rssTimer = setInterval(() => {
      if (this.frozen) return;
      const rss = this.memoryReader()?.read();
      if (!rss) return;
      this.peakRssBytes = Math.max(this.peakRssBytes, rss.peakBytes);
      if (rss.currentBytes > this.resources.limitBytes) this.killNow();
    }, RSS_POLL_MS);
    this.rssTimer.unref();
  }

  /** The runtime's process group (detached: it leads its own) and every member of its cgroup. */
  private signalAll(name: NodeJS.Signals): boolean {
    const pid = this.child.pid;
    if (pid === undefined) return false;
    const sent = signal(-pid, name);
    for (const member of this.cgroup?.members() ?? []) signal(member, name);
    return sent;
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

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** Alive and not a zombie (a zombie has done all it can). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

function firstChildOf(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

function cgroupCleanup(cgroup: MemoryCgroup | undefined): void {
  if (!cgroup || cgroup.remove()) return;
  // Processes the runtime started may take a moment to die after the group's SIGKILL.
  setTimeout(() => cgroup.remove(), 100).unref();
}
