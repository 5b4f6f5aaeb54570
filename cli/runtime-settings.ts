/**
 * Reads the runtime's settings from the command line and the environment, with the same names
 * everywhere: --dir/--stage/--region, LAMBKIN_ACCOUNT_CONCURRENCY, LAMBKIN_IDLE_TIMEOUT_MS.
 */
import { resolve } from "node:path";
import type { Logger } from "pino";
import type { RuntimeOptions } from "../runtime/lambkin-runtime.js";
import { UsageError } from "./usage-error.js";

export interface ServiceFlags {
  readonly dir?: string;
  readonly stage?: string;
  readonly region?: string;
}

export function runtimeOptions(flags: ServiceFlags, logger: Logger, env = process.env): RuntimeOptions {
  return {
    dir: resolve(flags.dir ?? "functions"),
    stage: flags.stage,
    region: flags.region,
    logger,
    accountConcurrency: positiveInteger(env.LAMBKIN_ACCOUNT_CONCURRENCY, "LAMBKIN_ACCOUNT_CONCURRENCY"),
    idleTimeoutMs: positiveInteger(env.LAMBKIN_IDLE_TIMEOUT_MS, "LAMBKIN_IDLE_TIMEOUT_MS"),
    freezeIdle: env.LAMBKIN_FREEZE_IDLE !== "false",
    env,
  };
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new UsageError(`${name} must be a positive integer (got "${value}")`, "LKN_ERR_CONFIG_INVALID");
  return number;
}
