/**
 * The composition root of the runtime: loads the services, wires registry, concurrency limiter,
 * environment pool, sandbox provider and invoker, and tears everything down on close().
 * The gateway, the triggers and the CLI start Lambkin through this and invoke through `invoker`.
 */
import type { Logger } from "pino";
import { withBundling } from "./bundling/bundling-sandboxes.js";
import { bundlerLogOf, TypeScriptBundler } from "./bundling/typescript-bundler.js";
import type { ConcurrencyLimiter } from "./concurrency/concurrency-limiter.js";
import {
  type ConcurrencyStoreSettings,
  concurrencyLimiterFor,
} from "./concurrency/concurrency-limiter-factory.js";
import { DEFAULT_ACCOUNT_CONCURRENCY } from "./concurrency/concurrency-plan.js";
import { LeaseShelf } from "./concurrency/lease-shelf.js";
import { inspectorListening } from "./debugging/devtools-url.js";
import { type InspectPlan, planInspection } from "./debugging/inspect-plan.js";
import type { InspectRequest } from "./debugging/inspect-request.js";
import { INSPECTOR_HOST, InspectorPorts } from "./debugging/inspector-ports.js";
import { ConcurrentExecutionEnvironment } from "./environment/concurrent-environment.js";
import { ExecutionEnvironment } from "./environment/execution-environment.js";
import { coded, type LambkinCode } from "./errors/lambkin-codes.js";
import { Invoker } from "./invoker/invoker.js";
import { type FunctionLogSink, pinoFunctionLogSink } from "./logs/function-log-sink.js";
import type { FunctionDefinition } from "./manifest/function-definition.js";
import { FunctionRegistry } from "./manifest/function-registry.js";
import { type LoadedServices, loadServices, type ServiceFallback } from "./manifest/load-services.js";
import { formatWarning, warningLogFields } from "./manifest/manifest-error.js";
import { DEFAULT_IDLE_TIMEOUT_MS, EnvironmentPool } from "./pool/environment-pool.js";
import { outsideConfigurationFiles, revisionsOf, withRevisions } from "./revision/code-revision.js";
import type { SandboxProvider } from "./sandbox/sandbox.js";
import { createSandboxProvider, type SandboxKind, sandboxKindFrom } from "./sandbox/sandbox-factory.js";
import { SandboxRouter } from "./sandbox/sandbox-router.js";
import { ServiceEndpoints } from "./sandbox/service-endpoints.js";

export interface RuntimeOptions {
  /** A service folder, or a folder of service folders (default: ./functions). */
  readonly dir: string;
  readonly stage?: string;
  readonly region?: string;
  readonly logger: Logger;
  /** Where function log lines go (default: the logger). */
  readonly functionLogs?: FunctionLogSink;
  readonly accountConcurrency?: number;
  /** Where the concurrency caps are kept (default: in this process; a Redis URL shares them across a cluster). */
  readonly concurrencyStore?: ConcurrencyStoreSettings;
  readonly idleTimeoutMs?: number;
  /** Freeze idle environments between invocations, as Lambda does (default true). */
  readonly freezeIdle?: boolean;
  /** The Sandbox adapter (default: LAMBKIN_SANDBOX, else process); image functions always run in docker. */
  readonly sandbox?: SandboxKind;
  readonly env?: NodeJS.ProcessEnv;
  /** The local AWS services environments are pointed at (default: the AWS_ENDPOINT_URL_* variables of `env`). */
  readonly serviceEndpoints?: ServiceEndpoints;
  /** `lambkin dev --inspect`: the functions whose environments run under the Node inspector. */
  readonly inspect?: InspectRequest;
}

export interface SwapOptions {
  /**
   * Which of the functions whose environments were retired get one environment started at once, on the new
   * revision (EnvironmentPool.prewarm), so that their next request finds it; none by default.
   */
  readonly prewarm?: (fn: FunctionDefinition) => boolean;
}

export interface LambkinRuntime {
  /** The services loaded now: the last swapServices()'s, else those loaded at start. */
  readonly services: LoadedServices;
  readonly registry: FunctionRegistry;
  readonly invoker: Invoker;
  readonly pool: EnvironmentPool;
  readonly concurrency: ConcurrencyLimiter;
  readonly sandbox: SandboxProvider;
  /**
   * The endpoints once the composition knows them (its services started, its gateway listening): until the
   * promise settles no environment starts — an event already queued waits rather than start an environment
   * whose SDK clients would reach for AWS — and a rejection keeps the endpoints there were.
   */
  useServiceEndpoints(endpoints: Promise<ServiceEndpoints>): void;
  /**
   * Points every environment at new service endpoints: the next environments start with them, and those
   * running are recycled (EnvironmentPool.recycle) — their SDK clients read AWS_ENDPOINT_URL_* once, at init.
   * Returns how many environments were recycled.
   */
  changeServiceEndpoints(endpoints: ServiceEndpoints): number;
  /** With `inspect`: the functions under the inspector, and their ports. */
  readonly inspection?: InspectPlan;
  /**
   * Starts the first environment of every inspected function, so that its inspector listens before the first
   * request (call it once the service endpoints are known: environments wait for them).
   */
  startInspectedEnvironments(): Promise<void>;
  /**
   * Swaps in a new set of services (`lambkin dev`'s hot reload, cli/dev/): the concurrency pools are recomputed,
   * the registry replaced at once, and the environments of every function whose definition is no longer the
   * current one (another revision, changed or removed) retired — those of untouched services stay warm.
   * Functions must carry their codeRevision. Throws ConcurrencyConfigError, changing nothing, for reservations
   * the account cannot spare. Returns how many environments were retired.
   */
  swapServices(next: LoadedServices, options?: SwapOptions): number;
  /**
   * Starts, ahead of the reload that will swap them in, one environment of each provisional definition whose
   * function has environments now (EnvironmentPool.prewarm with `ahead`): `lambkin dev` does it during a
   * save's debounce (cli/dev/early-start.ts). The next swap keeps those it made current and ends the others.
   * Returns the definitions it started one for.
   */
  startAhead(provisional: readonly FunctionDefinition[]): FunctionDefinition[];
  /**
   * Sets what every new environment's start waits for first (`lambkin dev`'s hot reload, cli/dev/): the gate
   * answers true when it waited — the function's folder was being reloaded — and the environment then starts
   * with the function's definition current by then, so that no environment is started under the old revision
   * on files already changed.
   */
  gateEnvironmentStarts(gate: (fn: FunctionDefinition) => Promise<boolean>): void;
  /**
   * Loads the services again, as at start (same folder, stage, region, environment), without swapping them in;
   * with a fallback, a service that fails to load is replaced by its last good load (load-services.ts).
   */
  loadServices(fallback?: ServiceFallback): Promise<LoadedServices>;
  /**
   * From now on, every Managed Instances function with `scaling.min` has that many environments started ahead
   * (EnvironmentPool.keepMinimum) — now, and for the new revision after each swapServices(). `lambkin dev` and
   * `lambkin worker` call it; a one-shot `lambkin invoke` does not. Resolves once those started now are up.
   */
  keepMinimumEnvironments(): Promise<void>;
  close(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<LambkinRuntime> {
  // One way to load, used at start and by every reload, so that both read the services the same way.
  const load = (fallback?: ServiceFallback) =>
    loadServices(options.dir, {
      stage: options.stage,
      region: options.region,
      env: options.env,
      ...(fallback ? { fallback } : {}),
    });
  const services = await load();
  for (const warning of services.warnings) {
    options.logger.warn(warningLogFields(warning), formatWarning(warning));
  }
  // Each service folder hashed once, at start (and again by `lambkin dev` when it changes): never per request.
  let current: LoadedServices = {
    ...services,
    functions: withRevisions(
      services.functions,
      await revisionsOf(services.functions, outsideConfigurationFiles(services.byManifest)),
    ),
  };
  const registry = new FunctionRegistry(current.functions);
  const concurrency = await concurrencyLimiterFor({
    warn: (message: string) => options.logger.warn(message),
    ...options.concurrencyStore,
    accountLimit: options.accountConcurrency,
    functions: current.functions,
  });
  const sandboxSettings = {
    kind: options.sandbox ?? sandboxKindFrom((options.env ?? process.env).LAMBKIN_SANDBOX),
    freezeIdle: options.freezeIdle,
    warn: (code: LambkinCode, message: string) => options.logger.warn({ code }, coded(code, message)),
  };
  // A Redis limiter holds a connection: a provider that cannot start must not leave it open.
  const sandbox = await createSandboxProvider(sandboxSettings).catch(async (error: unknown) => {
    await concurrency.close();
    throw error;
  });
  // TypeScript handlers are bundled as their environments start (runtime/bundling/), whichever sandbox runs them.
  const sandboxes = withBundling(
    new SandboxRouter(sandbox, sandboxSettings),
    new TypeScriptBundler(bundlerLogOf(options.logger)),
  );
  const inspection = options.inspect
    ? planInspection(options.inspect, current.functions, sandboxSettings.kind)
    : undefined;
  for (const warning of inspection?.warnings ?? []) sandboxSettings.warn(warning.code, warning.message);
  const inspectorPorts = new InspectorPorts(
    new Map([...(inspection?.inspected.values() ?? [])].map(({ fn, port }) => [fn.name, port])),
  );
  const functionLogs = options.functionLogs ?? pinoFunctionLogSink(options.logger);
  let serviceEndpoints =
    options.serviceEndpoints ??
    ServiceEndpoints.of(ServiceEndpoints.fromEnvironment(options.env ?? process.env));
  let endpointsKnown: Promise<void> = Promise.resolve();
  let gate: ((fn: FunctionDefinition) => Promise<boolean>) | undefined;
  /** The definition to start an environment with: after the gate, the one current then. */
  const definitionToStart = async (fn: FunctionDefinition): Promise<FunctionDefinition> =>
    gate && (await gate(fn)) ? (registry.resolve(fn.name) ?? fn) : fn;
  const pool = new EnvironmentPool(async (requested, startOptions) => {
    await endpointsKnown;
    // Started ahead of its reload: the gate waits for that very reload, and the definition is already its revision's.
    const fn = startOptions?.ahead ? requested : await definitionToStart(requested);
    const provider = await sandboxes.providerFor(fn);
    // Managed Instances: one environment runs several invocations at once (not debugged: no inspector port).
    if (fn.managedInstances)
      return ConcurrentExecutionEnvironment.start(fn, provider, functionLogs, serviceEndpoints);
    const leased = await inspectorPorts.lease(fn.name);
    const inspector =
      leased && inspection?.inspected.get(fn.name)?.breakOnStart ? { ...leased, breakOnStart: true } : leased;
    if (inspector?.kind === "next") {
      options.logger.info(
        `inspect ${fn.name}: another environment, node inspector on ${INSPECTOR_HOST}:${inspector.port}`,
      );
    } else if (inspector?.kind === "taken") {
      sandboxSettings.warn(
        "LKN_WRN_INSPECT_PORT_TAKEN",
        `inspect ${fn.name}: its port ${inspection?.inspected.get(fn.name)?.port} is taken by another program; node inspector on ${INSPECTOR_HOST}:${inspector.port} instead`,
      );
    }
    return ExecutionEnvironment.start(fn, provider, functionLogs, serviceEndpoints, inspector).catch(
      (error: unknown) => {
        inspector?.release();
        throw error;
      },
    );
  }, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  // Shelving saves two Redis scripts per event; in memory a unit costs nothing to take, so none is kept.
  const leaseShelf = options.concurrencyStore?.redisUrl === undefined ? undefined : new LeaseShelf();
  const invoker = new Invoker(registry, pool, concurrency, functionLogs, leaseShelf);
  let closing: Promise<void> | undefined;
  let keepingMinimum = false;
  const cappedMinimum = new Set<string>();
  const accountLimit = options.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY;
  // No more environments ahead than the account's concurrency could ever keep busy at once: a manifest's
  // scaling.min (up to 15,000) must not make Lambkin start thousands of processes.
  const keepMinimum = (functions: readonly FunctionDefinition[]) =>
    Promise.all(
      functions.map((fn) => {
        const wanted = fn.managedInstances?.minEnvironments ?? 0;
        const usable = Math.ceil(accountLimit / (fn.managedInstances?.maxConcurrency ?? 1));
        if (wanted > usable && !cappedMinimum.has(fn.name)) {
          cappedMinimum.add(fn.name);
          sandboxSettings.warn(
            "LKN_WRN_SCALING_MIN_CAPPED",
            `${fn.name}: scaling.min is ${wanted}, but ${accountLimit} concurrent invocations keep at most ${usable} environments of ${fn.managedInstances?.maxConcurrency} busy: ${usable} started ahead`,
          );
        }
        return pool.keepMinimum(fn, Math.min(wanted, usable));
      }),
    ).then(() => undefined);
  return {
    get services() {
      return current;
    },
    registry,
    invoker,
    pool,
    concurrency,
    sandbox,
    ...(inspection ? { inspection } : {}),
    async startInspectedEnvironments() {
      await Promise.all(
        [...(inspection?.inspected.values() ?? [])].map(({ fn, breakOnStart }) =>
          // A function that cannot start now fails its invocations in Lambda's shape, as without --inspect.
          // Its init over, the inspector listens (node starts it before any JavaScript runs); under --inspect-brk
          // init waits for the debugger, so the inspector's answer is what is awaited.
          pool
            .prewarm(fn)
            .then((environment) => {
              if (!environment) throw new Error("it could not start (its invocations say why)");
              return breakOnStart
                ? inspectorListening(environment.inspectorPort)
                : environment.whenSettled().then(() => undefined);
            })
            .catch((error: unknown) => {
              options.logger.warn(
                `inspect ${fn.name}: its first environment did not start: ${String(error)}`,
              );
            }),
        ),
      );
    },
    changeServiceEndpoints(endpoints) {
      serviceEndpoints = endpoints;
      endpointsKnown = Promise.resolve();
      return pool.recycle();
    },
    useServiceEndpoints(endpoints) {
      endpointsKnown = endpoints.then(
        (known) => {
          serviceEndpoints = known;
        },
        () => undefined,
      );
    },
    loadServices: load,
    gateEnvironmentStarts(next) {
      gate = next;
    },
    startAhead(provisional) {
      const running = new Set(pool.list().map((environment) => environment.fn.name));
      const started = provisional.filter((fn) => running.has(fn.name) && fn.reservedConcurrency !== 0);
      for (const fn of started) void pool.prewarm(fn, { ahead: true });
      return started;
    },
    swapServices(next, swapOptions = {}) {
      concurrency.replan(next.functions);
      current = next;
      registry.replace(next.functions);
      const live = new Set(next.functions);
      const hadEnvironments = new Set(
        pool
          .list()
          .filter((environment) => !live.has(environment.fn))
          .map((environment) => environment.fn.name),
      );
      const retired = pool.retire((fn) => live.has(fn));
      const { prewarm } = swapOptions;
      if (prewarm)
        for (const fn of next.functions)
          if (hadEnvironments.has(fn.name) && fn.reservedConcurrency !== 0 && prewarm(fn))
            void pool.prewarm(fn);
      if (keepingMinimum) void keepMinimum(next.functions);
      return retired;
    },
    keepMinimumEnvironments() {
      keepingMinimum = true;
      return keepMinimum(current.functions);
    },
    close() {
      closing ??= (async () => {
        await pool.close();
        await leaseShelf?.releaseAll();
        await sandboxes.close();
        await concurrency.close();
      })();
      return closing;
    },
  };
}
