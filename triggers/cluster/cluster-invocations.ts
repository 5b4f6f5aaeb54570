/**
 * The Invocations port of `lambkin gateway`, a process with no execution environment: a RequestResponse request
 * is run by a worker through the sync channel (and answered exactly as the worker's Invoker answered it, refusals
 * included), an Event request is stored in the shared queue (queueInvocations: a 202 only once Redis has it).
 */
import type { InvocationRequest } from "../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import { resolveFunction } from "../../runtime/invocation/resolve-function.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import { queueInvocations } from "../async/queue-invocations.js";
import type { JobQueue } from "../queue/interfaces/job-queue.js";
import type { SyncInvocationClient } from "./interfaces/sync-channel.js";
import { syncDeadline } from "./interfaces/sync-deadline.js";

export function clusterInvocations(parts: {
  readonly registry: FunctionRegistry;
  readonly channel: SyncInvocationClient;
  readonly queue: JobQueue;
}): Invocations {
  const run = async (request: InvocationRequest) => {
    // The request was built from this registry: the function is known, and its timeout sets the deadline.
    const fn = resolveFunction(parts.registry, request.functionName, request.qualifier);
    return parts.channel.call(request, syncDeadline(fn));
  };
  return queueInvocations(parts.queue, run);
}
