/**
 * The SqsStore port on Redis (the JobQueue's Redis of REDIS_URL, under `<LAMBKIN_REDIS_PREFIX>:sqs`): every gateway
 * and worker of a cluster sees the same queues and messages. Each move of a message is one Lua script
 * (sqs-scripts.ts), atomic across processes. Redis is the durable store here as it is for the job queue: run it
 * with the append-only file for messages to survive a restart of Redis itself.
 *
 * Long polling: a send, a delete (FIFO) or a visibility change publishes the queue's name on `<base>:wake`; a
 * receiver waits for that, for the moment the queue's next delayed or invisible message becomes visible, or for
 * a slice (pollSliceMs) at most — a wake-up lost between two connections costs one slice, never a hang.
 *
 * Redis unreachable or slower than the command timeout: the operation rejects with ServiceUnavailable
 * (LKN_ERR_SQS_STORE_UNAVAILABLE) at once (no offline queue); the client reconnects by itself.
 */
import { randomUUID } from "node:crypto";
import { Redis, type RedisOptions } from "ioredis";
import { settlesWithin } from "../../../runtime/async/settles-within.js";
import { LOCAL_ACCOUNT_ID } from "../../../runtime/manifest/local-account.js";
import {
  type CheckedMessage,
  checkBatchLength,
  checkBatchSize,
  checkMessage,
  deduplicationKey,
  parseStoredAttributes,
  sequenceNumber,
} from "../core/message-checks.js";
import { applyAttributes, sameAsGiven, settingsForCreate, wireAttributes } from "../core/queue-attributes.js";
import {
  decodeReceiptHandle,
  encodeReceiptHandle,
  newReceiptToken,
  type ReceiptParts,
} from "../core/receipt-handle.js";
import {
  checkList,
  checkReceiptBatch,
  checkReceive,
  checkRedriveTarget,
  checkVisibilityTimeout,
  describeQueue,
  nextListToken,
  notInFlight,
  queueAlreadyExists,
  receiptNotAvailable,
} from "../core/store-checks.js";
import { Wakeups } from "../core/wakeups.js";
import {
  type InFlightLimits,
  type ReceiptEntryResult,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendMessageEntry,
  type SendResult,
  SQS_IN_FLIGHT_LIMITS,
} from "../interfaces/message-model.js";
import {
  type QueueCounts,
  type QueueSettings,
  queueArn,
  queueNameOfArn,
  type SqsQueue,
} from "../interfaces/queue-model.js";
import { isSqsError, queueDoesNotExist, SqsError, storeUnavailable } from "../interfaces/sqs-errors.js";
import type {
  ListQueuesOptions,
  ListQueuesResult,
  SqsStore,
  VisibilityChange,
} from "../interfaces/sqs-store.js";
import {
  CHANGE_VISIBILITY,
  COUNT_MESSAGES,
  CREATE_QUEUE,
  DELETE_MESSAGES,
  DELETE_QUEUE,
  DROP_INCARNATION,
  PURGE_QUEUE,
  RECEIVE_MESSAGES,
  SEND_MESSAGES,
  SET_QUEUE,
} from "./sqs-scripts.js";

export interface RedisSqsStoreOptions {
  readonly redisUrl: string;
  /** The cluster's key prefix (LAMBKIN_REDIS_PREFIX, default `lambkin`); the store's keys are under `<prefix>:sqs`. */
  readonly prefix?: string;
  readonly region: string;
  readonly account?: string;
  /** How long a command may take before the store counts as unavailable (ms; default 5000). */
  readonly commandTimeoutMs?: number;
  /** Longest sleep of a long poll between two looks at the queue (ms; default 1000). */
  readonly pollSliceMs?: number;
  /** Messages in flight per queue, at most (default SQS's: 120,000 standard, 20,000 FIFO); lower in tests. */
  readonly inFlightLimits?: InFlightLimits;
}

interface StoredQueue {
  readonly settings: QueueSettings;
  readonly created_ms: number;
  readonly modified_ms: number;
}

interface Queue extends StoredQueue {
  readonly name: string;
  readonly id: string;
}

type Script = (...args: (string | number)[]) => Promise<unknown>;
type ScriptName =
  | "sqsCreateQueue"
  | "sqsSetQueue"
  | "sqsDeleteQueue"
  | "sqsPurgeQueue"
  | "sqsDropIncarnation"
  | "sqsSend"
  | "sqsReceive"
  | "sqsDelete"
  | "sqsChangeVisibility"
  | "sqsCount";

const SCRIPTS: Record<ScriptName, string> = {
  sqsCreateQueue: CREATE_QUEUE,
  sqsSetQueue: SET_QUEUE,
  sqsDeleteQueue: DELETE_QUEUE,
  sqsPurgeQueue: PURGE_QUEUE,
  sqsDropIncarnation: DROP_INCARNATION,
  sqsSend: SEND_MESSAGES,
  sqsReceive: RECEIVE_MESSAGES,
  sqsDelete: DELETE_MESSAGES,
  sqsChangeVisibility: CHANGE_VISIBILITY,
  sqsCount: COUNT_MESSAGES,
};

const MAX_REDRIVEN_PER_RECEIVE = 100;
const DROP_CHUNK = 500;

export class RedisSqsStore implements SqsStore {
  readonly backend = "redis";
  readonly region: string;
  readonly account: string;
  private readonly base: string;
  private readonly redis: Redis;
  private subscriber: Redis | undefined;
  private subscribed: Promise<void> | undefined;
  private readonly wakeups = new Wakeups();
  private readonly pollSliceMs: number;
  private readonly inFlightLimits: InFlightLimits;
  private readonly timeoutMs: number;
  private readonly redisUrl: string;
  private closed = false;

  /** Connects (within the command timeout) and answers a store, or rejects with ServiceUnavailable. */
  static async connect(options: RedisSqsStoreOptions): Promise<RedisSqsStore> {
    const store = new RedisSqsStore(options);
    try {
      await store.redis.connect();
    } catch (error) {
      store.redis.disconnect();
      throw storeUnavailable(`cannot reach Redis for the SQS store: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return store;
  }

  private constructor(options: RedisSqsStoreOptions) {
    this.region = options.region;
    this.account = options.account ?? LOCAL_ACCOUNT_ID;
    this.base = `${options.prefix ?? "lambkin"}:sqs`;
    this.pollSliceMs = options.pollSliceMs ?? 1000;
    this.inFlightLimits = options.inFlightLimits ?? SQS_IN_FLIGHT_LIMITS;
    this.timeoutMs = options.commandTimeoutMs ?? 5000;
    this.redisUrl = options.redisUrl;
    this.redis = this.client(true);
    for (const [name, lua] of Object.entries(SCRIPTS))
      this.redis.defineCommand(name, { lua, numberOfKeys: 0 });
  }

  private client(commands: boolean): Redis {
    const options: RedisOptions = {
      lazyConnect: commands,
      // Refuse at once while disconnected rather than queue: an SQS caller gets 503 and retries. The subscriber
      // (commands false) queues its SUBSCRIBE until connected, and subscribes again after a reconnection.
      enableOfflineQueue: !commands,
      maxRetriesPerRequest: commands ? 0 : null,
      connectTimeout: this.timeoutMs,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
      ...(commands ? { commandTimeout: this.timeoutMs } : {}),
    };
    const redis = new Redis(this.redisUrl, options);
    redis.on("error", () => {}); // failures surface as failed commands
    return redis;
  }

  private script(name: ScriptName): Script {
    return (this.redis as unknown as Record<ScriptName, Script>)[name].bind(this.redis);
  }

  // ---- queues ----

  async createQueue(name: string, attributes: Readonly<Record<string, string>> = {}): Promise<SqsQueue> {
    return this.guard(async () => {
      const settings = settingsForCreate(name, attributes);
      const existing = await this.findQueue(name);
      if (existing !== undefined) {
        if (!sameAsGiven(existing.settings, name, attributes)) throw queueAlreadyExists(name);
        return this.describe(existing);
      }
      await checkRedriveTarget(
        this.region,
        this.account,
        settings,
        async (target) => (await this.findQueue(target))?.settings,
      );
      const now = Date.now();
      const stored: StoredQueue = { settings, created_ms: now, modified_ms: now };
      const [created, json] = (await this.script("sqsCreateQueue")(
        this.base,
        name,
        newIncarnation(),
        JSON.stringify(stored),
      )) as [number, string];
      const queue = JSON.parse(json) as StoredQueue;
      if (created === 0 && !sameAsGiven(queue.settings, name, attributes)) throw queueAlreadyExists(name); // a race
      return describeQueue(
        this.region,
        this.account,
        name,
        queue.settings,
        queue.created_ms,
        queue.modified_ms,
      );
    });
  }

  async getQueue(name: string): Promise<SqsQueue> {
    return this.guard(async () => this.describe(await this.queue(name)));
  }

  async listQueues(options?: ListQueuesOptions): Promise<ListQueuesResult> {
    return this.guard(async () => {
      const list = checkList(options);
      // A token's name starts with the prefix (checkList ties the token to its prefix).
      const start = list.after === "" ? `[${list.prefix}` : `(${list.after}`;
      const end = list.prefix === "" ? "+" : `[${list.prefix}\xff`;
      const names = (
        await this.redis.zrangebylex(`${this.base}:queue-names`, start, end, "LIMIT", 0, list.limit + 1)
      ).filter((name) => name.startsWith(list.prefix));
      const page = names.slice(0, list.limit);
      const stored = page.length === 0 ? [] : await this.redis.hmget(`${this.base}:queues`, ...page);
      const queues: SqsQueue[] = [];
      page.forEach((name, i) => {
        const json = stored[i];
        if (json === null || json === undefined) return;
        const queue = JSON.parse(json) as StoredQueue;
        queues.push(
          describeQueue(this.region, this.account, name, queue.settings, queue.created_ms, queue.modified_ms),
        );
      });
      const last = page.at(-1);
      return list.paged && names.length > list.limit && last !== undefined
        ? { queues, nextToken: nextListToken(list.prefix, last) }
        : { queues };
    });
  }

  async getQueueAttributes(name: string): Promise<Readonly<Record<string, string>>> {
    return this.guard(async () => {
      const queue = await this.queue(name);
      const { counts } = await this.countsOf(queue);
      return wireAttributes(this.describe(queue), counts);
    });
  }

  async counts(name: string): Promise<QueueCounts> {
    return this.guard(async () => (await this.countsOf(await this.queue(name))).counts);
  }

  async setQueueAttributes(name: string, attributes: Readonly<Record<string, string>>): Promise<SqsQueue> {
    return this.guard(async () => {
      const queue = await this.queue(name);
      const settings = applyAttributes(queue.settings, attributes, false);
      await checkRedriveTarget(
        this.region,
        this.account,
        settings,
        async (target) => (await this.findQueue(target))?.settings,
      );
      const stored: StoredQueue = { settings, created_ms: queue.created_ms, modified_ms: Date.now() };
      const done = await this.script("sqsSetQueue")(this.base, name, JSON.stringify(stored));
      if (done !== 1) throw queueDoesNotExist();
      await this.publish(name);
      return this.describe({ ...queue, ...stored });
    });
  }

  async deleteQueue(name: string): Promise<void> {
    return this.guard(async () => {
      const id = (await this.script("sqsDeleteQueue")(this.base, name)) as string | null;
      if (id === null) throw queueDoesNotExist();
      await this.publish(name);
      await this.dropIncarnation(id);
    });
  }

  /** A new incarnation id: the old messages are gone at once for every reader, then dropped chunk by chunk. */
  async purgeQueue(name: string): Promise<void> {
    return this.guard(async () => {
      const old = (await this.script("sqsPurgeQueue")(this.base, name, newIncarnation())) as string | null;
      if (old === null) throw queueDoesNotExist();
      await this.publish(name);
      await this.dropIncarnation(old);
    });
  }

  private async dropIncarnation(id: string): Promise<void> {
    for (;;) {
      const dropped = (await this.script("sqsDropIncarnation")(this.base, id, DROP_CHUNK)) as number;
      if (dropped < DROP_CHUNK) return;
    }
  }

  // ---- messages ----

  async sendMessages(name: string, entries: readonly SendMessageEntry[]): Promise<SendResult[]> {
    return this.guard(async () => {
      if (!Array.isArray(entries))
        throw new SqsError("EmptyBatchRequest", "There should be at least one entry.");
      checkBatchLength(entries.length);
      const queue = await this.queue(name);
      const checked: (CheckedMessage | SqsError)[] = entries.map((entry) => {
        try {
          return checkMessage(queue.settings, entry, this.account);
        } catch (error) {
          if (isSqsError(error)) return error;
          throw error;
        }
      });
      checkBatchSize(checked.map((message) => (message instanceof SqsError ? undefined : message)));
      const valid = checked.filter((message): message is CheckedMessage => !(message instanceof SqsError));
      const now = Date.now();
      const args: (string | number)[] = [
        this.base,
        name,
        queue.id,
        now,
        queue.settings.FifoQueue ? "1" : "0",
        valid.length,
      ];
      for (const message of valid) {
        args.push(
          message.groupId ?? "",
          deduplicationKey(queue.settings, message) ?? "",
          message.deduplicationId ?? "",
          message.body,
          message.attributesJson,
          message.senderId,
          now + message.delayMs,
          randomUUID(),
        );
      }
      const stored = valid.length === 0 ? [] : await this.script("sqsSend")(...args);
      if (stored === "QDNE") throw queueDoesNotExist();
      const answers = stored as string[];
      let next = 0;
      const results = checked.map((message): SendResult => {
        if (message instanceof SqsError) return { ok: false, error: message };
        const [messageId, counter] = (answers[next++] ?? "|").split("|") as [string, string];
        return {
          ok: true,
          messageId,
          ...(counter === "" ? {} : { sequenceNumber: sequenceNumber(Number(counter)) }),
        };
      });
      if (valid.length > 0) await this.publish(name);
      return results;
    });
  }

  async receiveMessages(name: string, options?: ReceiveOptions): Promise<ReceivedMessage[]> {
    return this.guard(async () => {
      const first = await this.queue(name);
      const receive = checkReceive(first.settings, options);
      const deadline = Date.now() + receive.waitMs;
      // Subscribed before the first look, so that no send after it goes unheard; never past the wait itself.
      if (receive.waitMs > 0) await settlesWithin(this.listen(), Math.min(receive.waitMs, this.timeoutMs));
      for (;;) {
        const queue = await this.queue(name);
        const received = await this.receiveNow(queue, receive.max, receive.visibilityMs);
        if (received.length > 0 || this.closed || options?.signal?.aborted) return received;
        const now = Date.now();
        if (now >= deadline) return received;
        const { nextVisibleAt } = await this.countsOf(queue);
        const until = Math.min(deadline, now + this.pollSliceMs, nextVisibleAt ?? Number.POSITIVE_INFINITY);
        await this.wakeups.wait(name, until, options?.signal);
        if (this.closed || options?.signal?.aborted) return [];
      }
    });
  }

  private async receiveNow(queue: Queue, max: number, visibilityMs: number): Promise<ReceivedMessage[]> {
    const settings = queue.settings;
    const now = Date.now();
    const policy = settings.RedrivePolicy;
    const dlqName = policy === undefined ? undefined : queueNameOfArn(policy.deadLetterTargetArn);
    const dlq =
      dlqName !== undefined && policy?.deadLetterTargetArn === queueArn(this.region, this.account, dlqName)
        ? await this.findQueue(dlqName)
        : undefined;
    const tokens = Array.from({ length: max }, () => newReceiptToken());
    const reply = await this.script("sqsReceive")(
      this.base,
      queue.name,
      queue.id,
      now,
      max,
      visibilityMs,
      settings.FifoQueue ? "1" : "0",
      settings.FifoQueue ? this.inFlightLimits.fifo : this.inFlightLimits.standard,
      now - settings.MessageRetentionPeriod * 1000,
      dlq === undefined || policy === undefined ? 0 : policy.maxReceiveCount,
      dlq?.name ?? "",
      dlq?.id ?? "",
      dlq?.settings.FifoQueue ? "1" : "0",
      queueArn(this.region, this.account, queue.name),
      // FIFO: at most the in-flight cap's worth of groups are blocked, so this many always reach a free one.
      this.inFlightLimits.fifo + MAX_REDRIVEN_PER_RECEIVE + max,
      MAX_REDRIVEN_PER_RECEIVE,
      ...tokens,
    );
    if (reply === "QDNE") throw queueDoesNotExist();
    if (typeof reply === "string" && reply.startsWith("OVERLIMIT:")) {
      throw new SqsError(
        "OverLimit",
        `The queue ${queue.name} has ${reply.slice("OVERLIMIT:".length)} messages in flight, the most SQS allows.`,
      );
    }
    const rows = reply as string[][];
    const out: ReceivedMessage[] = [];
    for (const row of rows) {
      if (row[0] === "REDRIVEN") {
        if (dlq !== undefined) await this.publish(dlq.name);
        continue;
      }
      out.push(this.toReceived(queue, row));
    }
    return out;
  }

  private toReceived(queue: Queue, row: string[]): ReceivedMessage {
    const [
      messageId,
      token,
      body,
      attributes,
      sender,
      sent,
      count,
      firstReceive,
      group,
      dedup,
      counter,
      source,
    ] = row as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const stored = parseStoredAttributes(attributes);
    const trace = stored.messageSystemAttributes.AWSTraceHeader?.StringValue;
    return {
      messageId,
      receiptHandle: encodeReceiptHandle({ queueId: queue.id, messageId, token }),
      body,
      attributes: {
        SenderId: sender,
        SentTimestamp: sent,
        ApproximateReceiveCount: count,
        ApproximateFirstReceiveTimestamp: firstReceive,
        ...(group === "" ? {} : { MessageGroupId: group }),
        ...(dedup === "" ? {} : { MessageDeduplicationId: dedup }),
        ...(counter === "" ? {} : { SequenceNumber: sequenceNumber(Number(counter)) }),
        ...(source === "" ? {} : { DeadLetterQueueSourceArn: source }),
        ...(trace === undefined ? {} : { AWSTraceHeader: trace }),
      },
      messageAttributes: stored.messageAttributes,
      messageSystemAttributes: stored.messageSystemAttributes,
    };
  }

  async deleteMessage(name: string, receiptHandle: string): Promise<void> {
    const [result] = await this.deleteEntries(name, [receiptHandle], false);
    if (result?.error) throw result.error;
  }

  async deleteMessages(name: string, receiptHandles: readonly string[]): Promise<ReceiptEntryResult[]> {
    return this.deleteEntries(name, receiptHandles, true);
  }

  private async deleteEntries(
    name: string,
    receiptHandles: readonly string[],
    batch: boolean,
  ): Promise<ReceiptEntryResult[]> {
    return this.guard(async () => {
      if (batch) checkReceiptBatch(receiptHandles.length);
      const queue = await this.queue(name);
      const decoded = receiptHandles.map((handle) => decodeOrError(handle, queue.id));
      const valid = decoded.filter((parts): parts is ReceiptParts => !(parts instanceof SqsError));
      if (valid.length > 0) {
        const args: (string | number)[] = [this.base, name, queue.id, valid.length];
        for (const parts of valid) args.push(parts.messageId, parts.token);
        if ((await this.script("sqsDelete")(...args)) === "QDNE") throw queueDoesNotExist();
        if (queue.settings.FifoQueue) await this.publish(name); // a group may be free now
      }
      return decoded.map((parts) => (parts instanceof SqsError ? { ok: false, error: parts } : { ok: true }));
    });
  }

  async changeMessageVisibility(name: string, change: VisibilityChange): Promise<void> {
    const [result] = await this.changeVisibilities(name, [change], false);
    if (result?.error) throw result.error;
  }

  async changeMessageVisibilities(
    name: string,
    changes: readonly VisibilityChange[],
  ): Promise<ReceiptEntryResult[]> {
    return this.changeVisibilities(name, changes, true);
  }

  private async changeVisibilities(
    name: string,
    changes: readonly VisibilityChange[],
    batch: boolean,
  ): Promise<ReceiptEntryResult[]> {
    return this.guard(async () => {
      if (batch) checkReceiptBatch(changes.length);
      const queue = await this.queue(name);
      const checked = changes.map((change): { parts: ReceiptParts; ms: number } | SqsError => {
        try {
          const parts = decodeReceiptHandle(change?.receiptHandle, queue.id);
          return { parts, ms: checkVisibilityTimeout(change.visibilityTimeout) };
        } catch (error) {
          if (isSqsError(error)) return error;
          throw error;
        }
      });
      const valid = checked.filter(
        (entry): entry is { parts: ReceiptParts; ms: number } => !(entry instanceof SqsError),
      );
      let answers: string[] = [];
      if (valid.length > 0) {
        const args: (string | number)[] = [this.base, name, queue.id, Date.now(), valid.length];
        for (const { parts, ms } of valid) args.push(parts.messageId, parts.token, ms);
        const reply = await this.script("sqsChangeVisibility")(...args);
        if (reply === "QDNE") throw queueDoesNotExist();
        answers = reply as string[];
        await this.publish(name);
      }
      let next = 0;
      return checked.map((entry, i): ReceiptEntryResult => {
        if (entry instanceof SqsError) return { ok: false, error: entry };
        const answer = answers[next++];
        if (answer === "ok") return { ok: true };
        const error =
          answer === "idle" ? notInFlight() : receiptNotAvailable(changes[i]?.receiptHandle ?? "");
        return { ok: false, error };
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeups.close();
    this.subscriber?.disconnect();
    this.redis.disconnect();
  }

  // ---- support ----

  /** Subscribes (once) to the wake-up channel, before the first long poll waits. */
  private listen(): Promise<void> {
    if (this.subscribed === undefined) {
      const subscriber = this.client(false);
      this.subscriber = subscriber;
      subscriber.on("message", (_channel: string, name: string) => this.wakeups.wake(name));
      this.subscribed = subscriber
        .subscribe(`${this.base}:wake`)
        .then(() => undefined)
        .catch(() => {
          // Without the channel, long polls still look again every slice.
        });
    }
    return this.subscribed;
  }

  private async publish(name: string): Promise<void> {
    this.wakeups.wake(name); // this process's receivers at once
    await this.redis.publish(`${this.base}:wake`, name).catch(() => undefined);
  }

  private async findQueue(name: string): Promise<Queue | undefined> {
    if (typeof name !== "string" || name.length === 0 || name.length > 80) return undefined;
    const [json, id] = await this.redis
      .multi()
      .hget(`${this.base}:queues`, name)
      .hget(`${this.base}:queue-ids`, name)
      .exec()
      .then((replies) =>
        (replies ?? []).map(([error, value]) => {
          if (error) throw error;
          return value as string | null;
        }),
      );
    if (json === null || json === undefined || id === null || id === undefined) return undefined;
    return { ...(JSON.parse(json) as StoredQueue), name, id };
  }

  private async queue(name: string): Promise<Queue> {
    const queue = await this.findQueue(name);
    if (queue === undefined) throw queueDoesNotExist();
    return queue;
  }

  private describe(queue: Queue): SqsQueue {
    return describeQueue(
      this.region,
      this.account,
      queue.name,
      queue.settings,
      queue.created_ms,
      queue.modified_ms,
    );
  }

  private async countsOf(queue: Queue): Promise<{ counts: QueueCounts; nextVisibleAt?: number }> {
    const now = Date.now();
    const reply = await this.script("sqsCount")(
      this.base,
      queue.name,
      queue.id,
      now,
      now - queue.settings.MessageRetentionPeriod * 1000,
    );
    if (reply === "QDNE") throw queueDoesNotExist();
    const [visible, notVisible, delayed, next] = reply as [number, number, number, number];
    return { counts: { visible, notVisible, delayed }, ...(next >= 0 ? { nextVisibleAt: next } : {}) };
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) throw storeUnavailable("the SQS store is closed");
    try {
      return await work();
    } catch (error) {
      if (isSqsError(error)) throw error;
      throw storeUnavailable(`the Redis SQS store failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

function newIncarnation(): string {
  return randomUUID().replaceAll("-", "");
}

function decodeOrError(handle: string, queueId: string): ReceiptParts | SqsError {
  try {
    return decodeReceiptHandle(handle, queueId);
  } catch (error) {
    if (isSqsError(error)) return error;
    throw error;
  }
}
