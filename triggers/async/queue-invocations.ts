/**
 * The Invocations port over a JobQueue: Event requests are stored in the queue (and a 202 may follow only once
 * the store acknowledged them), RequestResponse requests run through `run` — the Invoker of this process in
 * `lambkin dev`, a worker reached through Redis in `lambkin gateway`.
 */
import { coded } from "../../runtime/errors/lambkin-codes.js";
import { ServiceError } from "../../runtime/errors/service-errors.js";
import type { InvocationRequest } from "../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import type { JobQueue } from "../queue/interfaces/job-queue.js";
import { QueueError } from "../queue/interfaces/queue-errors.js";
import { toQueuedInvocation } from "./queued-request.js";

export function queueInvocations(
  queue: JobQueue,
  run: (request: InvocationRequest) => Promise<InvokeResult>,
): Invocations {
  return {
    run,
    async enqueue(request) {
      try {
        await queue.enqueue(toQueuedInvocation(request));
      } catch (error) {
        // Lambda's own fault (500 ServiceException, which the SDKs retry): the event was NOT accepted.
        const failure = new ServiceError(
          "ServiceException",
          coded(
            "LKN_ERR_ASYNC_NOT_QUEUED",
            `Lambkin could not queue the event (${error instanceof QueueError ? error.message : String(error)}); it was not accepted. Retry later.`,
          ),
        );
        failure.cause = error;
        throw failure;
      }
    },
  };
}
