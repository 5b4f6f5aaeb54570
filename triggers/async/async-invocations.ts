/**
 * Wires asynchronous invocation for a process that runs functions (`lambkin dev`, `lambkin worker`): a consumer of
 * the JobQueue that runs each event through this process's Invoker with Lambda's retry, age and destination rules
 * (async-invocation-handler.ts), and — for `lambkin dev` — the Invocations port its gateway invokes through.
 */
import type { Logger } from "pino";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";
import type { JobConsumer, JobQueue } from "../queue/interfaces/job-queue.js";
import { asyncInvocationHandler } from "./async-invocation-handler.js";
import { type DestinationServices, destinations } from "./destinations.js";
import { queueInvocations } from "./queue-invocations.js";
import { type RetryPolicy, retryPolicyFromEnvironment } from "./retry-policy.js";

/** How many events one consumer runs at once, unless LAMBKIN_ASYNC_CONCURRENCY says otherwise. */
export const DEFAULT_ASYNC_CONCURRENCY = 32;

export interface AsyncInvocationsOptions {
  readonly runtime: Pick<LambkinRuntime, "registry" | "invoker">;
  readonly queue: JobQueue;
  readonly logger: Logger;
  readonly retries?: RetryPolicy;
  /** Events run at once by this process (default LAMBKIN_ASYNC_CONCURRENCY, else 32). */
  readonly concurrency?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** The queues and topics destinations and DLQs may name (triggers/sns/start-sns.ts). */
  readonly destinationServices?: DestinationServices;
}

export interface AsyncInvocations {
  /** The port a gateway in this process invokes through: run here, queue Event requests. */
  readonly invocations: Invocations;
  readonly consumer: JobConsumer;
}

export function startAsyncInvocations(options: AsyncInvocationsOptions): AsyncInvocations {
  const env = options.env ?? process.env;
  const { runtime, queue } = options;
  const run = (request: Parameters<Invocations["run"]>[0]) => runtime.invoker.run(request);
  const invocations = queueInvocations(queue, run);
  const handler = asyncInvocationHandler({
    registry: runtime.registry,
    // A queued event may leave its unit of concurrency for the next one (runtime/concurrency/lease-shelf.ts).
    run: (request) => runtime.invoker.run(request, { shelveLease: true }),
    destinations: destinations(
      runtime.registry,
      (request) => invocations.enqueue(request),
      options.destinationServices,
    ),
    retries: options.retries ?? retryPolicyFromEnvironment(env),
    log: options.logger.child({ component: "async" }),
  });
  const consumer = queue.process(handler, { concurrency: options.concurrency ?? asyncConcurrency(env) });
  return { invocations, consumer };
}

function asyncConcurrency(env: NodeJS.ProcessEnv): number {
  const value = Number(env.LAMBKIN_ASYNC_CONCURRENCY);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_ASYNC_CONCURRENCY;
}
