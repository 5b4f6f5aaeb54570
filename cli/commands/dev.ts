/**
 * `lambkin dev` (`npm start`): loads every service, serves the gateway (API Gateway routes and the
 * Lambda Invoke API) and runs invocations in process sandboxes on embedded defaults, until
 * SIGINT/SIGTERM, when it shuts down within a bound (dev-shutdown.ts) and exits.
 */

import pc from "picocolors";
import type { Logger } from "pino";
import { createGateway } from "../../gateway/gateway-app.js";
import { INIT_LIMIT_MS } from "../../runtime/environment/execution-environment.js";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import { type LambkinRuntime, startRuntime } from "../../runtime/lambkin-runtime.js";
import { accessKeysFromEnvironment } from "../access-keys.js";
import { runtimeOptions, type ServiceFlags } from "../runtime-settings.js";
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
}

export async function devCommand(flags: DevFlags, logger: Logger): Promise<number> {
  const port = portNumber(flags.port ?? process.env.PORT ?? "3000");
  const host = flags.host ?? process.env.LAMBKIN_HOST ?? "127.0.0.1";
  const accessKeys = accessKeysFromEnvironment();
  const runtime = await startRuntime(runtimeOptions(flags, logger));
  const gateway = await createGateway({ runtime, logger, accessKeys });
  let address: string;
  try {
    address = await gateway.listen({ port, host });
  } catch (error) {
    await runtime.close();
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
      coded(code, "no access keys configured (LAMBKIN_ACCESS_KEYS): Invoke API signatures are NOT checked"),
    );
  } else {
    logger.info(`Invoke API requires SigV4 signatures from ${accessKeys.size} configured access key(s)`);
  }
  logger.info(`ready on ${pc.bold(address)} — ${runtime.registry.all().length} functions — Ctrl-C to stop`);
  await shutDownOnSignal({
    server: gateway.server,
    closeGateway: () => gateway.close(),
    invoker: runtime.invoker,
    longestInvocationMs:
      INIT_LIMIT_MS + Math.max(0, ...runtime.registry.all().map((fn) => fn.timeout * 1000)),
    closeRuntime: () => runtime.close(),
    logger,
  });
  // Lambkin's log first: what is still queued for a stderr reader that is behind (megabytes of function
  // output) is written before the grace starts — within LOG_FLUSH_MS, for a reader that never reads.
  setTimeout(() => process.exit(EXIT_OK), LOG_FLUSH_MS).unref();
  process.stderr.write("", () => setTimeout(() => process.exit(EXIT_OK), EXIT_GRACE_MS).unref());
  return EXIT_OK;
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
