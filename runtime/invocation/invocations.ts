/**
 * The narrow port producers invoke through: run a request now, or hand it to the durable queue. Producers (the
 * gateway's routes and Invoke API, the CLI, schedules) depend on this and on nothing else of the runtime, so the
 * same producer code serves `lambkin dev` (everything in one process) and `lambkin gateway` (no environment in
 * the process: synchronous requests go to a worker, asynchronous ones to Redis).
 */
import type { InvokeResult } from "../invoker/invoker.js";
import type { InvocationRequest } from "./invocation-request.js";

export interface Invocations {
  /**
   * Runs a RequestResponse request and resolves with its outcome (function errors are outcomes). Rejects
   * with the ServiceError Lambda answers: TooManyRequestsException over a concurrency cap (at once, §4),
   * ServiceException when nothing could run it.
   */
  run(request: InvocationRequest): Promise<InvokeResult>;
  /**
   * Accepts an Event request: resolves once it is durably queued — and only then may a caller answer 202.
   * Rejects with a ServiceException (5xx) when the queue cannot take it: the event was NOT accepted.
   */
  enqueue(request: InvocationRequest): Promise<void>;
}
