/**
 * The gateway backend `lambkin dev` builds, for tests that start a gateway in-process: the runtime's Invoker for
 * synchronous requests and a real embedded queue (in a fresh temporary state folder) with a consumer for Event
 * requests, as in dev. Retry delays default to 0 s so that retries happen within a test.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { GatewayBackend } from "../../gateway/gateway-backend.js";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";
import { startAsyncInvocations } from "../../triggers/async/async-invocations.js";
import { retryPolicy } from "../../triggers/async/retry-policy.js";
import { EmbeddedJobQueue } from "../../triggers/queue/embedded/embedded-job-queue.js";

export interface LocalBackend {
  readonly backend: GatewayBackend;
  readonly queue: EmbeddedJobQueue;
  close(): Promise<void>;
}

export async function localBackend(
  runtime: Pick<LambkinRuntime, "registry" | "invoker">,
  options: { retryDelaysSeconds?: number[] } = {},
): Promise<LocalBackend> {
  const stateDir = await mkdtemp(join(tmpdir(), "lambkin-state-"));
  const queue = new EmbeddedJobQueue({ stateDir, idlePollMs: 20, reporter: () => {} });
  const async = startAsyncInvocations({
    runtime,
    queue,
    logger: pino({ level: "silent" }),
    retries: retryPolicy(options.retryDelaysSeconds ?? [0]),
  });
  return {
    backend: { registry: runtime.registry, invocations: async.invocations },
    queue,
    async close() {
      await async.consumer.close({ timeoutMs: 0 });
      await queue.close({ timeoutMs: 0 });
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/**
 * A backend for tests of HTTP routes only: they never queue an event (API Gateway's Lambda proxy integration is
 * synchronous), so an Event request here is a test bug and fails loudly.
 */
export function syncOnlyBackend(runtime: Pick<LambkinRuntime, "registry" | "invoker">): GatewayBackend {
  return {
    registry: runtime.registry,
    invocations: {
      run: (request) => runtime.invoker.run(request),
      enqueue: () => Promise.reject(new Error("this test's gateway has no queue")),
    },
  };
}
