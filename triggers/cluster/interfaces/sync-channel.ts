/**
 * The sync-invocation channel port: how a process without execution environments (`lambkin gateway`) has a
 * synchronous (RequestResponse) invocation run by a process that has them (`lambkin worker`), and gets back
 * exactly what the worker's Invoker answered — the function's bytes, its error, its log tail — or the
 * ServiceError the worker raised (TooManyRequestsException with its Reason, ResourceNotFoundException …), so a
 * gateway answers exactly as `lambkin dev` does. One adapter: Redis (triggers/cluster/redis/).
 *
 * The contract:
 * - `call` resolves with the InvokeResult, or rejects with a ServiceError: the worker's own, or a
 *   ServiceException (500, which the SDKs retry) when nothing answered by the deadline (no worker took it, or
 *   the worker that took it died) or the channel's store could not be reached.
 * - A request not taken by its deadline is never run: a worker that takes it late drops it, since its caller
 *   has had its answer.
 * - A server takes requests only while it has capacity (`concurrency` running at most). The concurrency caps
 *   (shared through Redis) are applied either by the client, which takes the unit in the same step as it queues
 *   the request and refuses a call over a cap at once without a worker (the unit then travels with the request:
 *   the worker's Invoker adopts it, a request taken back or dropped gives it back), or else by the worker's Invoker.
 */
import type { InvocationRequest } from "../../../runtime/invocation/invocation-request.js";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";

/** The gateway's side. */
export interface SyncInvocationClient {
  /**
   * Has a worker run `request` (RequestResponse, built by buildInvocationRequest); `deadline` (ms since the
   * epoch) is when the caller stops waiting — see syncDeadline().
   */
  call(request: InvocationRequest, deadline: number): Promise<InvokeResult>;
  /** Calls waiting for their answer. */
  readonly inFlight: number;
  /** Resolves once no call is waiting (each ends by its deadline at the latest). */
  drained(): Promise<void>;
  /**
   * For a gateway that stops: takes back the requests no worker has taken yet and answers their callers with a
   * ServiceException (they were not run); the calls a worker is running still get their answer.
   */
  withdrawUntaken(): Promise<void>;
  /** Stops the client; calls still waiting are answered with a ServiceException. */
  close(): Promise<void>;
}

/**
 * Runs one request on the worker: its Invoker's run(), adopting `handedOverLease` (the unit the client took) when
 * there is one. Rejects with a ServiceError for a refusal.
 */
export type SyncInvocationHandler = (
  request: InvocationRequest,
  handedOverLease?: string,
) => Promise<InvokeResult>;

export interface ServeOptions {
  /** At most this many requests run at once in this server; it takes no more until one ends. */
  readonly concurrency: number;
  /** Gives back the unit handed over with a request that is not run (taken after its deadline). */
  readonly discardLease?: (request: InvocationRequest, leaseId: string) => void;
}

/** The worker's side. */
export interface SyncInvocationServer {
  /** Starts taking requests (once). */
  serve(handler: SyncInvocationHandler, options: ServeOptions): void;
  /** Requests running now. */
  readonly running: number;
  /**
   * Stops taking requests, waits for those running (at most `timeoutMs`, whose answers are still sent), then
   * releases its connections.
   */
  close(options?: { readonly timeoutMs?: number }): Promise<void>;
}

/** What an adapter reports (hostile or malformed data read back, a store in trouble): coded log lines. */
export interface ChannelReport {
  readonly code:
    | "LKN_WRN_CLUSTER_REQUEST_MALFORMED"
    | "LKN_WRN_CLUSTER_REQUEST_EXPIRED"
    | "LKN_WRN_CLUSTER_REPLY_MALFORMED"
    | "LKN_WRN_CLUSTER_REPLY_UNDELIVERED"
    | "LKN_WRN_CLUSTER_REDIS_TROUBLE";
  readonly message: string;
}

export type ChannelReporter = (report: ChannelReport) => void;
