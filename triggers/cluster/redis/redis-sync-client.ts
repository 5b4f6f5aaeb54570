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
import { ACCOUNT_FULL, ACQUIRED } from "../../../runtime/concurrency/lease-scripts.js";
import { type LeaseSlot, leaseNamer } from "../../../runtime/concurrency/redis-lease-layout.js";
import { coded, type LambkinCode } from "../../../runtime/errors/lambkin-codes.js";
import { ServiceError, type ThrottleReason, throttled } from "../../../runtime/errors/service-errors.js";
import type { InvocationRequest } from "../../../runtime/invocation/invocation-request.js";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";
import type { ChannelReporter, SyncInvocationClient } from "../interfaces/sync-channel.js";
import { encodeRequest, parseReply } from "../interfaces/sync-envelope.js";
import { QUEUE_WITH_LEASE, WITHDRAW_WITH_LEASE } from "./lease-queue-scripts.js";
import { commandClient, describeUrl, waitingClient } from "./redis-connection.js";
import { syncChannelKeys } from "./sync-channel-keys.js";

export interface RedisSyncClientOptions {
  readonly redisUrl: string;
  /** Key prefix shared by the cluster (default `lambkin`). */
  readonly prefix?: string;
  readonly reporter: ChannelReporter;
  /**
   * The cluster's concurrency leases (the workers' limiter's keys and caps): with them a call takes its unit in
   * the same step as it queues its request, and one over a cap is refused at once, here. Without them the
   * worker's Invoker acquires the unit.
   */
  readonly leases?: {
    /** The keys and caps of the request's function (it was resolved already: it is known). */
    readonly slotOf: (request: InvocationRequest) => LeaseSlot;
    /** The workers' lease TTL (ms): a handed-over unit lives that long past the request's deadline. */
    readonly ttlMs: number;
  };
}

interface HandedOverLease {
  readonly id: string;
  readonly slot: LeaseSlot;
}

/** The scripts defined on the command connection. */
interface LeaseQueueCommands {
  queueWithLease(
    requests: string,
    account: string,
    pool: string,
    accountLimit: number,
    poolLimit: number,
    leaseId: string,
    holdMs: number,
    envelope: string,
  ): Promise<number>;
  withdrawWithLease(
    requests: string,
    account: string,
    pool: string,
    envelope: string,
    leaseId: string,
  ): Promise<number>;
}

interface PendingCall {
  readonly functionName: string;
  readonly envelope: string;
  readonly lease?: HandedOverLease;
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
  private readonly newLeaseId = leaseNamer();
  private closed = false;

  private constructor(
    private readonly commands: Redis & LeaseQueueCommands,
    private readonly subscriber: Redis,
    private readonly options: RedisSyncClientOptions,
  ) {
    const keys = syncChannelKeys(options.prefix);
    this.requests = keys.requests;
    this.replyTo = `${keys.replyPrefix}${randomUUID()}`;
  }

  /** Connects and subscribes; rejects (with the connection closed) when Redis cannot be reached. */
  static async connect(options: RedisSyncClientOptions): Promise<RedisSyncInvocationClient> {
    const commands = commandClient(options.redisUrl);
    commands.defineCommand("queueWithLease", { lua: QUEUE_WITH_LEASE, numberOfKeys: 3 });
    commands.defineCommand("withdrawWithLease", { lua: WITHDRAW_WITH_LEASE, numberOfKeys: 3 });
    const client = new RedisSyncInvocationClient(
      commands as Redis & LeaseQueueCommands,
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
    const slot = this.options.leases?.slotOf(request);
    // A reservation of 0 throttles everything: a fact of the configuration, as the limiter answers it.
    if (slot !== undefined && slot.poolLimit === 0) return Promise.reject(throttled(slot.throttleReason));
    const lease = slot === undefined ? undefined : { id: this.newLeaseId(), slot };
    const envelope = encodeRequest(request, {
      id,
      replyTo: this.replyTo,
      deadline,
      ...(lease === undefined ? {} : { lease: lease.id }),
    });
    return new Promise<InvokeResult>((resolve, reject) => {
      const timer = setTimeout(() => void this.expire(id), Math.max(0, deadline - Date.now()));
      // Registered before the push: a worker's reply may arrive before the push's own acknowledgement.
      this.pending.set(id, {
        functionName: request.functionName,
        envelope,
        ...(lease === undefined ? {} : { lease }),
        resolve,
        reject,
        timer,
      });
      this.queue(envelope, deadline, lease).then(
        (refusal) => {
          if (refusal !== undefined) this.settle(id)?.reject(throttled(refusal));
        },
        (error: unknown) => {
          this.settle(id)?.reject(
            serviceException(
              "LKN_ERR_CLUSTER_REDIS_UNAVAILABLE",
              `Lambkin could not hand the invocation to a worker (Redis: ${(error as Error).message}); it was not run. Retry later.`,
              error,
            ),
          );
        },
      );
    });
  }

  /** Pushes the envelope, with its lease taken in the same step when there is one; answers a throttle's Reason. */
  private async queue(
    envelope: string,
    deadline: number,
    lease: HandedOverLease | undefined,
  ): Promise<ThrottleReason | undefined> {
    if (lease === undefined) {
      await this.commands.lpush(this.requests, envelope);
      return undefined;
    }
    const { slot } = lease;
    // It must outlive the wait for a worker (the deadline) and a TTL more, for the worker's first renewal.
    const holdMs = Math.max(0, deadline - Date.now()) + (this.options.leases?.ttlMs ?? 0);
    const outcome = await this.commands.queueWithLease(
      this.requests,
      slot.accountKey,
      slot.poolKey,
      slot.accountLimit,
      slot.poolLimit,
      lease.id,
      holdMs,
      envelope,
    );
    if (outcome === ACQUIRED) return undefined;
    return outcome === ACCOUNT_FULL ? "ConcurrentInvocationLimitExceeded" : slot.throttleReason;
  }

  /** Takes a request back if no worker took it (giving its unit back with it): true if it was still waiting. */
  private async withdraw(call: PendingCall): Promise<boolean> {
    const removed =
      call.lease === undefined
        ? await this.commands.lrem(this.requests, 1, call.envelope)
        : await this.commands.withdrawWithLease(
            this.requests,
            call.lease.slot.accountKey,
            call.lease.slot.poolKey,
            call.envelope,
            call.lease.id,
          );
    return removed > 0;
  }

  async withdrawUntaken(): Promise<void> {
    await Promise.all(
      [...this.pending].map(async ([id, call]) => {
        const untaken = await this.withdraw(call).catch(() => false);
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
      untaken = await this.withdraw(call);
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
