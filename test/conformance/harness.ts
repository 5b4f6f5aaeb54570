/**
 * Starts Lambkin on a fixture folder for the conformance suite. The suite asserts Lambda's
 * observable behaviour only (payloads, error shapes, logs), so it runs unchanged against every
 * Sandbox adapter: LAMBKIN_SANDBOX selects the one under test (default: process).
 */
import { join } from "node:path";
import { pino } from "pino";
import type { InvokeOptions, InvokeResult } from "../../runtime/invoker/invoker.js";
import { type LambkinRuntime, type RuntimeOptions, startRuntime } from "../../runtime/lambkin-runtime.js";
import { sandboxKindFrom } from "../../runtime/sandbox/sandbox-factory.js";

export const FIXTURES = join(import.meta.dirname, "..", "fixtures");

export interface Fixture {
  readonly runtime: LambkinRuntime;
  invoke(fn: string, payload?: unknown, options?: InvokeOptions): Promise<InvokeResult>;
  close(): Promise<void>;
}

export async function startFixture(
  relativeDir: string,
  options: Partial<RuntimeOptions> = {},
): Promise<Fixture> {
  const runtime = await startRuntime({
    dir: join(FIXTURES, relativeDir),
    logger: pino({ level: "silent" }),
    env: {},
    sandbox: sandboxKindFrom(process.env.LAMBKIN_SANDBOX),
    ...options,
  });
  return {
    runtime,
    invoke: (fn, payload = {}, invokeOptions) =>
      runtime.invoker.invoke(
        fn,
        typeof payload === "string" ? payload : JSON.stringify(payload),
        invokeOptions,
      ),
    close: () => runtime.close(),
  };
}

export function payloadJson(result: InvokeResult): unknown {
  return JSON.parse(result.payload.toString("utf8"));
}
