/**
 * Warm reuse of execution environments (docs/architecture.md "One path for every invocation"): an environment
 * runs one invocation at a time and is reused for the next invocation of the same function;
 * concurrency means more environments; idle ones are reaped; dead ones (crash, timeout, OOM) are
 * dropped so the next invocation gets a fresh one.
 *
 * Debugged environments (`lambkin dev --inspect`) are started ahead of the first invocation (`prewarm`), so a
 * debugger can attach before it, and are never reaped when idle: a debugger may be attached to one at any time
 * and would lose its session (and its breakpoints' place) to a reap.
 */
import type { ExecutionEnvironment } from "../environment/execution-environment.js";
import type { FunctionDefinition } from "../manifest/function-definition.js";

export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** How long an acquire waits for an environment that has answered but not yet asked for more. */
const SETTLE_WAIT_MS = 100;

export type EnvironmentFactory = (fn: FunctionDefinition) => Promise<ExecutionEnvironment>;

export class EnvironmentPool {
  private readonly environments = new Map<string, Set<ExecutionEnvironment>>();
  private readonly leased = new Set<ExecutionEnvironment>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly createEnvironment: EnvironmentFactory,
    private readonly idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
  ) {
    this.reaper = setInterval(() => this.reapIdle(), Math.min(1000, Math.max(10, idleTimeoutMs / 2)));
    this.reaper.unref();
  }

  /** A warm environment of `fn` if one is free, else a new one. The caller must `release` it. */
  async acquire(fn: FunctionDefinition): Promise<ExecutionEnvironment> {
    if (this.closed) throw new Error("Lambkin is shutting down");
    const warm = this.takeFree(fn, "ready") ?? this.takeFree(fn, "initializing");
    if (warm) return warm;
    const settling = this.takeFree(fn, "finishing");
    if (settling) {
      const state = await Promise.race([settling.whenSettled(), delay(SETTLE_WAIT_MS)]);
      if (state === "ready") return settling;
      this.leased.delete(settling);
    }
    const fresh = await this.createEnvironment(fn);
    this.leased.add(fresh);
    this.track(fresh);
    return fresh;
  }

  /**
   * Starts an environment of `fn` that no invocation waits for; the next acquire takes it, even while it is still
   * initializing (its invocation then waits for init, as a cold start's does).
   */
  async prewarm(fn: FunctionDefinition): Promise<ExecutionEnvironment> {
    if (this.closed) throw new Error("Lambkin is shutting down");
    const fresh = await this.createEnvironment(fn);
    this.track(fresh);
    return fresh;
  }

  release(environment: ExecutionEnvironment): void {
    this.leased.delete(environment);
    environment.lastUsedAt = Date.now();
  }

  /** Environments of a function (any state), for tests. */
  list(fn?: FunctionDefinition): ExecutionEnvironment[] {
    if (fn) return [...(this.environments.get(fn.name) ?? [])];
    return [...this.environments.values()].flatMap((set) => [...set]);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    await Promise.all(this.list().map((environment) => environment.destroy()));
  }

  /**
   * The free environment of `fn` in `state` used most recently. Preferring it keeps the traffic on the fewest
   * environments: their code and caches stay warm, and the others stay frozen instead of being thawed for every
   * invocation in turn (handing out the oldest cycles through all of them).
   */
  private takeFree(
    fn: FunctionDefinition,
    state: "ready" | "finishing" | "initializing",
  ): ExecutionEnvironment | undefined {
    let chosen: ExecutionEnvironment | undefined;
    for (const environment of this.environments.get(fn.name) ?? []) {
      if (environment.state !== state || this.leased.has(environment)) continue;
      if (!chosen || environment.lastUsedAt > chosen.lastUsedAt) chosen = environment;
    }
    if (chosen) this.leased.add(chosen);
    return chosen;
  }

  private track(environment: ExecutionEnvironment): void {
    let set = this.environments.get(environment.fn.name);
    if (!set) {
      set = new Set();
      this.environments.set(environment.fn.name, set);
    }
    set.add(environment);
    environment.onDeath(() => {
      set.delete(environment);
      this.leased.delete(environment);
    });
  }

  private reapIdle(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    for (const environment of this.list()) {
      if (environment.inspectorPort !== undefined) continue;
      if (environment.state === "ready" && !this.leased.has(environment) && environment.lastUsedAt < cutoff) {
        void environment.destroy();
      }
    }
  }
}

function delay(ms: number): Promise<"timeout"> {
  return new Promise((resolve) => setTimeout(() => resolve("timeout"), ms));
}
