/**
 * The gateway's side of the Redis sync channel. A call pushes its request envelope onto the shared list
 * (LPUSH, one round trip) and waits for the reply on this gateway's own Pub/Sub channel (one subscriber
 * connection per gateway, subscribed before the first call), which a worker PUBLISHes to once the invocation
 * ended. At the deadline the call is answered ServiceException; the gateway then takes its request back
 * (LREM) if it is still waiting — telling "no worker took it" (none running on this Redis and prefix, or all
 * busy) from "a worker took it and never answered" (it died, or its reply was lost) — so it is never run late.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { coded, type LambkinCode } from "../../../runtime/errors/lambkin-codes.js";
import { ServiceError } from "../../../runtime/errors/service-errors.js";
import type { InvocationRequest } from "../../../runtime/invocation/invocation-request.js";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";
import type { ChannelReporter, SyncInvocationClient } from "../interfaces/sync-channel.js";
import { encodeRequest, parseReply } from "../interfaces/sync-envelope.js";
import { commandClient, describeUrl, waitingClient } from "./redis-connection.js";
import { syncChannelKeys } from "./sync-channel-keys.js";

export interface RedisSyncClientOptions {
  readonly redisUrl: string;
  /** Key prefix shared by the cluster (default `lambkin`). */
  readonly prefix?: string;
  readonly reporter: ChannelReporter;
}

interface PendingCall {
  readonly functionName: string;
  readonly envelope: string;
  readonly resolve: (result: InvokeResult) => void;
  readonly reject: (error: ServiceError) => void;
  readonly timer: NodeJS.Timeout;
}

function serviceException(code: LambkinCode, message: string, cause?: unknown): ServiceError {
  const error = new ServiceError("ServiceException", coded(code, message));
  if (cause !== undefined) error.cause = cause;
  return error;
}

export class RedisSyncInvocationClient implements SyncInvocationClient {
  /** This gateway's reply channel. */
  readonly replyTo: string;
  private readonly requests: string;
  private readonly pending = new Map<string, PendingCall>();
  private readonly idle = new Set<() => void>();
  private closed = false;

  private constructor(
    private readonly commands: Redis,
    private readonly subscriber: Redis,
    private readonly options: RedisSyncClientOptions,
  ) {
    const keys = syncChannelKeys(options.prefix);
    this.requests = keys.requests;
    this.replyTo = `${keys.replyPrefix}${randomUUID()}`;
  }

  /** Connects and subscribes; rejects (with the connection closed) when Redis cannot be reached. */
  static async connect(options: RedisSyncClientOptions): Promise<RedisSyncInvocationClient> {
    const client = new RedisSyncInvocationClient(
      commandClient(options.redisUrl),
      waitingClient(options.redisUrl),
      options,
    );
    try {
      await client.start();
    } catch (error) {
      client.commands.disconnect();
      client.subscriber.disconnect();
      throw new Error(
        coded(
          "LKN_ERR_CLUSTER_REDIS_UNAVAILABLE",
          `cannot reach Redis at ${describeUrl(options.redisUrl)} for synchronous invocations: ${(error as Error).message}`,
        ),
      );
    }
    return client;
  }

  private async start(): Promise<void> {
    for (const connection of [this.commands, this.subscriber]) {
      connection.on("error", () => {}); // reported through the calls that fail; ioredis reconnects
    }
    await Promise.all([this.commands.connect(), this.subscriber.connect()]);
    this.subscriber.on("message", (_channel: string, message: string) => this.onReply(message));
    await this.subscriber.subscribe(this.replyTo);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  drained(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  call(request: InvocationRequest, deadline: number): Promise<InvokeResult> {
    if (this.closed)
      return Promise.reject(serviceException("LKN_ERR_CLUSTER_NO_WORKER", "this gateway is shutting down"));
    const id = randomUUID();
    const envelope = encodeRequest(request, { id, replyTo: this.replyTo, deadline });
    return new Promise<InvokeResult>((resolve, reject) => {
      const timer = setTimeout(() => void this.expire(id), Math.max(0, deadline - Date.now()));
      // Registered before the push: a worker's reply may arrive before the push's own acknowledgement.
      this.pending.set(id, { functionName: request.functionName, envelope, resolve, reject, timer });
      this.commands.lpush(this.requests, envelope).catch((error: unknown) => {
        this.settle(id)?.reject(
          serviceException(
            "LKN_ERR_CLUSTER_REDIS_UNAVAILABLE",
            `Lambkin could not hand the invocation to a worker (Redis: ${(error as Error).message}); it was not run. Retry later.`,
            error,
          ),
        );
      });
    });
  }

  async withdrawUntaken(): Promise<void> {
    await Promise.all(
      [...this.pending].map(async ([id, call]) => {
        const untaken = await this.commands.lrem(this.requests, 1, call.envelope).then(
          (removed) => removed > 0,
          () => false,
        );
        if (untaken)
          this.settle(id)?.reject(
            serviceException(
              "LKN_ERR_CLUSTER_NO_WORKER",
              `the gateway stopped before a worker took the invocation of ${call.functionName}; it was not run`,
            ),
          );
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) {
      this.settle(id)?.reject(
        serviceException("LKN_ERR_CLUSTER_NO_REPLY", "the gateway stopped before the reply came"),
      );
    }
    await Promise.allSettled([this.subscriber.quit(), this.commands.quit()]);
    this.subscriber.disconnect();
    this.commands.disconnect();
  }

  private onReply(message: string): void {
    const parsed = parseReply(message);
    if (!parsed.ok) {
      this.options.reporter({
        code: "LKN_WRN_CLUSTER_REPLY_MALFORMED",
        message: `a reply on ${this.replyTo} cannot be read (${parsed.reason}); ${parsed.id !== undefined && this.pending.has(parsed.id) ? "its call is answered ServiceException" : "it is ignored"}`,
      });
      if (parsed.id !== undefined)
        this.settle(parsed.id)?.reject(
          serviceException(
            "LKN_ERR_CLUSTER_NO_REPLY",
            `the worker's reply could not be read (${parsed.reason})`,
          ),
        );
      return;
    }
    const call = this.settle(parsed.value.id);
    if (call === undefined) return; // answered already (its deadline passed): nobody waits for it
    if ("result" in parsed.value) call.resolve(parsed.value.result);
    else call.reject(parsed.value.error);
  }

  /** The deadline: take the request back if no worker took it, and answer the caller. */
  private async expire(id: string): Promise<void> {
    const call = this.pending.get(id);
    if (call === undefined) return;
    let untaken: boolean | undefined;
    try {
      untaken = (await this.commands.lrem(this.requests, 1, call.envelope)) > 0;
    } catch {
      untaken = undefined; // Redis unreachable: the worker that pops it later sees it expired and drops it
    }
    if (this.settle(id) === undefined) return; // the reply came while LREM ran
    call.reject(
      untaken === false
        ? serviceException(
            "LKN_ERR_CLUSTER_NO_REPLY",
            `a worker took the invocation of ${call.functionName} but did not answer in time (it stopped or its reply was lost); the function may have run`,
          )
        : serviceException(
            "LKN_ERR_CLUSTER_NO_WORKER",
            `no worker took the invocation of ${call.functionName} in time: is a \`lambkin worker\` running on this Redis (prefix ${this.options.prefix ?? "lambkin"}), with capacity? It was not run.`,
          ),
    );
  }

  private settle(id: string): PendingCall | undefined {
    const call = this.pending.get(id);
    if (call === undefined) return undefined;
    this.pending.delete(id);
    clearTimeout(call.timer);
    if (this.pending.size === 0) {
      for (const resolve of this.idle) resolve();
      this.idle.clear();
    }
    return call;
  }
}
