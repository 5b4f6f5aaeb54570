/**
 * A cluster's invocation logs, from the workers that run the functions to the gateways that serve
 * `GET /_lambkin/logs` (`lambkin logs`): each worker publishes its function lines on the Redis channel
 * `<prefix>:logs` (PUBLISH, https://redis.io/docs/latest/develop/interact/pubsub/), in batches, and each gateway
 * subscribes and files them in its own recent logs (runtime/logs/recent-logs.ts), with the worker's timestamps and
 * log stream names.
 *
 * Pub/sub is at-most-once, which is what a live tail needs: nothing is stored in Redis, a gateway sees the lines
 * published while it is subscribed, and a line published with no gateway listening is gone (the worker's own
 * output still has every line). A worker never waits for Redis: what is not yet published is bounded
 * (MAX_UNPUBLISHED_BYTES), and past the bound, or while Redis is down, lines are dropped and counted, the count
 * travelling with the next batch.
 */
import type { Redis } from "ioredis";
import type { FunctionLogSink } from "../../../runtime/logs/function-log-sink.js";
import type { RecentLogs } from "../../../runtime/logs/recent-logs.js";
import { commandClient, waitingClient } from "./redis-connection.js";

/** A batch is published once it holds this much, or BATCH_MS after its first line. */
const BATCH_BYTES = 256 * 1024;
const BATCH_MS = 50;
/** Lines batched or being published, at most: past it a flood is dropped rather than held in memory. */
const MAX_UNPUBLISHED_BYTES = 4 * 1024 * 1024;
/** A message larger than a worker ever publishes is not one of theirs: it is ignored unread. */
const MAX_MESSAGE_CHARS = 2 * MAX_UNPUBLISHED_BYTES;

interface ForwardedLine {
  /** function name, log stream, request id, timestamp (ms), message */
  readonly f: string;
  readonly s: string;
  readonly r?: string;
  readonly t: number;
  readonly m: string;
}

interface ForwardedBatch {
  readonly lines: readonly ForwardedLine[];
  /** Lines this worker dropped since its last batch. */
  readonly dropped: number;
}

export function logsChannel(prefix: string): string {
  return `${prefix}:logs`;
}

/** A worker's sink: every function line published for the gateways (pair it with the logger's). */
export class RedisLogPublisher implements FunctionLogSink {
  private batch: ForwardedLine[] = [];
  private batchBytes = 0;
  private publishingBytes = 0;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly client: Redis;
  private readonly channel: string;

  /** Connects only in connect(): until then (and while Redis is down) lines are dropped. */
  constructor(redisUrl: string, prefix: string) {
    this.client = commandClient(redisUrl);
    this.channel = logsChannel(prefix);
    this.client.on("error", () => {}); // it reconnects by itself; lines meanwhile are dropped
  }

  /** Never rejects: without Redis, lines are dropped until it is back. */
  connect(): void {
    this.client.connect().catch(() => undefined);
  }

  line(
    functionName: string,
    requestId: string | undefined,
    text: string,
    _stream?: string,
    logStream?: string,
  ) {
    if (this.closed) return;
    const bytes = 2 * text.length + 128;
    if (this.batchBytes + this.publishingBytes + bytes > MAX_UNPUBLISHED_BYTES) {
      this.dropped += 1;
      return;
    }
    this.batch.push({
      f: functionName,
      s: logStream ?? "[$LATEST]no-environment",
      ...(requestId === undefined ? {} : { r: requestId }),
      t: Date.now(),
      m: text,
    });
    this.batchBytes += bytes;
    if (this.batchBytes >= BATCH_BYTES) this.publish();
    else this.timer ??= setTimeout(() => this.publish(), BATCH_MS);
  }

  /** Publishes what is batched, then disconnects. */
  async close(): Promise<void> {
    this.publish();
    this.closed = true;
    if (this.client.status === "wait") return; // never connected
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private publish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const bytes = this.batchBytes;
    const body: ForwardedBatch = { lines: this.batch, dropped: this.dropped };
    this.batch = [];
    this.batchBytes = 0;
    if (this.client.status !== "ready") {
      this.dropped += body.lines.length;
      return;
    }
    this.dropped = 0;
    this.publishingBytes += bytes;
    this.client
      .publish(this.channel, JSON.stringify(body))
      .catch(() => {
        this.dropped += body.lines.length;
      })
      .finally(() => {
        this.publishingBytes -= bytes;
      });
  }
}

export interface ForwardedLogs {
  close(): Promise<void>;
}

/** A gateway's side: every batch its workers publish, filed in `recent`; rejects when Redis cannot be reached. */
export async function receiveForwardedLogs(
  redisUrl: string,
  prefix: string,
  recent: RecentLogs,
): Promise<ForwardedLogs> {
  const client = waitingClient(redisUrl);
  client.on("error", () => {});
  const channel = logsChannel(prefix);
  client.on("message", (from: string, text: string) => {
    if (from !== channel || text.length > MAX_MESSAGE_CHARS) return;
    for (const line of linesOf(text)) recent.append(line.f, line.s, line.m, line.r, line.t);
  });
  try {
    await client.connect();
    await client.subscribe(channel);
  } catch (error) {
    client.disconnect();
    throw error;
  }
  return {
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** The well-formed lines of a message; anything else another client published there is skipped. */
function linesOf(text: string): ForwardedLine[] {
  let batch: unknown;
  try {
    batch = JSON.parse(text);
  } catch {
    return [];
  }
  const lines = (batch as { lines?: unknown } | null)?.lines;
  if (!Array.isArray(lines)) return [];
  return lines.filter(
    (line): line is ForwardedLine =>
      typeof line === "object" &&
      line !== null &&
      typeof line.f === "string" &&
      typeof line.s === "string" &&
      typeof line.m === "string" &&
      typeof line.t === "number" &&
      Number.isFinite(line.t) &&
      (line.r === undefined || typeof line.r === "string"),
  );
}
