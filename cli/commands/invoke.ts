/**
 * `lambkin invoke <function>`: one synchronous invocation, printing the response payload exactly
 * as the Invoke API returns it (stdout) and the function's log (stderr). Exit 1 on a function
 * error (the error payload is still printed), 2 on bad usage.
 */
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { startRuntime } from "../../runtime/lambkin-runtime.js";
import { runtimeOptions, type ServiceFlags } from "../runtime-settings.js";
import { EXIT_FUNCTION_ERROR, EXIT_OK, UsageError } from "../usage-error.js";

export interface InvokeFlags extends ServiceFlags {
  readonly data?: string;
  readonly path?: string;
  readonly qualifier?: string;
}

export async function invokeCommand(reference: string, flags: InvokeFlags, logger: Logger): Promise<number> {
  const payload = await readPayload(flags);
  const runtime = await startRuntime(runtimeOptions(flags, logger));
  try {
    const result = await runtime.invoker.invoke(reference, payload, { qualifier: flags.qualifier });
    process.stdout.write(Buffer.concat([result.payload, Buffer.from("\n")]));
    return result.functionError ? EXIT_FUNCTION_ERROR : EXIT_OK;
  } finally {
    await runtime.close();
  }
}

async function readPayload(flags: InvokeFlags): Promise<Buffer> {
  if (flags.data !== undefined && flags.path !== undefined) {
    throw new UsageError("use either --data or --path, not both");
  }
  if (flags.path !== undefined) {
    try {
      return await readFile(flags.path);
    } catch (error) {
      throw new UsageError(`cannot read the event file ${flags.path}: ${(error as Error).message}`);
    }
  }
  return Buffer.from(flags.data ?? "{}");
}
