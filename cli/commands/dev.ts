/**
 * `lambkin dev` (`npm start`): loads every service, serves the gateway (API Gateway routes and the
 * Lambda Invoke API), queues asynchronous invocations durably and runs every invocation in process sandboxes,
 * all in one process, on embedded defaults: the embedded queue in the state folder (`.lambkin/`), unless
 * REDIS_URL names a Redis to share with `lambkin gateway` / `lambkin worker` processes. Until SIGINT/SIGTERM,
 * when it stops taking work and shuts down within a bound (dev-shutdown.ts) and exits.
 */

import pc from "picocolors";
import type { Logger } from "pino";
import { createGateway } from "../../gateway/gateway-app.js";
import { INIT_LIMIT_MS } from "../../runtime/environment/execution-environment.js";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import { type LambkinRuntime, startRuntime } from "../../runtime/lambkin-runtime.js";
import { startAsyncInvocations } from "../../triggers/async/async-invocations.js";
import { retryPolicyFromEnvironment } from "../../triggers/async/retry-policy.js";
import type { QueueReporter } from "../../triggers/queue/interfaces/job-queue.js";
import { openJobQueue } from "../../triggers/queue/open-job-queue.js";
import { accessKeysFromEnvironment } from "../access-keys.js";
import { runtimeOptions, type ServiceFlags } from "../runtime-settings.js";
import { redisUrlOf, stateFolder } from "../state-folder.js";
import { EXIT_OK, UsageError } from "../usage-error.js";
import { shutDownOnSignal } from "./dev-shutdown.js";

/**
 * Once shut down, how long the process may take to exit on its own before it is made to: nothing left
 * behind (a handle some library keeps open) may keep a stopped Lambkin running.
 */
const EXIT_GRACE_MS = 2000;
/** At most this long is spent writing out the log queued for stderr before exiting anyway. */
const LOG_FLUSH_MS = 30_000;

export interface DevFlags extends ServiceFlags {
  readonly port?: string;
  readonly host?: string;
  readonly state?: string;
}

export async function devCommand(flags: DevFlags, logger: Logger): Promise<number> {
  const port = portNumber(flags.port ?? process.env.PORT ?? "3000");
  const host = flags.host ?? process.env.LAMBKIN_HOST ?? "127.0.0.1";
  const accessKeys = accessKeysFromEnvironment();
  const redisUrl = redisUrlOf();
  // Settings first: a bad LAMBKIN_ASYNC_RETRY_DELAYS stops Lambkin before anything starts.
  const retries = retryPolicyFromEnvironment();
  const runtime = await startRuntime({
    ...runtimeOptions(flags, logger),
    ...(redisUrl === undefined ? {} : { concurrencyStore: { redisUrl } }),
  });
  let queue: ReturnType<typeof openJobQueue>;
  try {
    queue = openJobQueue({ redisUrl, stateDir: stateFolder(flags.state), reporter: queueReporter(logger) });
    await queue.ready();
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const async = startAsyncInvocations({ runtime, queue, logger, retries });
  const closeAll = async () => {
    await async.consumer.close({ timeoutMs: 0 });
    await runtime.close();
    await queue.close({ timeoutMs: 0 });
  };
  const gateway = await createGateway({
    backend: { registry: runtime.registry, invocations: async.invocations },
    logger,
    accessKeys,
    deadLetters: queue.deadLetters,
  });
  let address: string;
  try {
    address = await gateway.listen({ port, host });
  } catch (error) {
    await closeAll();
    throw new UsageError(
      `cannot listen on ${host}:${port}: ${(error as Error).message}`,
      "LKN_ERR_CLI_LISTEN",
    );
  }
  describeFunctions(runtime, logger);
  if (accessKeys.size === 0) {
    const code = "LKN_WRN_DEV_NO_ACCESS_KEYS";
    logger.warn(
      { code },
      coded(
        code,
        "no access keys configured (LAMBKIN_ACCESS_KEYS): Invoke API and /_lambkin signatures are NOT checked",
      ),
    );
  } else {
    logger.info(`Invoke API requires SigV4 signatures from ${accessKeys.size} configured access key(s)`);
  }
  logger.info(
    `asynchronous invocations: ${queue.backend === "bullmq" ? `BullMQ on ${pc.bold(redactedUrl(redisUrl ?? ""))}` : `embedded queue in ${pc.bold(stateFolder(flags.state))}`}`,
  );
  logger.info(`ready on ${pc.bold(address)} — ${runtime.registry.all().length} functions — Ctrl-C to stop`);
  const longestInvocationMs =
    INIT_LIMIT_MS + Math.max(0, ...runtime.registry.all().map((fn) => fn.timeout * 1000));
  await shutDownOnSignal({
    server: gateway.server,
    closeGateway: () => gateway.close(),
    // No new events are taken; those running finish (their jobs are handed out again past the bound).
    stopIntake: () => async.consumer.close({ timeoutMs: longestInvocationMs }),
    invoker: runtime.invoker,
    longestInvocationMs,
    closeRuntime: closeAll,
    logger,
  });
  // Lambkin's log first: what is still queued for a stderr reader that is behind (megabytes of function
  // output) is written before the grace starts — within LOG_FLUSH_MS, for a reader that never reads.
  setTimeout(() => process.exit(EXIT_OK), LOG_FLUSH_MS).unref();
  process.stderr.write("", () => setTimeout(() => process.exit(EXIT_OK), EXIT_GRACE_MS).unref());
  return EXIT_OK;
}

/** Queue reports (malformed jobs, Redis trouble) as Lambkin's coded log lines. */
export function queueReporter(logger: Logger): QueueReporter {
  return (report) =>
    logger.warn(
      { code: report.code, ...(report.jobId ? { jobId: report.jobId } : {}) },
      coded(report.code, report.message),
    );
}

/** A Redis URL without its password, for log lines. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(REDIS_URL)";
  }
}

function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0–65535 (got "${value}")`);
  return port;
}

function describeFunctions(runtime: LambkinRuntime, logger: Logger): void {
  for (const fn of runtime.registry.all()) {
    const events = fn.events.map((event) => Object.keys(event)[0]).join(", ");
    logger.info(
      `${pc.magenta(fn.name)} ${pc.dim(`${fn.runtime} ${fn.handler} ${fn.memorySize} MB ${fn.timeout}s`)}${events ? ` ${pc.cyan(events)}` : ""}`,
    );
  }
}
