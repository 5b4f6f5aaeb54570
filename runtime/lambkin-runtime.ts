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
import { ExecutionEnvironment } from "./environment/execution-environment.js";
import { coded, type LambkinCode } from "./errors/lambkin-codes.js";
import { Invoker } from "./invoker/invoker.js";
import { type FunctionLogSink, pinoFunctionLogSink } from "./logs/function-log-sink.js";
import { FunctionRegistry } from "./manifest/function-registry.js";
import { type LoadedServices, loadServices } from "./manifest/load-services.js";
import { formatWarning, warningLogFields } from "./manifest/manifest-error.js";
import { DEFAULT_IDLE_TIMEOUT_MS, EnvironmentPool } from "./pool/environment-pool.js";
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
}

export interface LambkinRuntime {
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
  close(): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<LambkinRuntime> {
  const services = await loadServices(options.dir, {
    stage: options.stage,
    region: options.region,
    env: options.env,
  });
  for (const warning of services.warnings) {
    options.logger.warn(warningLogFields(warning), formatWarning(warning));
  }
  const registry = new FunctionRegistry(services.functions);
  const concurrency = await concurrencyLimiterFor({
    warn: (message: string) => options.logger.warn(message),
    ...options.concurrencyStore,
    accountLimit: options.accountConcurrency,
    functions: services.functions,
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
  const functionLogs = options.functionLogs ?? pinoFunctionLogSink(options.logger);
  let serviceEndpoints =
    options.serviceEndpoints ??
    ServiceEndpoints.of(ServiceEndpoints.fromEnvironment(options.env ?? process.env));
  let endpointsKnown: Promise<void> = Promise.resolve();
  const pool = new EnvironmentPool(async (fn) => {
    await endpointsKnown;
    return ExecutionEnvironment.start(fn, await sandboxes.providerFor(fn), functionLogs, serviceEndpoints);
  }, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  const invoker = new Invoker(registry, pool, concurrency, functionLogs);
  let closing: Promise<void> | undefined;
  return {
    services,
    registry,
    invoker,
    pool,
    concurrency,
    sandbox,
    useServiceEndpoints(endpoints) {
      endpointsKnown = endpoints.then(
        (known) => {
          serviceEndpoints = known;
        },
        () => undefined,
      );
    },
    close() {
      closing ??= (async () => {
        await pool.close();
        await sandboxes.close();
        await concurrency.close();
      })();
      return closing;
    },
  };
}
