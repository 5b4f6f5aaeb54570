/**
 * The SqsStore port on the embedded queue's SQLite file (`lambkin dev` without Redis): its own tables
 * (embedded-sqs-schema.ts) on the job queue's open connection — the file is opened with locking_mode=EXCLUSIVE,
 * so a second handle on it is impossible — and closed by the job queue, not by this store.
 *
 * - Every operation is one transaction, synchronous (better-sqlite3), so two receives never take one message.
 * - Durability as the job queue's: what is acknowledged to a caller and cannot be redone — a send, a queue
 *   created, changed, purged or deleted — commits with synchronous=FULL (synced to disk before the answer);
 *   receives, deletes and visibility changes commit with synchronous=NORMAL: they survive the death of the
 *   process, and a power cut can only undo the last of them, which makes a message visible again (at-least-once
 *   allows it). https://www.sqlite.org/pragma.html#pragma_synchronous
 * - Long polling waits in-process (Wakeups): a send, a delete or a visibility change wakes the receivers of its
 *   queue; a message whose delay or visibility timeout ends wakes them by a timer set to that moment.
 */
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
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
import { decodeReceiptHandle, encodeReceiptHandle, newReceiptToken } from "../core/receipt-handle.js";
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
  MESSAGE_LIMITS,
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
import { ensureSqsSchema, type MessageRow, type QueueRow } from "./embedded-sqs-schema.js";

export interface EmbeddedSqsStoreOptions {
  /** The embedded job queue's open connection (EmbeddedJobQueue#database). */
  readonly database: Database.Database;
  readonly region: string;
  readonly account?: string;
  /** Longest sleep of a long poll between two looks at the queue (ms; default 1000). */
  readonly pollSliceMs?: number;
  /** Messages in flight per queue, at most (default SQS's: 120,000 standard, 20,000 FIFO); lower in tests. */
  readonly inFlightLimits?: InFlightLimits;
}

interface Queue {
  readonly row: QueueRow;
  readonly settings: QueueSettings;
}

interface PendingSend {
  readonly queue: Queue;
  readonly checked: readonly (CheckedMessage | SqsError)[];
  readonly resolve: (results: SendResult[]) => void;
  readonly reject: (error: Error) => void;
}

/** What a receive's scan reads of each message. */
type ScanRow = Pick<MessageRow, "seq" | "receive_count" | "visible_ms" | "group_id">;
const SCAN_COLUMNS = "seq, receive_count, visible_ms, group_id";

/** Send requests committed in one transaction, at most (each has at most 10 messages of at most 1 MiB in all). */
const MAX_SENDS_PER_COMMIT = 64;

/** Messages one receive moves to a dead-letter queue, at most (the next receive moves the rest). */
const MAX_REDRIVEN_PER_RECEIVE = 100;

export class EmbeddedSqsStore implements SqsStore {
  readonly backend = "embedded";
  readonly region: string;
  readonly account: string;
  private readonly db: Database.Database;
  private readonly wakeups = new Wakeups();
  private readonly pollSliceMs: number;
  private readonly inFlightLimits: InFlightLimits;
  private readonly syncsAcknowledged: boolean;
  private readonly statements: ReturnType<typeof prepare>;
  private closed = false;
  private readonly pendingSends: PendingSend[] = [];
  private flushScheduled = false;

  constructor(options: EmbeddedSqsStoreOptions) {
    this.db = options.database;
    this.region = options.region;
    this.account = options.account ?? LOCAL_ACCOUNT_ID;
    this.pollSliceMs = options.pollSliceMs ?? 1000;
    this.inFlightLimits = options.inFlightLimits ?? SQS_IN_FLIGHT_LIMITS;
    ensureSqsSchema(this.db);
    // 2 = FULL: then bookkeeping steps down to NORMAL, as the job queue's does.
    this.syncsAcknowledged = (this.db.pragma("synchronous", { simple: true }) as number) >= 2;
    this.statements = prepare(this.db);
  }

  // ---- queues ----

  async createQueue(name: string, attributes: Readonly<Record<string, string>> = {}): Promise<SqsQueue> {
    return this.guard(async () => {
      const settings = settingsForCreate(name, attributes);
      const existing = this.findQueue(name);
      if (existing !== undefined) {
        if (!sameAsGiven(existing.settings, name, attributes)) throw queueAlreadyExists(name);
        return this.describe(existing);
      }
      await checkRedriveTarget(
        this.region,
        this.account,
        settings,
        async (target) => this.findQueue(target)?.settings,
      );
      const now = Date.now();
      // ON CONFLICT: another CreateQueue of the name may have won while the redrive target was looked up.
      this.acknowledged(() =>
        this.statements.insertQueue.run(
          randomUUID().replaceAll("-", ""),
          name,
          JSON.stringify(settings),
          now,
          now,
        ),
      );
      const queue = this.queue(name);
      if (!sameAsGiven(queue.settings, name, attributes)) throw queueAlreadyExists(name);
      return this.describe(this.queue(name));
    });
  }

  async getQueue(name: string): Promise<SqsQueue> {
    return this.guard(async () => this.describe(this.queue(name)));
  }

  async listQueues(options?: ListQueuesOptions): Promise<ListQueuesResult> {
    return this.guard(async () => {
      const list = checkList(options);
      const rows = this.statements.listQueues.all(
        list.prefix.length,
        list.prefix,
        list.after,
        list.limit + 1,
      ) as QueueRow[];
      const page = rows.slice(0, list.limit).map((row) => this.describe(toQueue(row)));
      const last = page.at(-1);
      return list.paged && rows.length > list.limit && last !== undefined
        ? { queues: page, nextToken: nextListToken(list.prefix, last.name) }
        : { queues: page };
    });
  }

  async getQueueAttributes(name: string): Promise<Readonly<Record<string, string>>> {
    return this.guard(async () => {
      const queue = this.queue(name);
      return wireAttributes(this.describe(queue), this.countsOf(queue));
    });
  }

  async counts(name: string): Promise<QueueCounts> {
    return this.guard(async () => this.countsOf(this.queue(name)));
  }

  async setQueueAttributes(name: string, attributes: Readonly<Record<string, string>>): Promise<SqsQueue> {
    return this.guard(async () => {
      const queue = this.queue(name);
      const settings = applyAttributes(queue.settings, attributes, false);
      await checkRedriveTarget(
        this.region,
        this.account,
        settings,
        async (target) => this.findQueue(target)?.settings,
      );
      this.acknowledged(() =>
        this.statements.updateQueue.run(JSON.stringify(settings), Date.now(), queue.row.id),
      );
      this.wakeups.wake(queue.row.id); // a shorter delay or a new policy may make messages receivable
      return this.describe(this.queue(name));
    });
  }

  async deleteQueue(name: string): Promise<void> {
    return this.guard(async () => {
      const queue = this.queue(name);
      this.acknowledged(() => {
        this.statements.deleteMessages.run(queue.row.id);
        this.statements.deleteDedup.run(queue.row.id);
        this.statements.deleteQueue.run(queue.row.id);
      });
      this.wakeups.wake(queue.row.id);
    });
  }

  async purgeQueue(name: string): Promise<void> {
    return this.guard(async () => {
      const queue = this.queue(name);
      this.acknowledged(() => this.statements.deleteMessages.run(queue.row.id));
      this.wakeups.wake(queue.row.id);
    });
  }

  // ---- messages ----

  async sendMessages(name: string, entries: readonly SendMessageEntry[]): Promise<SendResult[]> {
    return this.guard(async () => {
      if (!Array.isArray(entries))
        throw new SqsError("EmptyBatchRequest", "There should be at least one entry.");
      checkBatchLength(entries.length);
      const queue = this.queue(name);
      const checked: (CheckedMessage | SqsError)[] = entries.map((entry) => {
        try {
          return checkMessage(queue.settings, entry, this.account);
        } catch (error) {
          if (isSqsError(error)) return error;
          throw error;
        }
      });
      checkBatchSize(checked.map((message) => (message instanceof SqsError ? undefined : message)));
      return new Promise<SendResult[]>((resolve, reject) => {
        this.pendingSends.push({ queue, checked, resolve, reject });
        if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(() => this.flushSends());
        }
      });
    });
  }

  /**
   * Commits the sends of this turn of the event loop together: one transaction, one sync (synchronous=FULL) for
   * all of them, as the job queue commits its enqueues; each caller's promise settles with its transaction.
   */
  private flushSends(): void {
    this.flushScheduled = false;
    while (this.pendingSends.length > 0) {
      const batch = this.pendingSends.splice(0, MAX_SENDS_PER_COMMIT);
      let outcomes: (SendResult[] | SqsError)[];
      try {
        if (!this.db.open) throw new Error("the embedded queue's file is closed");
        outcomes = this.acknowledged(() => {
          const now = Date.now();
          return batch.map(({ queue, checked }) => {
            // Deleted (or purged and created again) since the checks: as if it was gone before.
            const current = this.statements.queueById.get(queue.row.id) as QueueRow | undefined;
            if (current === undefined) return queueDoesNotExist();
            if (queue.settings.FifoQueue) this.statements.expireDedup.run(queue.row.id, now);
            return checked.map(
              (message): SendResult =>
                message instanceof SqsError
                  ? { ok: false, error: message }
                  : this.insertMessage(queue, message, now),
            );
          });
        });
      } catch (error) {
        const failure = storeUnavailable(
          `the embedded SQS store did not store the messages: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
        for (const pending of batch) pending.reject(failure);
        continue;
      }
      batch.forEach((pending, i) => {
        const outcome = outcomes[i] as SendResult[] | SqsError;
        if (outcome instanceof SqsError) pending.reject(outcome);
        else {
          pending.resolve(outcome);
          this.wakeups.wake(pending.queue.row.id);
        }
      });
    }
  }

  private insertMessage(queue: Queue, message: CheckedMessage, now: number): SendResult {
    const key = deduplicationKey(queue.settings, message);
    if (key !== undefined) {
      const seen = this.statements.findDedup.get(queue.row.id, key) as
        | { message_id: string; sequence_number: string | null }
        | undefined;
      if (seen !== undefined) {
        return {
          ok: true,
          messageId: seen.message_id,
          ...(seen.sequence_number === null ? {} : { sequenceNumber: seen.sequence_number }),
        };
      }
    }
    const messageId = randomUUID();
    const sequence = queue.settings.FifoQueue ? this.nextSequence(queue.row.id) : null;
    this.statements.insertMessage.run({
      queue_id: queue.row.id,
      message_id: messageId,
      body: message.body,
      attributes: message.attributesJson,
      sender_id: message.senderId,
      sent_ms: now,
      enqueued_ms: now,
      visible_ms: now + message.delayMs,
      group_id: message.groupId ?? null,
      dedup_id: message.deduplicationId ?? null,
      sequence_number: sequence,
      dlq_source_arn: null,
    });
    if (key !== undefined) {
      this.statements.insertDedup.run(
        queue.row.id,
        key,
        messageId,
        sequence,
        now + MESSAGE_LIMITS.deduplicationIntervalMs,
      );
    }
    return { ok: true, messageId, ...(sequence === null ? {} : { sequenceNumber: sequence }) };
  }

  private nextSequence(queueId: string): string {
    const row = this.statements.nextSequence.get(queueId) as { next_sequence: number };
    return sequenceNumber(row.next_sequence);
  }

  async receiveMessages(name: string, options?: ReceiveOptions): Promise<ReceivedMessage[]> {
    return this.guard(async () => {
      const first = this.queue(name);
      const receive = checkReceive(first.settings, options);
      const deadline = Date.now() + receive.waitMs;
      for (;;) {
        const queue = this.queue(name); // again: deleted, or changed, while we waited
        const received = this.bookkeeping(() => this.receiveNow(queue, receive.max, receive.visibilityMs));
        if (received.length > 0 || this.closed || options?.signal?.aborted) return received;
        const now = Date.now();
        if (now >= deadline) return received;
        const next = this.statements.nextVisible.get(queue.row.id, now) as { next: number | null };
        const until = Math.min(deadline, now + this.pollSliceMs, next.next ?? Number.POSITIVE_INFINITY);
        await this.wakeups.wait(queue.row.id, until, options?.signal);
        if (this.closed || options?.signal?.aborted) return [];
      }
    });
  }

  /** One look at the queue, in the caller's transaction: retention, the in-flight cap, redrive, delivery. */
  private receiveNow(queue: Queue, max: number, visibilityMs: number): ReceivedMessage[] {
    const now = Date.now();
    const settings = queue.settings;
    this.statements.expireMessages.run(queue.row.id, now - settings.MessageRetentionPeriod * 1000);
    const cap = settings.FifoQueue ? this.inFlightLimits.fifo : this.inFlightLimits.standard;
    const inFlight = (this.statements.countInFlight.get(queue.row.id, now) as { n: number }).n;
    if (inFlight >= cap) {
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html:
      // standard queues answer OverLimit; FIFO queues answer no messages, and no error.
      if (settings.FifoQueue) return [];
      throw new SqsError(
        "OverLimit",
        `The queue ${queue.row.name} has ${inFlight} messages in flight, the most SQS allows.`,
      );
    }
    const wanted = Math.min(max, cap - inFlight);
    const dlq = this.deadLetterQueue(queue);
    const out: ReceivedMessage[] = [];
    let redriven = 0;
    // Scans read light rows; a message's body and attributes (up to 1 MiB) are read only to deliver or move it.
    const take = (scanned: ScanRow): "delivered" | "redriven" | "skipped" => {
      const redrive =
        dlq !== undefined &&
        settings.RedrivePolicy !== undefined &&
        scanned.receive_count + 1 > settings.RedrivePolicy.maxReceiveCount;
      if (redrive && redriven >= MAX_REDRIVEN_PER_RECEIVE) return "skipped";
      const row = this.statements.rowBySeq.get(scanned.seq) as MessageRow;
      if (redrive && dlq !== undefined) {
        this.moveToDeadLetterQueue(queue, dlq, row, now);
        redriven++;
        return "redriven";
      }
      out.push(this.deliver(queue, row, now, visibilityMs));
      return "delivered";
    };
    if (settings.FifoQueue) this.receiveFifo(queue, now, wanted, out, take);
    else {
      // Each row is delivered or moved: no more rows than that can be needed.
      const limit = wanted + MAX_REDRIVEN_PER_RECEIVE;
      const rows = this.statements.visibleRows.all(queue.row.id, now, limit) as ScanRow[];
      for (const row of rows) {
        if (out.length >= wanted) break;
        if (take(row) === "skipped") break;
      }
    }
    if (redriven > 0 && dlq !== undefined) this.wakeups.wake(dlq.row.id);
    return out;
  }

  /**
   * FIFO: messages in order of arrival; a group with a message in flight gives nothing ("you can't receive
   * messages from the same message group until the visibility timeout expires or the message is deleted"), and a
   * group's later messages wait for its earlier ones.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html
   */
  private receiveFifo(
    queue: Queue,
    now: number,
    wanted: number,
    out: ReceivedMessage[],
    take: (row: ScanRow) => "delivered" | "redriven" | "skipped",
  ): void {
    const blocked = new Set(
      (this.statements.inFlightGroups.all(queue.row.id, now) as { group_id: string | null }[]).map(
        (row) => row.group_id ?? "",
      ),
    );
    // Group by group, oldest head first — "Amazon SQS first attempts to return as many messages with the same
    // message group ID as possible" (the page above) — so a long backlog in a blocked group never hides the
    // other groups. At most
    // the in-flight cap's worth of groups can be blocked, so this many heads always reach a free one.
    const heads = this.statements.groupHeads.all(
      queue.row.id,
      this.inFlightLimits.fifo + MAX_REDRIVEN_PER_RECEIVE + wanted,
    ) as { group_id: string; seq: number }[];
    for (const head of heads) {
      if (blocked.has(head.group_id)) continue;
      let after = head.seq - 1;
      for (;;) {
        const rows = this.statements.groupRows.all(queue.row.id, head.group_id, after, 10) as ScanRow[];
        if (rows.length === 0) break;
        let stop = false;
        for (const row of rows) {
          after = row.seq;
          if (row.visible_ms > now) {
            stop = true; // not receivable yet: the group's later messages wait for it
            break;
          }
          if (take(row) === "skipped") return;
          if (out.length >= wanted) return;
        }
        if (stop) break;
      }
    }
  }

  private deliver(queue: Queue, row: MessageRow, now: number, visibilityMs: number): ReceivedMessage {
    const token = newReceiptToken();
    const firstReceive = row.first_receive_ms ?? now;
    this.statements.markReceived.run(firstReceive, now + visibilityMs, token, row.seq);
    const stored = parseStoredAttributes(row.attributes);
    const trace = stored.messageSystemAttributes.AWSTraceHeader?.StringValue;
    return {
      messageId: row.message_id,
      receiptHandle: encodeReceiptHandle({ queueId: queue.row.id, messageId: row.message_id, token }),
      body: row.body,
      attributes: {
        SenderId: row.sender_id,
        SentTimestamp: String(row.sent_ms),
        ApproximateReceiveCount: String(row.receive_count + 1),
        ApproximateFirstReceiveTimestamp: String(firstReceive),
        ...(row.group_id === null ? {} : { MessageGroupId: row.group_id }),
        ...(row.dedup_id === null ? {} : { MessageDeduplicationId: row.dedup_id }),
        ...(row.sequence_number === null ? {} : { SequenceNumber: row.sequence_number }),
        ...(row.dlq_source_arn === null ? {} : { DeadLetterQueueSourceArn: row.dlq_source_arn }),
        ...(trace === undefined ? {} : { AWSTraceHeader: trace }),
      },
      messageAttributes: stored.messageAttributes,
      messageSystemAttributes: stored.messageSystemAttributes,
    };
  }

  private deadLetterQueue(queue: Queue): Queue | undefined {
    const arn = queue.settings.RedrivePolicy?.deadLetterTargetArn;
    const name = arn === undefined ? undefined : queueNameOfArn(arn);
    // A dead-letter queue deleted since: SQS keeps delivering from the source.
    return name === undefined || arn !== queueArn(this.region, this.account, name)
      ? undefined
      : this.findQueue(name);
  }

  /**
   * Redrive on receive: the message keeps its id, body, attributes and SentTimestamp, gains DeadLetterQueueSourceArn,
   * and starts the DLQ with no receive. Retention: "the expiration of a message is always based on its original
   * enqueue timestamp" for standard queues, reset for FIFO queues.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
   */
  private moveToDeadLetterQueue(source: Queue, dlq: Queue, row: MessageRow, now: number): void {
    this.statements.deleteRow.run(row.seq);
    this.statements.insertMessage.run({
      queue_id: dlq.row.id,
      message_id: row.message_id,
      body: row.body,
      attributes: row.attributes,
      sender_id: row.sender_id,
      sent_ms: row.sent_ms,
      enqueued_ms: dlq.settings.FifoQueue ? now : row.enqueued_ms,
      visible_ms: now,
      group_id: row.group_id,
      dedup_id: row.dedup_id,
      sequence_number: dlq.settings.FifoQueue ? this.nextSequence(dlq.row.id) : row.sequence_number,
      dlq_source_arn: queueArn(this.region, this.account, source.row.name),
    });
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
      const queue = this.queue(name);
      const results = this.bookkeeping(() =>
        receiptHandles.map((handle): ReceiptEntryResult => {
          try {
            const parts = decodeReceiptHandle(handle, queue.row.id);
            // A message already deleted, or received again since this handle: success, nothing deleted.
            this.statements.deleteByReceipt.run(queue.row.id, parts.messageId, parts.token);
            return { ok: true };
          } catch (error) {
            if (isSqsError(error)) return { ok: false, error };
            throw error;
          }
        }),
      );
      if (queue.settings.FifoQueue) this.wakeups.wake(queue.row.id); // a group may be free now
      return results;
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
      const queue = this.queue(name);
      const results = this.bookkeeping(() =>
        changes.map((change): ReceiptEntryResult => {
          try {
            const parts = decodeReceiptHandle(change?.receiptHandle, queue.row.id);
            const visibilityMs = checkVisibilityTimeout(change.visibilityTimeout);
            const row = this.statements.messageById.get(queue.row.id, parts.messageId) as
              | MessageRow
              | undefined;
            if (row === undefined || row.receipt_token !== parts.token)
              throw receiptNotAvailable(change.receiptHandle);
            const now = Date.now();
            if (row.visible_ms <= now) throw notInFlight();
            this.statements.setVisible.run(now + visibilityMs, row.seq);
            return { ok: true };
          } catch (error) {
            if (isSqsError(error)) return { ok: false, error };
            throw error;
          }
        }),
      );
      this.wakeups.wake(queue.row.id);
      return results;
    });
  }

  /** Commits the sends already accepted, then refuses any more and ends the long polls. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flushSends();
    this.closed = true;
    this.wakeups.close();
  }

  // ---- support ----

  private findQueue(name: string): Queue | undefined {
    const row = this.statements.queueByName.get(name) as QueueRow | undefined;
    return row === undefined ? undefined : toQueue(row);
  }

  private queue(name: string): Queue {
    if (typeof name !== "string" || name.length === 0 || name.length > 80) throw queueDoesNotExist();
    const queue = this.findQueue(name);
    if (queue === undefined) throw queueDoesNotExist();
    return queue;
  }

  private describe(queue: Queue): SqsQueue {
    return describeQueue(
      this.region,
      this.account,
      queue.row.name,
      queue.settings,
      queue.row.created_ms,
      queue.row.modified_ms,
    );
  }

  private countsOf(queue: Queue): QueueCounts {
    const now = Date.now();
    const expired = now - queue.settings.MessageRetentionPeriod * 1000;
    const row = this.statements.counts.get(now, now, now, queue.row.id, expired) as {
      visible: number | null;
      notVisible: number | null;
      delayed: number | null;
    };
    return { visible: row.visible ?? 0, notVisible: row.notVisible ?? 0, delayed: row.delayed ?? 0 };
  }

  /** Runs `work`, answering SqsErrors as they are and anything else (the file closed, a disk error) as unavailable. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed || !this.db.open) throw storeUnavailable("the SQS store is closed");
    try {
      return await work();
    } catch (error) {
      if (isSqsError(error)) throw error;
      throw storeUnavailable(`the embedded SQS store failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** An acknowledged write: one transaction at the file's synchronous level (FULL by default). */
  private acknowledged<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  /** Bookkeeping nobody was promised: one transaction with synchronous=NORMAL (see the header). */
  private bookkeeping<T>(work: () => T): T {
    if (!this.syncsAcknowledged) return this.db.transaction(work)();
    this.statements.syncNormal.run();
    try {
      return this.db.transaction(work)();
    } finally {
      this.statements.syncFull.run();
    }
  }
}

function toQueue(row: QueueRow): Queue {
  return { row, settings: JSON.parse(row.settings) as QueueSettings };
}

function prepare(db: Database.Database) {
  return {
    syncNormal: db.prepare("PRAGMA synchronous = NORMAL"),
    syncFull: db.prepare("PRAGMA synchronous = FULL"),
    insertQueue: db.prepare(
      "INSERT INTO sqs_queues (id, name, settings, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
    ),
    queueByName: db.prepare("SELECT * FROM sqs_queues WHERE name = ?"),
    queueById: db.prepare("SELECT * FROM sqs_queues WHERE id = ?"),
    listQueues: db.prepare(
      "SELECT * FROM sqs_queues WHERE substr(name, 1, ?) = ? AND name > ? ORDER BY name LIMIT ?",
    ),
    updateQueue: db.prepare("UPDATE sqs_queues SET settings = ?, modified_ms = ? WHERE id = ?"),
    deleteQueue: db.prepare("DELETE FROM sqs_queues WHERE id = ?"),
    deleteMessages: db.prepare("DELETE FROM sqs_messages WHERE queue_id = ?"),
    deleteDedup: db.prepare("DELETE FROM sqs_dedup WHERE queue_id = ?"),
    nextSequence: db.prepare(
      "UPDATE sqs_queues SET next_sequence = next_sequence + 1 WHERE id = ? RETURNING next_sequence",
    ),
    insertMessage: db.prepare(
      `INSERT INTO sqs_messages (queue_id, message_id, body, attributes, sender_id, sent_ms, enqueued_ms, visible_ms,
         group_id, dedup_id, sequence_number, dlq_source_arn)
       VALUES (@queue_id, @message_id, @body, @attributes, @sender_id, @sent_ms, @enqueued_ms, @visible_ms,
         @group_id, @dedup_id, @sequence_number, @dlq_source_arn)
       ON CONFLICT (queue_id, message_id) DO NOTHING`,
    ),
    expireDedup: db.prepare("DELETE FROM sqs_dedup WHERE queue_id = ? AND expires_ms <= ?"),
    findDedup: db.prepare(
      "SELECT message_id, sequence_number FROM sqs_dedup WHERE queue_id = ? AND dedup_key = ?",
    ),
    insertDedup: db.prepare(
      "INSERT INTO sqs_dedup (queue_id, dedup_key, message_id, sequence_number, expires_ms) VALUES (?, ?, ?, ?, ?)",
    ),
    expireMessages: db.prepare("DELETE FROM sqs_messages WHERE queue_id = ? AND enqueued_ms <= ?"),
    countInFlight: db.prepare(
      "SELECT count(*) AS n FROM sqs_messages WHERE queue_id = ? AND visible_ms > ? AND receive_count > 0",
    ),
    inFlightGroups: db.prepare(
      "SELECT DISTINCT group_id FROM sqs_messages WHERE queue_id = ? AND visible_ms > ? AND receive_count > 0",
    ),
    visibleRows: db.prepare(
      `SELECT ${SCAN_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND visible_ms <= ? ORDER BY visible_ms, seq LIMIT ?`,
    ),
    groupHeads: db.prepare(
      "SELECT group_id, min(seq) AS seq FROM sqs_messages WHERE queue_id = ? GROUP BY group_id ORDER BY seq LIMIT ?",
    ),
    groupRows: db.prepare(
      `SELECT ${SCAN_COLUMNS} FROM sqs_messages WHERE queue_id = ? AND group_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    rowBySeq: db.prepare("SELECT * FROM sqs_messages WHERE seq = ?"),
    nextVisible: db.prepare(
      "SELECT min(visible_ms) AS next FROM sqs_messages WHERE queue_id = ? AND visible_ms > ?",
    ),
    markReceived: db.prepare(
      `UPDATE sqs_messages SET receive_count = receive_count + 1, first_receive_ms = ?, visible_ms = ?,
         receipt_token = ? WHERE seq = ?`,
    ),
    deleteRow: db.prepare("DELETE FROM sqs_messages WHERE seq = ?"),
    deleteByReceipt: db.prepare(
      "DELETE FROM sqs_messages WHERE queue_id = ? AND message_id = ? AND receipt_token = ?",
    ),
    messageById: db.prepare("SELECT * FROM sqs_messages WHERE queue_id = ? AND message_id = ?"),
    setVisible: db.prepare("UPDATE sqs_messages SET visible_ms = ? WHERE seq = ?"),
    counts: db.prepare(
      `SELECT sum(visible_ms <= ?) AS visible,
              sum(visible_ms > ? AND receive_count > 0) AS notVisible,
              sum(visible_ms > ? AND receive_count = 0) AS delayed
       FROM sqs_messages WHERE queue_id = ? AND enqueued_ms > ?`,
    ),
  };
}
