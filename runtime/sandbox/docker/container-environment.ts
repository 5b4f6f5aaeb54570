/**
 * One execution environment in one container (the docker adapter's RunningSandbox). Its life:
 * `prepare` creates the container, attaches to its output (and, for Lambkin's images, its stdin) and
 * registers the wait for its exit — all before it starts, so nothing it prints or how it ends is
 * missed — and may start it ahead of need (a standby, its launcher waiting); `activate` hands it its
 * environment: the Runtime API address and log stream on stdin, and the runtime's init begins.
 * The runtime's output arrives through the output channel (output-channel.ts) once the launcher has
 * redirected it, and through the attach stream before that (or for images without the launcher).
 * The drain barrier (outputDrained) counts the channel's bytes through the container's TCP table
 * (channel-drain.ts); where this host cannot read it, it falls back to waiting for a quiet output.
 * Frozen between invocations as Lambda freezes environments (cgroup freezer, else `docker pause`);
 * killed with the container, which the engine then removes (AutoRemove).
 */

import type { Socket } from "node:net";
import type Docker from "dockerode";
import type { Container } from "dockerode";
import { splitLines } from "../line-splitter.js";
import { OutputActivity } from "../output-drain.js";
import { readResidentMemory } from "../process/rss-watch.js";
import type { OutputStream, RunningSandbox, SandboxExit, SandboxSpec } from "../sandbox.js";
import { ChannelConnection, drainChannel } from "./channel-drain.js";
import { type ContainerCgroup, findContainerCgroup } from "./container-cgroup.js";
import { containerExit, ENGINE_LOST_EXIT } from "./container-exit.js";
import { type ContainerNetDir, containerNetDir } from "./container-net-dir.js";
import type { ContainerPlan } from "./container-plan.js";
import { registerNextExit } from "./container-wait.js";
import { statusOf, withDeadline } from "./docker-engine.js";
import type { OutputSink } from "./output-channel.js";
import { demuxOutput } from "./output-demuxer.js";
import { canonicalAddress, type TcpEndpoint } from "./proc-net-tcp.js";

const MB = 1024 * 1024;
/** How long an exit waits for the last output to drain before it is reported. */
const OUTPUT_DRAIN_MS = 500;
/**
 * Where the container's TCP table cannot be read (or for an image without Lambkin's launcher, whose
 * output comes through the engine), the invocation's log waits until the output has been this quiet:
 * a line written before the runtime's Runtime API call may still be in flight.
 */
const OUTPUT_QUIET_MS = 2;
/** kill() resolves by then even if the engine never confirms the exit. */
const KILL_WAIT_MS = 10_000;
/** How often the memory peak is sampled while the runtime runs (a crash leaves no cgroup to read). */
const MEMORY_SAMPLE_MS = 50;

/** Where the launcher sends the runtime's output: the channel's `host:port` and this environment's token. */
export interface OutputTarget {
  readonly endpoint: string;
  readonly token: string;
}

/** Told once per environment why its drain barrier falls back to timing (the provider warns once). */
export type DrainFallbackListener = (reason: string) => void;

type Listener = (stream: OutputStream, line: string) => void;

export class ContainerEnvironment implements RunningSandbox, OutputSink {
  readonly exited: Promise<SandboxExit>;
  private readonly listeners: Listener[] = [];
  private readonly activity = new OutputActivity();
  private buffered: [OutputStream, string][] | undefined = [];
  private started = false;
  /** The container's address on its network: where its Runtime API requests come from. */
  private address: string | undefined;
  private alive = true;
  private killed = false;
  private frozenBy: "cgroup" | "api" | undefined;
  private cgroup: ContainerCgroup | null | undefined;
  private apiQueue: Promise<unknown> = Promise.resolve();
  private peakBytes = 0;
  private sampler: NodeJS.Timeout | undefined;
  private readonly channelSockets = new Set<Promise<void>>();
  private readonly channelConnections: ChannelConnection[] = [];
  /** The output channel's address, as the container connects to it (once activated with one). */
  private channel: TcpEndpoint | undefined;
  /** /proc/<pid>/net of the container, or why this host cannot read it. */
  private netDir: ContainerNetDir | undefined;
  private fallbackReported = false;
  private pendingDrain: Promise<void> | undefined;
  private forceExit: (exit: SandboxExit) => void = () => {};

  private constructor(
    private readonly container: Container,
    private readonly plan: ContainerPlan,
    private readonly stream: NodeJS.ReadWriteStream,
    exit: Promise<{ StatusCode: number }>,
    private readonly freezeIdle: boolean,
    private readonly onDrainFallback: DrainFallbackListener,
  ) {
    const demux = demuxOutput((name, line) => this.output(name, line));
    const drained = new Promise<void>((resolve) => {
      stream.on("data", (chunk: Buffer) => {
        this.activity.received(chunk);
        demux.write(chunk);
      });
      stream.once("end", resolve);
      stream.once("close", resolve);
      stream.once("error", () => resolve());
    });
    const ended = exit.then(
      (result) => containerExit(result.StatusCode),
      (error: Error) => {
        this.output("stderr", `Lambkin lost the Docker engine while this environment ran: ${error.message}`);
        return ENGINE_LOST_EXIT;
      },
    );
    const forced = new Promise<SandboxExit>((resolve) => {
      this.forceExit = resolve;
    });
    this.exited = Promise.race([ended, forced]).then(async (result) => {
      this.alive = false;
      clearInterval(this.sampler);
      await Promise.race([Promise.all([drained, ...this.channelSockets]), delay(OUTPUT_DRAIN_MS)]);
      demux.end();
      // An OOM kill leaves no cgroup to read: Lambda reports the whole memory as used.
      if (result.signal === "SIGKILL" && !this.killed)
        this.peakBytes = Math.max(this.peakBytes, this.limitBytes());
      return result;
    });
  }

  /** Creates the container (started too when `start`), ready to be activated. */
  static async prepare(
    docker: Docker,
    plan: ContainerPlan,
    name: string,
    start: boolean,
    freezeIdle: boolean,
    onDrainFallback: DrainFallbackListener = () => {},
  ) {
    const container = await withDeadline(
      docker.createContainer({ ...plan.options, name }),
      "creating a container",
    );
    try {
      const stream = (await withDeadline(
        container.attach({
          stream: true,
          stdin: plan.launcher,
          hijack: plan.launcher,
          stdout: true,
          stderr: true,
        }),
        "attaching to a container",
      )) as NodeJS.ReadWriteStream;
      const { exit } = await withDeadline(registerNextExit(docker, container.id), "waiting for a container");
      const environment = new ContainerEnvironment(
        container,
        plan,
        stream,
        exit,
        freezeIdle,
        onDrainFallback,
      );
      if (start) await environment.start();
      return environment;
    } catch (error) {
      await container.remove({ force: true }).catch(() => undefined);
      throw error;
    }
  }

  get id(): string {
    return this.container.id;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** Starts the runtime for this environment (§1.5: init begins now). */
  async activate(spec: SandboxSpec, output?: OutputTarget): Promise<void> {
    if (!this.started) await this.start();
    // Before the runtime learns its Runtime API address: only this container may call it.
    if (this.address) spec.restrictRuntimeApiTo?.(this.address);
    // The launcher's one line; no value has a space (host:port, a log stream name, hex).
    const line = [spec.runtimeApiAddress, spec.logStreamName, output?.endpoint ?? "-", output?.token ?? "-"];
    if (this.plan.launcher) this.stream.write(`${line.join(" ")}\n`);
    if (this.plan.launcher && output) this.channel = parseEndpoint(output.endpoint);
    this.sampler = setInterval(() => this.sampleMemory(), MEMORY_SAMPLE_MS);
    this.sampler.unref();
  }

  /** A connection from the launcher carrying one of the runtime's streams (OutputSink). */
  attach(stream: OutputStream, socket: Socket, greetingBytes = 0): void {
    const lines = splitLines((line) => this.output(stream, line));
    const connection = new ChannelConnection(socket, greetingBytes);
    this.channelConnections.push(connection);
    this.channelSockets.add(
      new Promise((resolve) => {
        socket.on("data", (chunk: Buffer) => {
          this.activity.received(chunk);
          lines.write(chunk);
          connection.delivered(chunk.length);
        });
        socket.once("close", () => {
          lines.end();
          resolve();
        });
      }),
    );
  }

  onOutput(listener: Listener): void {
    this.listeners.push(listener);
    const buffered = this.buffered;
    this.buffered = undefined;
    for (const [name, line] of buffered ?? []) listener(name, line);
  }

  outputDrained(): Promise<void> {
    // Calls made before the barrier's first reading of the container's table share it (the reading
    // comes after each of them): back in /next, the freeze and the invocation's END ask in one turn.
    this.pendingDrain ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.pendingDrain = undefined;
      return this.drainNow();
    });
    return this.pendingDrain;
  }

  private async drainNow(): Promise<void> {
    const netDir = this.netDir;
    if (this.channel && netDir && "dir" in netDir && this.alive) {
      const result = await drainChannel(this.channelConnections, {
        netDir: netDir.dir,
        channel: this.channel,
      });
      if (result === "drained" || result === "stalled") return;
      // Dead meanwhile, its table with it: nothing is in flight any more; read what has arrived.
      if (result === "gone" || !this.alive) return this.activity.drained();
      this.reportFallback(
        result === "unreadable"
          ? `the container's TCP table (${netDir.dir}/tcp) cannot be read any more`
          : `the container's TCP table (${netDir.dir}/tcp) does not show its output connections`,
      );
    } else if (this.channel && netDir && "problem" in netDir) this.reportFallback(netDir.problem);
    return this.activity.drained({ quietMs: OUTPUT_QUIET_MS });
  }

  freeze(): void {
    if (!this.freezeIdle || this.frozenBy || !this.alive || !this.started || this.killed) return;
    const cgroup = this.findCgroup();
    this.sampleMemory();
    if (cgroup?.setFrozen(true)) {
      this.frozenBy = "cgroup";
      return;
    }
    this.cgroup = null; // not writable here: the engine's API from now on
    this.frozenBy = "api";
    this.viaApi(() => this.container.pause());
  }

  thaw(): void {
    const frozenBy = this.frozenBy;
    this.frozenBy = undefined;
    if (frozenBy === "cgroup") this.cgroup?.setFrozen(false);
    else if (frozenBy === "api") this.viaApi(() => this.container.unpause());
  }

  peakMemoryMB(): number {
    if (this.findCgroup()) this.sampleMemory();
    else if (this.alive && this.started) this.refreshPeakFromStats();
    return Math.max(1, Math.round(this.peakBytes / MB));
  }

  async kill(): Promise<void> {
    this.killed = true;
    // A container frozen behind the engine's back (cgroup freezer) cannot die: SIGKILL waits for a
    // thaw, and the engine's removal would hang holding the container's lock — and with it every
    // `docker ps`/`info`. Thaw first, and let a pause made through the API be undone before removal.
    const frozenBy = this.frozenBy;
    this.thaw();
    if (frozenBy === "api") await this.apiQueue.catch(() => undefined);
    try {
      // Removal kills it first; a container that never started has no exit to wait for.
      await withDeadline(this.container.remove({ force: true }), "removing a container");
    } catch (error) {
      // 404: gone already; 409: its auto-removal is under way. Anything else: the engine is in trouble,
      // and the environment counts as gone all the same (it is dead to Lambkin).
      if (statusOf(error) !== 404 && statusOf(error) !== 409)
        this.output("stderr", `Lambkin could not remove container ${this.id}: ${(error as Error).message}`);
    }
    if (!this.started) this.forceExit({ code: null, signal: "SIGKILL" });
    await Promise.race([this.exited, delay(KILL_WAIT_MS)]);
    this.forceExit({ code: null, signal: "SIGKILL" });
  }

  private async start(): Promise<void> {
    await withDeadline(this.container.start(), "starting a container");
    this.started = true;
    const info = await withDeadline(this.container.inspect(), "inspecting a container");
    const networks = Object.values(info.NetworkSettings?.Networks ?? {});
    this.address = networks.map((network) => network.IPAddress).find((address) => address) || undefined;
    this.netDir = containerNetDir(info.State?.Pid, this.id);
  }

  private reportFallback(reason: string): void {
    if (this.fallbackReported) return;
    this.fallbackReported = true;
    this.onDrainFallback(reason);
  }

  private output(name: OutputStream, line: string): void {
    if (this.buffered) this.buffered.push([name, line]);
    for (const listener of this.listeners) listener(name, line);
  }

  /** The container's peak: what its memory cgroup was charged, or its processes' resident peaks. */
  private sampleMemory(): void {
    const cgroup = this.findCgroup();
    if (!cgroup || this.frozenBy || !this.alive) return;
    let resident = 0;
    for (const pid of cgroup.processIds()) resident += readResidentMemory(pid)?.peakBytes ?? 0;
    this.peakBytes = Math.max(this.peakBytes, cgroup.peakBytes(), resident);
  }

  private findCgroup(): ContainerCgroup | undefined {
    if (this.cgroup === undefined && this.started) this.cgroup = findContainerCgroup(this.id) ?? null;
    return this.cgroup ?? undefined;
  }

  /** Engine calls that change the container's state run one after another, in order. */
  private viaApi(call: () => Promise<unknown>): void {
    this.apiQueue = this.apiQueue
      .then(() => (this.alive ? withDeadline(call(), "pausing a container") : undefined))
      .catch(() => undefined);
  }

  private refreshPeakFromStats(): void {
    this.viaApi(async () => {
      const stats = (await this.container.stats({ stream: false, "one-shot": true } as {
        stream: false;
      })) as {
        memory_stats?: { max_usage?: number; usage?: number };
      };
      const memory = stats.memory_stats;
      this.peakBytes = Math.max(this.peakBytes, memory?.max_usage ?? memory?.usage ?? 0);
    });
  }

  private limitBytes(): number {
    return Number(this.plan.options.HostConfig?.Memory ?? 0);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** `host:port` (the host possibly IPv6) as an endpoint of the TCP table. */
function parseEndpoint(endpoint: string): TcpEndpoint {
  const colon = endpoint.lastIndexOf(":");
  return { address: canonicalAddress(endpoint.slice(0, colon)), port: Number(endpoint.slice(colon + 1)) };
}
