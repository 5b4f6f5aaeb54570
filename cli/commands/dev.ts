/**
 * `lambkin dev` (`npm start`): loads every service and stays up, running invocations in process
 * sandboxes on embedded defaults, until SIGINT/SIGTERM, when every environment is stopped.
 */
import type { Logger } from "pino";
import pc from "picocolors";
import { type LambkinRuntime, startRuntime } from "../../runtime/lambkin-runtime.js";
import { type ServiceFlags, runtimeOptions } from "../runtime-settings.js";
import { EXIT_OK } from "../usage-error.js";

export async function devCommand(flags: ServiceFlags, logger: Logger): Promise<number> {
  const runtime = await startRuntime(runtimeOptions(flags, logger));
  describeFunctions(runtime, logger);
  logger.info(`ready: ${runtime.registry.all().length} functions, process sandbox — press Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info(`${signal}: stopping every execution environment`);
      resolve();
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  await runtime.close();
  return EXIT_OK;
}

function describeFunctions(runtime: LambkinRuntime, logger: Logger): void {
  for (const fn of runtime.registry.all()) {
    const events = fn.events.map((event) => Object.keys(event)[0]).join(", ");
    logger.info(
      `${pc.magenta(fn.name)} ${pc.dim(`${fn.runtime} ${fn.handler} ${fn.memorySize} MB ${fn.timeout}s`)}${events ? ` ${pc.cyan(events)}` : ""}`,
    );
  }
}
