/**
 * The worker's side of the Redis sync channel: one blocking pop loop (BRPOP on the shared request list, its own
 * connection) that takes a request only while fewer than `concurrency` run here, so requests wait in Redis for a
 * worker with room instead of piling up in one. Each request is read back and validated (a malformed one is
 * reported, answered ServiceException when its caller can be told, and skipped), dropped if its deadline has
 * passed (its caller was answered already), else run by the handler — this worker's Invoker, which applies the
 * cluster's concurrency caps — and its result or refusal is PUBLISHed on the calling gateway's reply channel.
 *
 * close() stops popping (the pop in progress returns within POP_TIMEOUT_S; a request it brings is put back at the
 * head of the list for another worker), waits for the requests running (bounded), sends their replies, and quits.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { settlesWithin } from "../../../runtime/async/settles-within.js";
import type {
  ChannelReporter,
  ServeOptions,
  SyncInvocationHandler,
  SyncInvocationServer,
} from "../interfaces/sync-channel.js";
import { encodeError, encodeResult, parseRequest, requestOf } from "../interfaces/sync-envelope.js";
import { commandClient, waitingClient } from "./redis-connection.js";
import { type SyncChannelKeys, syncChannelKeys } from "./sync-channel-keys.js";

/** How long one BRPOP blocks: the longest close() waits for the loop to notice it should stop. */
const POP_TIMEOUT_S = 1;
/** What of a malformed message a report quotes. */
const QUOTED_CHARS = 200;
const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

export interface RedisSyncServerOptions {
  readonly redisUrl: string;
  readonly prefix?: string;
  readonly reporter: ChannelReporter;
}

export class RedisSyncInvocationServer implements SyncInvocationServer {
  private readonly keys: SyncChannelKeys;
  private readonly blocking: Redis;
  private readonly commands: Redis;
  private readonly inProgress = new Set<Promise<void>>();
  private roomFreed: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private closing: Promise<void> | undefined;
  private discardLease: ServeOptions["discardLease"];

  private constructor(private readonly options: RedisSyncServerOptions) {
    this.keys = syncChannelKeys(options.prefix);
    this.blocking = waitingClient(options.redisUrl);
    this.commands = commandClient(options.redisUrl);
    for (const connection of [this.blocking, this.commands]) connection.on("error", () => {});
  }

  /** Connects; rejects (with the connections closed) when Redis cannot be reached. */
  static async connect(options: RedisSyncServerOptions): Promise<RedisSyncInvocationServer> {
    const server = new RedisSyncInvocationServer(options);
    try {
      await Promise.all([server.blocking.connect(), server.commands.connect()]);
    } catch (error) {
      server.blocking.disconnect();
      server.commands.disconnect();
      throw error;
    }
    return server;
  }

  get running(): number {
    return this.inProgress.size;
  }

  serve(handler: SyncInvocationHandler, options: ServeOptions): void {
    if (this.loop !== undefined) throw new Error("this sync server already serves");
    const concurrency = Math.max(1, Math.floor(options.concurrency));
    this.discardLease = options.discardLease;
    this.loop = this.popLoop(handler, concurrency);
  }

  close(options: { readonly timeoutMs?: number } = {}): Promise<void> {
    this.closing ??= this.stop(options.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
    return this.closing;
  }

  private async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.roomFreed?.();
    await this.loop;
    const running = Promise.all([...this.inProgress]);
    await settlesWithin(running, timeoutMs);
    await Promise.allSettled([this.blocking.quit(), this.commands.quit()]);
    this.blocking.disconnect();
    this.commands.disconnect();
  }

  private async popLoop(handler: SyncInvocationHandler, concurrency: number): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      if (this.inProgress.size >= concurrency) {
        await new Promise<void>((resolve) => {
          this.roomFreed = resolve;
        });
        continue;
      }
      let popped: [string, string] | null;
      try {
        popped = await this.blocking.brpop(this.keys.requests, POP_TIMEOUT_S);
        failures = 0;
      } catch (error) {
        if (this.stopping) break;
        failures += 1;
        if (failures === 1 || failures % 30 === 0)
          this.options.reporter({
            code: "LKN_WRN_CLUSTER_REDIS_TROUBLE",
            message: `cannot take synchronous invocations from Redis (${(error as Error).message}); retrying`,
          });
        await sleep(Math.min(100 * failures, 2000));
        continue;
      }
      if (popped === null) continue;
      // Taken during the pop that close() waited for: it goes back to the head of the line for another worker.
      if (this.stopping && (await this.putBack(popped[1]))) break;
      const work = this.handle(popped[1], handler).finally(() => {
        this.inProgress.delete(work);
        const freed = this.roomFreed;
        this.roomFreed = undefined;
        freed?.();
      });
      this.inProgress.add(work);
    }
  }

  /** RPUSH: the end BRPOP takes from, so the request is the next one taken. False if Redis refused it. */
  private async putBack(raw: string): Promise<boolean> {
    try {
      await this.commands.rpush(this.keys.requests, raw);
      return true;
    } catch {
      return false; // then it is run here rather than lost
    }
  }

  private async handle(raw: string, handler: SyncInvocationHandler): Promise<void> {
    const parsed = parseRequest(raw, this.keys.replyPrefix);
    if (!parsed.ok) {
      const tell = parsed.id !== undefined && parsed.replyTo !== undefined;
      this.options.reporter({
        code: "LKN_WRN_CLUSTER_REQUEST_MALFORMED",
        message: `a synchronous request in ${this.keys.requests} cannot be read (${parsed.reason}); skipped${tell ? ", its caller is answered ServiceException" : ""}: ${quote(raw)}`,
      });
      if (parsed.id !== undefined && parsed.replyTo !== undefined)
        await this.reply(parsed.replyTo, encodeError(parsed.id, undefined));
      return;
    }
    const envelope = parsed.value;
    if (Date.now() > envelope.deadline) {
      this.options.reporter({
        code: "LKN_WRN_CLUSTER_REQUEST_EXPIRED",
        message: `the synchronous invocation ${envelope.requestId} of ${envelope.functionName} was taken after its deadline (its caller has been answered); it is not run`,
      });
      if (envelope.lease !== undefined) this.discardLease?.(requestOf(envelope), envelope.lease);
      return;
    }
    let reply: string;
    try {
      reply = encodeResult(envelope.id, await handler(requestOf(envelope), envelope.lease));
    } catch (error) {
      reply = encodeError(envelope.id, error);
    }
    await this.reply(envelope.replyTo, reply);
  }

  private async reply(channel: string, message: string): Promise<void> {
    try {
      const receivers = await this.commands.publish(channel, message);
      if (receivers === 0)
        this.options.reporter({
          code: "LKN_WRN_CLUSTER_REPLY_UNDELIVERED",
          message: `no gateway listens on ${channel} any more: a synchronous invocation's result is lost`,
        });
    } catch (error) {
      this.options.reporter({
        code: "LKN_WRN_CLUSTER_REPLY_UNDELIVERED",
        message: `a synchronous invocation's result could not be sent to ${channel} (${(error as Error).message}); its caller gets a ServiceException at its deadline`,
      });
    }
  }
}

function quote(raw: string): string {
  const shown = raw.length > QUOTED_CHARS ? `${raw.slice(0, QUOTED_CHARS)}… (${raw.length} chars)` : raw;
  return JSON.stringify(shown);
}
