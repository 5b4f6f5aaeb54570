/**
 * Warm reuse of execution environments (docs/architecture.md "One path for every invocation"): an environment
 * runs one invocation at a time and is reused for the next invocation of the same function;
 * concurrency means more environments; idle ones are reaped; dead ones (crash, timeout, OOM) are
 * dropped so the next invocation gets a fresh one.
 *
 * Environments are kept per function AND code revision (runtime/revision/): an environment started for one
 * revision of a service's code can never serve another. When `lambkin dev` reloads a service, retire() ends the
 * environments of the revisions no longer current — the idle ones at once, the busy ones once their invocation
 * has finished (and reported) on the code it started with — as Lambda's update of a function's code lets
 * invocations under way finish while new ones go to new environments.
 *
 * Lambda Managed Instances' `scaling` (FunctionScalingConfig): keepMinimum() starts environments until the function
 * has `min`, and the reaper leaves that many however idle; no more than `max` run, and an invocation none of them has
 * room for is throttled (TooManyRequestsException; an asynchronous one waits), as Lambda's router refuses invokes
 * it cannot place (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-troubleshooting.html).
 *
 * An environment of a function on Lambda Managed Instances (concurrent-environment.ts) takes up to its capacity
 * (maxConcurrency) invocations at once: acquire() hands out the busiest one with room, so that the traffic stays on
 * the fewest environments, and starts another only when every one is full — each invocation is still counted
 * against the function's concurrency by the invoker.
 *
 * Debugged environments (`lambkin dev --inspect`) are started ahead of the first invocation (`prewarm`), so a
 * debugger can attach before it, and are never reaped when idle: a debugger may be attached to one at any time
 * and would lose its session (and its breakpoints' place) to a reap.
 */
import type { PooledEnvironment } from "../environment/pooled-environment.js";
import { throttled } from "../errors/service-errors.js";
import type { FunctionDefinition } from "../manifest/function-definition.js";

export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** How long an acquire waits for an environment that has answered but not yet asked for more. */
const SETTLE_WAIT_MS = 100;

export interface StartOptions {
  /**
   * Started ahead of a reload (`lambkin dev`, cli/dev/early-start.ts): `fn` is a provisional definition of a
   * revision not swapped in yet, so the start does not wait for the reload that will decide about it.
   */
  readonly ahead?: boolean;
}

interface SharedStart {
  claims: number;
  readonly environment: Promise<PooledEnvironment>;
}

export type EnvironmentFactory = (
  fn: FunctionDefinition,
  options?: StartOptions,
) => Promise<PooledEnvironment>;

export class EnvironmentPool {
  private readonly environments = new Map<string, Set<PooledEnvironment>>();
  private readonly leased = new Set<PooledEnvironment>();
  /** Environments of capacity > 1 (Managed Instances) and how many invocations each is lent to now. */
  private readonly shared = new Map<PooledEnvironment, number>();
  /** Environments of capacity > 1 being started, by key, and how many invocations already claimed a place. */
  private readonly sharedStarts = new Map<string, SharedStart>();
  /** Environments of revisions no longer current: ended as soon as they are neither leased nor busy. */
  private readonly retired = new Set<PooledEnvironment>();
  private readonly reaper: NodeJS.Timeout;
  private closed = false;
  /** Managed Instances environments keepMinimum() is starting, by key. */
  private readonly keeping = new Map<string, Set<Promise<PooledEnvironment | undefined>>>();
  /** Environments prewarm() is starting, by key: the first acquire of that key takes it. */
  private readonly warming = new Map<string, Promise<PooledEnvironment | undefined>>();
  /** The last retire()'s test: an environment that was starting meanwhile is retired as it joins. */
  private isCurrent: (fn: FunctionDefinition) => boolean = () => true;
  /** How many times retire() has run: an environment started ahead is judged by the first retire() after it. */
  private retirements = 0;
  /** How many times recycle() has run: an environment whose start began before the last one is ended too. */
  private recycles = 0;

  constructor(
    private readonly createEnvironment: EnvironmentFactory,
    private readonly idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
  ) {
    this.reaper = setInterval(() => this.reapIdle(), Math.min(1000, Math.max(10, idleTimeoutMs / 2)));
    this.reaper.unref();
  }

  /** A warm environment of `fn` if one is free, else a new one. The caller must `release` it. */
  async acquire(fn: FunctionDefinition): Promise<PooledEnvironment> {
    if (this.closed) throw new Error("Lambkin is shutting down");
    if (fn.managedInstances) return this.acquireShared(fn);
    const warm = this.takeFree(fn, "ready") ?? this.takeFree(fn, "initializing");
    if (warm) return warm;
    const settling = this.takeFree(fn, "finishing");
    if (settling) {
      const state = await Promise.race([settling.whenSettled(), delay(SETTLE_WAIT_MS)]);
      if (state === "ready") return settling;
      this.leased.delete(settling);
    }
    const prewarmed = (await this.takeWarming(fn)) ?? this.takeFree(fn, "initializing");
    if (prewarmed) return prewarmed;
    const recycledAt = this.recycles;
    const fresh = await this.createEnvironment(fn);
    this.leased.add(fresh);
    this.track(fresh, false, recycledAt);
    return fresh;
  }

  release(environment: PooledEnvironment): void {
    const lent = this.shared.get(environment) ?? 0;
    if (lent > 1) this.shared.set(environment, lent - 1);
    else {
      this.shared.delete(environment);
      this.leased.delete(environment);
    }
    environment.lastUsedAt = Date.now();
    if (this.retired.has(environment) && !this.isLent(environment)) this.endWhenSettled(environment);
  }

  /**
   * Starts one environment of `fn` ahead of its next invocation, which then finds it initialized or initializing
   * rather than start its own: `lambkin dev` does it for the functions a reload recycled, so that the first
   * request after a save does not wait for a whole cold start. Lambda, too, may initialize environments before
   * any invocation needs them ("proactive initialization",
   * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib).
   * Its init is reported, as any cold start's, in the REPORT of the first invocation it serves. The next acquire
   * takes it even while it is still initializing (its invocation then waits for init, as a cold start's does).
   * Resolves with the environment, or undefined when it could not start (its invocations will say why).
   *
   * `ahead`: `fn` is a provisional definition that the next reload may or may not swap in (a revision computed
   * during a save's debounce, cli/dev/early-start.ts). No acquire can reach it before it is current, since
   * acquire() looks only under the key of a definition the registry resolved; the first retire() after this
   * call judges it as any other environment — kept when the swap made `fn` current, ended when it did not.
   */
  prewarm(fn: FunctionDefinition, options: StartOptions = {}): Promise<PooledEnvironment | undefined> {
    const key = poolKey(fn);
    if (this.closed) return Promise.resolve(undefined);
    const already = this.warming.get(key);
    if (already) return already;
    // One ahead is enough: an environment of this key already started (ahead of a reload, say) is the one.
    const existing = [...(this.environments.get(key) ?? [])].find(
      (environment) => environment.state === "initializing" || environment.state === "ready",
    );
    if (existing) return Promise.resolve(existing);
    const startedAt = this.retirements;
    const recycledAt = this.recycles;
    const starting = this.createEnvironment(fn, options).then(
      (environment) => {
        environment.lastUsedAt = Date.now();
        // Not judged yet when no retire() has run since: the reload deciding about it is still to come.
        this.track(environment, options.ahead === true && startedAt === this.retirements, recycledAt);
        return environment;
      },
      () => undefined,
    );
    this.warming.set(key, starting);
    void starting.then(() => {
      if (this.warming.get(key) === starting) this.warming.delete(key);
    });
    return starting;
  }

  /**
   * Lambda Managed Instances' `scaling.min`: starts environments of `fn` until its revision has `count` (the
   * function's minimum, or fewer: lambkin-runtime.ts bounds it), started or starting. Resolves once those it started are up (one that could not start is not retried: its failure shows
   * in the invocations that start the next). Lambda keeps them as it does
   * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-scaling.html): the reaper leaves them.
   */
  async keepMinimum(
    fn: FunctionDefinition,
    count = fn.managedInstances?.minEnvironments ?? 0,
  ): Promise<void> {
    const min = Math.min(count, fn.managedInstances?.minEnvironments ?? 0);
    if (this.closed || min === 0) return;
    const key = poolKey(fn);
    const starts: Promise<PooledEnvironment | undefined>[] = [];
    for (let have = this.environmentsOf(key); have < min; have++) starts.push(this.startKept(fn, key));
    await Promise.all(starts);
  }

  /** Environments of a function, any revision, any state (for tests and reloads). */
  list(fn?: FunctionDefinition): PooledEnvironment[] {
    const all = [...this.environments.values()].flatMap((set) => [...set]);
    return fn ? all.filter((environment) => environment.fn.name === fn.name) : all;
  }

  /**
   * Ends every environment whose function and revision `isCurrent` no longer accepts: idle ones now, leased ones
   * when released. No new invocation can reach them meanwhile, since acquire() looks only under the current key.
   * Returns how many were retired.
   */
  retire(isCurrent: (fn: FunctionDefinition) => boolean): number {
    this.isCurrent = isCurrent;
    this.retirements++;
    return this.retireWhere((environment) => !isCurrent(environment.fn));
  }

  /**
   * Ends every environment — idle ones now, leased ones when released, starting ones as they join — whatever its
   * revision: what they were started with changed for all (the service endpoints: `lambkin dev` started a local
   * service a reload declared). The next invocations start new environments. Returns how many were recycled.
   */
  recycle(): number {
    this.recycles++;
    this.warming.clear();
    return this.retireWhere(() => true);
  }

  /** Retires the environments `which` picks, not retired yet: idle ones end now, leased ones when released. */
  private retireWhere(which: (environment: PooledEnvironment) => boolean): number {
    let count = 0;
    for (const environment of this.list()) {
      if (this.retired.has(environment) || !which(environment)) continue;
      this.retired.add(environment);
      count++;
      if (!this.isLent(environment)) this.endWhenSettled(environment);
    }
    return count;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    await Promise.all(this.list().map((environment) => environment.destroy()));
  }

  /**
   * The busiest environment of `fn` with room for one more invocation; else one being started for it with room
   * left (a burst of first invocations shares one start rather than start one environment each); else a new one.
   */
  private async acquireShared(fn: FunctionDefinition): Promise<PooledEnvironment> {
    const key = poolKey(fn);
    let chosen: PooledEnvironment | undefined;
    let chosenLoad = -1;
    for (const environment of this.environments.get(key) ?? []) {
      if (environment.state === "dead" || this.retired.has(environment)) continue;
      const load = this.shared.get(environment) ?? 0;
      if (load < environment.capacity && load > chosenLoad) {
        chosen = environment;
        chosenLoad = load;
      }
    }
    if (chosen) {
      this.shared.set(chosen, chosenLoad + 1);
      return chosen;
    }
    const capacity = fn.managedInstances?.maxConcurrency ?? 1;
    const starting = this.sharedStarts.get(key);
    if (starting && starting.claims < capacity) {
      starting.claims++;
      return starting.environment;
    }
    // Environments keepMinimum() is starting will have room: wait for one, then choose again.
    const kept = this.keeping.get(key);
    if (kept && kept.size > 0) {
      await Promise.race(kept);
      return this.acquireShared(fn);
    }
    const max = fn.managedInstances?.maxEnvironments;
    // Every environment scaling.max allows is full: refused (429, no Reason), as Lambda's router refuses invokes it
    // cannot place (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-troubleshooting.html).
    if (max !== undefined && this.environmentsOf(key) >= max) throw throttled();
    // Only a prewarmed start is awaited: until the start below is registered nothing may yield, or a burst of
    // first invocations would each start an environment of its own.
    if (this.warming.has(key)) {
      const prewarmed = await this.takeWarming(fn, false);
      if (!prewarmed) return this.acquireShared(fn); // things changed meanwhile: choose again
      this.shared.set(prewarmed, (this.shared.get(prewarmed) ?? 0) + 1);
      return prewarmed;
    }
    const recycledAt = this.recycles;
    const start: SharedStart = {
      claims: 1,
      environment: this.createEnvironment(fn).then(
        (environment) => {
          // All in one turn: whoever claims a place after this sees the environment with its places taken.
          if (this.sharedStarts.get(key) === start) this.sharedStarts.delete(key);
          this.track(environment, false, recycledAt);
          this.shared.set(environment, start.claims);
          return environment;
        },
        (error: unknown) => {
          if (this.sharedStarts.get(key) === start) this.sharedStarts.delete(key);
          throw error;
        },
      ),
    };
    this.sharedStarts.set(key, start);
    return start.environment;
  }

  /** A keepMinimum() start: tracked in the same turn as it leaves `keeping`, so that it is always counted once. */
  private startKept(fn: FunctionDefinition, key: string): Promise<PooledEnvironment | undefined> {
    const recycledAt = this.recycles;
    let set = this.keeping.get(key);
    if (!set) {
      set = new Set();
      this.keeping.set(key, set);
    }
    const owner = set;
    const leave = () => {
      owner.delete(starting);
      if (owner.size === 0 && this.keeping.get(key) === owner) this.keeping.delete(key);
    };
    // The callbacks run in a later turn, once `starting` is set.
    const starting: Promise<PooledEnvironment | undefined> = this.createEnvironment(fn).then(
      (environment) => {
        leave();
        environment.lastUsedAt = Date.now();
        this.track(environment, false, recycledAt);
        return environment;
      },
      () => {
        leave();
        return undefined;
      },
    );
    owner.add(starting);
    return starting;
  }

  /** The environments of a key that run or will: started and alive (not retired), or starting. */
  private environmentsOf(key: string): number {
    let count = (this.sharedStarts.has(key) ? 1 : 0) + (this.keeping.get(key)?.size ?? 0);
    for (const environment of this.environments.get(key) ?? [])
      if (environment.state !== "dead" && !this.retired.has(environment)) count++;
    return count;
  }

  private isLent(environment: PooledEnvironment): boolean {
    return this.leased.has(environment) || this.shared.has(environment);
  }

  /** The environment prewarm() is starting for `fn`'s key, leased (`lease`) to the caller. */
  private async takeWarming(fn: FunctionDefinition, lease = true): Promise<PooledEnvironment | undefined> {
    const key = poolKey(fn);
    const starting = this.warming.get(key);
    if (!starting) return undefined;
    this.warming.delete(key);
    const environment = await starting;
    if (!environment || this.isLent(environment)) return undefined;
    if (environment.state !== "initializing" && environment.state !== "ready") return undefined;
    if (lease) this.leased.add(environment);
    return environment;
  }

  /**
   * The free environment of `fn` (its function and revision) in `state` used most recently. Preferring it keeps
   * the traffic on the fewest environments: their code and caches stay warm, and the others stay frozen instead
   * of being thawed for every invocation in turn (handing out the oldest cycles through all of them).
   */
  private takeFree(
    fn: FunctionDefinition,
    state: "ready" | "finishing" | "initializing",
  ): PooledEnvironment | undefined {
    let chosen: PooledEnvironment | undefined;
    for (const environment of this.environments.get(poolKey(fn)) ?? []) {
      // A retired environment is on its way out: recycle() leaves it under its key until it has ended.
      if (environment.state !== state || this.leased.has(environment) || this.retired.has(environment))
        continue;
      if (!chosen || environment.lastUsedAt > chosen.lastUsedAt) chosen = environment;
    }
    if (chosen) this.leased.add(chosen);
    return chosen;
  }

  private track(environment: PooledEnvironment, undecided = false, recycledAt = this.recycles): void {
    const key = poolKey(environment.fn);
    let set = this.environments.get(key);
    if (!set) {
      set = new Set();
      this.environments.set(key, set);
    }
    set.add(environment);
    if ((!undecided && !this.isCurrent(environment.fn)) || recycledAt !== this.recycles)
      this.retired.add(environment);
    environment.onDeath(() => {
      set.delete(environment);
      if (set.size === 0 && this.environments.get(key) === set) this.environments.delete(key);
      this.leased.delete(environment);
      this.shared.delete(environment);
      this.retired.delete(environment);
    });
  }

  /** An invocation that has answered still writes its END and REPORT lines: the environment ends after them. */
  private endWhenSettled(environment: PooledEnvironment): void {
    void environment.whenSettled().then((state) => {
      if (state === "ready" && !this.isLent(environment)) void environment.destroy();
    });
  }

  private reapIdle(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    // Managed Instances: what each key may still lose this pass without going below its scaling.min.
    const spare = new Map<string, number>();
    for (const environment of this.list()) {
      if (environment.inspectorPort !== undefined) continue;
      if (environment.state === "ready" && !this.isLent(environment) && environment.lastUsedAt < cutoff) {
        const min = this.retired.has(environment)
          ? 0
          : (environment.fn.managedInstances?.minEnvironments ?? 0);
        if (min > 0) {
          const key = poolKey(environment.fn);
          const left = spare.get(key) ?? this.environmentsOf(key) - min;
          if (left <= 0) continue;
          spare.set(key, left - 1);
        }
        void environment.destroy();
      }
    }
  }
}

/** Function name and code revision: the key environments are kept under. */
function poolKey(fn: FunctionDefinition): string {
  return `${fn.name}\0${fn.codeRevision?.codeSha256 ?? ""}`;
}

function delay(ms: number): Promise<"timeout"> {
  return new Promise((resolve) => setTimeout(() => resolve("timeout"), ms));
}
