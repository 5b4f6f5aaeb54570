/**
 * The JobQueue port without Redis: the default of `lambkin dev`. Jobs live in a SQLite file in Lambkin's
 * state folder (embedded-store.ts), so events accepted before a crash or a restart still run after it.
 *
 * - enqueue: jobs arriving in the same turn of the event loop are inserted in one transaction; each promise
 *   resolves only after that transaction committed (synchronous=FULL: synced to disk).
 * - consumers poll for due jobs (a timer set to the next run_at, at most idlePollMs apart, and a wake-up on
 *   every enqueue and every finished job), lease them (state `leased`, lease_until) and renew the lease
 *   while the handler runs. A lease that expires (its handler stuck past it) is handed out again; at open,
 *   every lease is released, since the lock proves its holder is dead.
 * - every outcome is one UPDATE guarded by the lease's owner, so a job handed out again after a lost lease is
 *   not overwritten by the late first handler. Outcomes of one turn of the event loop are written together,
 *   in one transaction, just before the consumers lease more.
 * - only what was acknowledged to a caller is synced to disk at its commit (enqueue, redrive, purge). Leases,
 *   renewals and outcomes commit with synchronous=NORMAL: they survive the death of the process, and a power
 *   cut can lose only the last of them — which hands a finished job out again (at-least-once allows it; a
 *   lost lease is void at open anyway). The WAL is one file appended in order, so the sync of an enqueue
 *   also makes every earlier bookkeeping commit durable: a crash never keeps a later write without an
 *   earlier one. https://www.sqlite.org/pragma.html#pragma_synchronous
 */
import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import { settlesWithin } from "../../../runtime/async/settles-within.js";
import type {
  AttemptError,
  ClaimedJob,
  CloseOptions,
  DeadLetter,
  DeadLetterCondition,
  DeadLetterStore,
  EnqueuedJob,
  EnqueueOptions,
  JobConsumer,
  JobHandler,
  JobOutcome,
  JobQueue,
  ProcessOptions,
  QueueCounts,
  QueueReporter,
} from "../interfaces/job-queue.js";
import {
  DeadLetterNotFoundError,
  InvalidJobError,
  QueueUnavailableError,
} from "../interfaces/queue-errors.js";
import { parseQueuedInvocationText, type QueuedInvocation } from "../interfaces/queued-invocation.js";
import {
  attemptError,
  type CheckedEnqueue,
  checkEnqueue,
  isOutcome,
  outcomeOfHandlerFailure,
  redriveInvocation,
  safeDelay,
  stderrReporter,
  truncateRaw,
} from "../queue-support.js";
import { type JobRow, type OpenedStore, openStore } from "./embedded-store.js";

export interface EmbeddedJobQueueOptions {
  /** Lambkin's state folder (`.lambkin/`, --state DIR); created if missing. */
  readonly stateDir: string;
  /** Queue name: the file is `<stateDir>/<name>.sqlite`. Default `async-invocations`. */
  readonly name?: string;
  /** How long a lease lasts without renewal (ms). Default 30 000. */
  readonly leaseMs?: number;
  /** Longest wait between two looks for due jobs when nothing wakes the consumer (ms). Default 250. */
  readonly idlePollMs?: number;
  /** Stalls a job survives; one more and it is dead-lettered (`Stalled`). Default 5, as the BullMQ adapter. */
  readonly maxStalls?: number;
  /** FULL (default) or NORMAL; see embedded-store.ts. */
  readonly synchronous?: "FULL" | "NORMAL";
  readonly reporter?: QueueReporter;
}

const DEFAULT_NAME = "async-invocations";
const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;
/** One enqueue transaction holds at most this many jobs / bytes, so a burst of 1 MB events stays bounded. */
const MAX_BATCH_JOBS = 500;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/** A handler's outcome waiting for the next settlement transaction. */
interface PendingSettlement {
  readonly row: JobRow;
  readonly owner: string;
  readonly result: JobOutcome;
  readonly errors: readonly AttemptError[];
}

interface PendingEnqueue {
  readonly job: CheckedEnqueue;
  readonly text: string;
  readonly resolve: (job: EnqueuedJob) => void;
  readonly reject: (error: Error) => void;
}

export class EmbeddedJobQueue implements JobQueue {
  readonly backend = "embedded";
  readonly deadLetters: DeadLetterStore;
  readonly file: string;
  private readonly store: OpenedStore;
  private readonly db: Database.Database;
  private readonly options: EmbeddedJobQueueOptions;
  private readonly report: QueueReporter;
  private readonly consumers = new Set<EmbeddedConsumer>();
  private pending: PendingEnqueue[] = [];
  private flushScheduled = false;
  private settlements: PendingSettlement[] = [];
  private settleScheduled = false;
  private closed = false;
  private readonly insert: Database.Statement;
  private readonly statements: ReturnType<typeof prepareStatements>;
  /** Whether the file was opened with synchronous=FULL: then bookkeeping commits step down to NORMAL. */
  private readonly syncsAcknowledged: boolean;

  /** Opens (and locks) the queue of a state folder; throws QueueStateLockedError when another process has it. */
  constructor(options: EmbeddedJobQueueOptions) {
    this.options = options;
    this.report = options.reporter ?? stderrReporter;
    this.store = openStore(options.stateDir, options.name ?? DEFAULT_NAME, options.synchronous ?? "FULL");
    this.db = this.store.db;
    this.file = this.store.file;
    this.insert = this.db.prepare(
      `INSERT INTO jobs (id, data, state, run_at, enqueued_at) VALUES (?, ?, 'waiting', ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    );
    this.statements = prepareStatements(this.db);
    this.syncsAcknowledged = (options.synchronous ?? "FULL") === "FULL";
    this.recoverLeases();
    this.deadLetters = new EmbeddedDeadLetters(this);
  }

  async ready(): Promise<void> {
    if (this.closed) throw new QueueUnavailableError("the queue is closed");
  }

  enqueue(invocation: QueuedInvocation, options?: EnqueueOptions): Promise<EnqueuedJob> {
    let job: CheckedEnqueue;
    try {
      job = checkEnqueue(invocation, options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closed) return Promise.reject(new QueueUnavailableError("the queue is closed"));
    return new Promise((resolve, reject) => {
      this.pending.push({ job, text: JSON.stringify(job.invocation), resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits the enqueues of this turn, in batches; each promise settles with its batch's transaction. */
  private flush(): void {
    this.flushScheduled = false;
    while (this.pending.length > 0) {
      let bytes = 0;
      let count = 0;
      while (count < this.pending.length && count < MAX_BATCH_JOBS && bytes < MAX_BATCH_BYTES) {
        bytes += (this.pending[count] as PendingEnqueue).text.length;
        count++;
      }
      const batch = this.pending.splice(0, count);
      const now = Date.now();
      try {
        this.db.transaction(() => {
          for (const { job, text } of batch) this.insert.run(job.jobId, text, now + job.delayMs, now);
        })();
      } catch (error) {
        const failure = new QueueUnavailableError(
          `the embedded queue ${this.file} did not store the job: ${(error as Error).message}`,
          { cause: error },
        );
        for (const entry of batch) entry.reject(failure);
        continue;
      }
      for (const { job, resolve } of batch) resolve({ id: job.jobId });
    }
    this.wakeConsumers();
  }

  wakeConsumers(): void {
    for (const consumer of this.consumers) consumer.wake();
  }

  process(handler: JobHandler, options: ProcessOptions): JobConsumer {
    if (this.closed) throw new QueueUnavailableError("the queue is closed");
    if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1) {
      throw new InvalidJobError(`concurrency must be a whole number ≥ 1, not ${options.concurrency}`);
    }
    const consumer = new EmbeddedConsumer(this, handler, options.concurrency, () =>
      this.consumers.delete(consumer),
    );
    this.consumers.add(consumer);
    consumer.wake();
    return consumer;
  }

  async counts(): Promise<QueueCounts> {
    const now = Date.now();
    const row = this.statements.counts.get(now, now) as QueueCounts;
    return { ready: row.ready, delayed: row.delayed, running: row.running, dead: row.dead };
  }

  async close(options?: CloseOptions): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.close(options)));
    this.flush();
    this.flushSettlements();
    this.store.close();
  }

  // ---- used by the consumers and the dead-letter store ----

  get isOpen(): boolean {
    return !this.closed;
  }

  get leaseMs(): number {
    return this.options.leaseMs ?? 30_000;
  }

  get idlePollMs(): number {
    return this.options.idlePollMs ?? 250;
  }

  get reporter(): QueueReporter {
    return this.report;
  }

  /**
   * The open connection of the queue's file, for the stores that keep their own tables in it (the SQS store:
   * triggers/sqs/embedded/); the file is locked to this connection, and closed with the queue.
   */
  get database(): Database.Database {
    return this.db;
  }

  /**
   * Leases up to `limit` due jobs for `owner`, in one transaction (one sync), oldest due first. Expired
   * leases are handed out again first.
   */
  claim(owner: string, limit: number): JobRow[] {
    this.flushSettlements(); // the outcomes of this turn first: their jobs must not be seen as leased
    const now = Date.now();
    const rows = this.bookkeeping(() => {
      this.releaseExpiredLeases(now);
      return this.statements.claim.all(owner, now + this.leaseMs, now, limit) as JobRow[];
    });
    // RETURNING's order is unspecified: hand them out in the queue's order.
    return rows.sort((a, b) => a.run_at - b.run_at || a.seq - b.seq);
  }

  /** When the next waiting job is due (ms since the epoch), or undefined. */
  nextDue(): number | undefined {
    const row = this.statements.nextDue.get() as { next: number | null };
    return row.next ?? undefined;
  }

  renew(ids: readonly string[], owner: string): void {
    const until = Date.now() + this.leaseMs;
    this.bookkeeping(() => {
      for (const id of ids) this.statements.renew.run(until, id, owner);
    });
  }

  /**
   * Takes a handler's outcome for the job it leased; it is written with the others of this turn (one
   * transaction), before the next claim and at the latest on the next turn of the event loop.
   */
  settle(row: JobRow, owner: string, result: JobOutcome, errors: readonly AttemptError[]): void {
    this.settlements.push({ row, owner, result, errors });
    if (this.settleScheduled) return;
    this.settleScheduled = true;
    // The consumer that ran the job wakes itself (and claims, which writes them first); this is for the
    // turns where nobody claims.
    setImmediate(() => {
      try {
        this.flushSettlements();
      } catch (error) {
        this.report({ code: "LKN_WRN_QUEUE_BACKEND", message: `SQLite: ${(error as Error).message}` });
      }
    });
  }

  /**
   * Writes the pending outcomes in one transaction. When it fails (disk full…) their jobs stay leased: the
   * leases expire and the jobs run again (at-least-once), so nothing is lost.
   */
  flushSettlements(): void {
    this.settleScheduled = false;
    if (this.settlements.length === 0 || !this.db.open) return;
    const batch = this.settlements;
    this.settlements = [];
    this.bookkeeping(() => {
      for (const { row, owner, result, errors } of batch) this.applyOutcome(row, owner, result, errors);
    });
  }

  /** Applies a handler's outcome to the job it leased; false when the lease was lost meanwhile. */
  private applyOutcome(
    row: JobRow,
    owner: string,
    result: JobOutcome,
    errors: readonly AttemptError[],
  ): boolean {
    const now = Date.now();
    const { statements } = this;
    let changes: number;
    switch (result.kind) {
      case "done":
        changes = statements.finish.run(row.id, owner).changes;
        break;
      case "retry":
        changes = statements.retry.run(
          now + safeDelay(result.delayMs),
          JSON.stringify(errors),
          row.id,
          owner,
        ).changes;
        break;
      case "postpone":
        changes = statements.postpone.run(now + safeDelay(result.delayMs), row.id, owner).changes;
        break;
      case "dead-letter":
        changes = this.bury(row.id, result.condition, result.reason, errors, LEASE_GUARD, owner);
        break;
    }
    return changes > 0;
  }

  /**
   * Runs `work` in one transaction committed with synchronous=NORMAL (no sync of its own; the next
   * acknowledged write's sync covers it): for writes nobody was promised, see the header.
   */
  private bookkeeping<T>(work: () => T): T {
    if (!this.syncsAcknowledged) return this.db.transaction(work)();
    this.statements.syncNormal.run();
    try {
      return this.db.transaction(work)();
    } finally {
      this.statements.syncFull.run();
    }
  }

  /** Makes a job a dead letter (its lease, if `guard` names one, must still be `owner`'s). */
  bury(
    id: string,
    condition: DeadLetterCondition,
    reason: string,
    errors: readonly AttemptError[],
    guard = "WHERE id = ?",
    owner?: string,
  ): number {
    const parameters = [condition, reason, Date.now(), JSON.stringify(errors), errors.length, id];
    if (owner !== undefined) parameters.push(owner);
    return this.db
      .prepare(
        `UPDATE jobs SET state = 'dead', dead_condition = ?, dead_reason = ?, dead_at = ?, errors = ?, attempts = ?,
           lease_owner = NULL, lease_until = NULL ${guard}`,
      )
      .run(...parameters).changes;
  }

  /** Inserts a job now, inside the caller's transaction (redrive). */
  insertNow(job: CheckedEnqueue): void {
    const now = Date.now();
    this.insert.run(job.jobId, JSON.stringify(job.invocation), now + job.delayMs, now);
  }

  /** At open: the previous holder of the file is dead (we hold its lock), so its leases are void. */
  private recoverLeases(): void {
    this.db.transaction(() => this.releaseLeases(`state = 'leased'`))();
  }

  /** Leases past their lease_until go back to waiting (or to the dead letters): releaseLeases, prepared. */
  private releaseExpiredLeases(now: number): void {
    const maxStalls = this.options.maxStalls ?? 5;
    this.statements.buryExpired.run(now, now, maxStalls);
    this.statements.releaseExpired.run(now, now);
  }

  /** Leases matching `where` go back to waiting (a stall) or, past maxStalls, to the dead letters. */
  private releaseLeases(where: string, ...parameters: unknown[]): void {
    const maxStalls = this.options.maxStalls ?? 5;
    const now = Date.now();
    this.db
      .prepare(
        `UPDATE jobs SET state = 'dead', dead_condition = 'Stalled', dead_at = ?, lease_owner = NULL, lease_until = NULL,
           dead_reason = 'its consumer died (or lost its lease) while running it ' || (stalls + 1) || ' times'
         WHERE ${where} AND stalls >= ?`,
      )
      .run(now, ...parameters, maxStalls);
    this.db
      .prepare(
        `UPDATE jobs SET state = 'waiting', run_at = ?, stalls = stalls + 1, lease_owner = NULL, lease_until = NULL
         WHERE ${where}`,
      )
      .run(now, ...parameters);
  }
}

/** The outcome of a job applies only while its lease is still the handler's. */
const LEASE_GUARD = `WHERE id = ? AND lease_owner = ? AND state = 'leased'`;

/** The statements of the consumers' hot path, prepared once. */
function prepareStatements(db: Database.Database) {
  return {
    claim: db.prepare(
      `UPDATE jobs SET state = 'leased', lease_owner = ?, lease_until = ?, deliveries = deliveries + 1
       WHERE seq IN (SELECT seq FROM jobs WHERE state = 'waiting' AND run_at <= ? ORDER BY run_at, seq LIMIT ?)
       RETURNING *`,
    ),
    // releaseLeases(`state = 'leased' AND lease_until < ?`), as two prepared statements.
    buryExpired: db.prepare(
      `UPDATE jobs SET state = 'dead', dead_condition = 'Stalled', dead_at = ?, lease_owner = NULL, lease_until = NULL,
         dead_reason = 'its consumer died (or lost its lease) while running it ' || (stalls + 1) || ' times'
       WHERE state = 'leased' AND lease_until < ? AND stalls >= ?`,
    ),
    releaseExpired: db.prepare(
      `UPDATE jobs SET state = 'waiting', run_at = ?, stalls = stalls + 1, lease_owner = NULL, lease_until = NULL
       WHERE state = 'leased' AND lease_until < ?`,
    ),
    nextDue: db.prepare(`SELECT MIN(run_at) AS next FROM jobs WHERE state = 'waiting'`),
    renew: db.prepare(`UPDATE jobs SET lease_until = ? WHERE id = ? AND lease_owner = ?`),
    finish: db.prepare(`DELETE FROM jobs ${LEASE_GUARD}`),
    retry: db.prepare(
      `UPDATE jobs SET state = 'waiting', run_at = ?, lease_owner = NULL, lease_until = NULL,
         attempts = attempts + 1, errors = ? ${LEASE_GUARD}`,
    ),
    postpone: db.prepare(
      `UPDATE jobs SET state = 'waiting', run_at = ?, lease_owner = NULL, lease_until = NULL ${LEASE_GUARD}`,
    ),
    counts: db.prepare(
      `SELECT
         COALESCE(SUM(state = 'waiting' AND run_at <= ?), 0) AS ready,
         COALESCE(SUM(state = 'waiting' AND run_at > ?), 0) AS delayed,
         COALESCE(SUM(state = 'leased'), 0) AS running,
         COALESCE(SUM(state = 'dead'), 0) AS dead
       FROM jobs`,
    ),
    syncNormal: db.prepare(`PRAGMA synchronous = NORMAL`),
    syncFull: db.prepare(`PRAGMA synchronous = FULL`),
  };
}

function parseErrors(text: string): AttemptError[] {
  try {
    const errors = JSON.parse(text) as unknown;
    return Array.isArray(errors) ? (errors as AttemptError[]) : [];
  } catch {
    return [];
  }
}

/** One `process()`: a loop that leases due jobs while fewer than `concurrency` handlers run. */
class EmbeddedConsumer implements JobConsumer {
  private readonly owner = randomUUID();
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly renewal: NodeJS.Timeout;
  private closing: Promise<void> | undefined;
  private pumping = false;
  /** A pump is already due on this turn: the jobs finishing together need only one. */
  private pumpScheduled = false;

  constructor(
    private readonly queue: EmbeddedJobQueue,
    private readonly handler: JobHandler,
    private readonly concurrency: number,
    private readonly onClosed: () => void,
  ) {
    this.renewal = setInterval(() => this.renewLeases(), Math.max(10, Math.floor(queue.leaseMs / 3)));
    this.renewal.unref();
  }

  wake(): void {
    if (this.closing !== undefined || this.pumping || this.pumpScheduled) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pumpScheduled = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.pumpScheduled = false;
    if (this.closing !== undefined || !this.queue.isOpen || this.pumping) return;
    this.pumping = true;
    try {
      while (this.running.size < this.concurrency && this.closing === undefined) {
        let rows: JobRow[];
        try {
          rows = this.queue.claim(this.owner, this.concurrency - this.running.size);
        } catch (error) {
          this.trouble(error);
          break;
        }
        if (rows.length === 0) break;
        for (const row of rows) this.start(row);
      }
    } finally {
      this.pumping = false;
    }
    this.schedule();
  }

  /** Sleeps until the next due job, at most idlePollMs (expired leases, and safety). */
  private schedule(): void {
    if (this.closing !== undefined || !this.queue.isOpen) return;
    clearTimeout(this.timer);
    let wait = this.queue.idlePollMs;
    if (this.running.size < this.concurrency) {
      try {
        const next = this.queue.nextDue();
        if (next !== undefined) wait = Math.min(wait, Math.max(0, next - Date.now()));
      } catch (error) {
        this.trouble(error);
      }
    }
    this.timer = setTimeout(() => this.pump(), wait);
  }

  private start(row: JobRow): void {
    const run = this.runJob(row).finally(() => {
      this.running.delete(row.id);
      this.wake();
    });
    this.running.set(row.id, run);
  }

  private async runJob(row: JobRow): Promise<void> {
    const errors = parseErrors(row.errors);
    const parsed = parseQueuedInvocationText(row.data);
    if (!parsed.ok) {
      const reason = `job ${row.id} cannot be read: ${parsed.reason}`;
      this.queue.reporter({
        code: "LKN_ERR_QUEUE_JOB_MALFORMED",
        message: `${reason}; it is dead-lettered`,
        jobId: row.id,
      });
      this.guarded(() =>
        this.queue.bury(
          row.id,
          "MalformedJob",
          reason,
          errors,
          "WHERE id = ? AND lease_owner = ?",
          this.owner,
        ),
      );
      return;
    }
    const invocation = parsed.value;
    const attempt = row.attempts + 1;
    const claimed: ClaimedJob = { id: row.id, invocation, attempt, deliveries: row.deliveries, errors };
    let result: JobOutcome;
    try {
      const returned: unknown = await this.handler(claimed);
      if (!isOutcome(returned)) throw new Error(`it returned ${JSON.stringify(returned)}, not an outcome`);
      result = returned;
    } catch (error) {
      result = outcomeOfHandlerFailure(error);
      const reason = result.kind === "postpone" ? result.reason : "";
      this.queue.reporter({
        code: "LKN_WRN_QUEUE_HANDLER_FAILED",
        message: `job ${row.id}: ${reason}`,
        jobId: row.id,
      });
    }
    if (!this.queue.isOpen) return; // closed under a handler that outlived close's bound: reopened, it runs again
    const failed =
      result.kind === "retry" || (result.kind === "dead-letter" && result.error !== undefined)
        ? [...errors, attemptError(result.error as NonNullable<typeof result.error>, attempt, invocation)]
        : errors;
    this.guarded(() => this.queue.settle(row, this.owner, result, failed));
  }

  /** A write that fails (disk full…) leaves the job leased: its lease expires and it runs again. */
  private guarded(write: () => unknown): void {
    try {
      write();
    } catch (error) {
      this.trouble(error);
    }
  }

  private renewLeases(): void {
    if (this.running.size === 0 || !this.queue.isOpen) return;
    this.guarded(() => this.queue.renew([...this.running.keys()], this.owner));
  }

  private trouble(error: unknown): void {
    this.queue.reporter({ code: "LKN_WRN_QUEUE_BACKEND", message: `SQLite: ${(error as Error).message}` });
  }

  close(options?: CloseOptions): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.timer);
      const running = Promise.all(this.running.values());
      await settlesWithin(running, options?.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
      clearInterval(this.renewal);
      this.onClosed();
    })();
    return this.closing;
  }
}

class EmbeddedDeadLetters implements DeadLetterStore {
  constructor(private readonly queue: EmbeddedJobQueue) {}

  async list(options?: { readonly limit?: number }): Promise<DeadLetter[]> {
    const limit = Math.max(1, options?.limit ?? 1000);
    const rows = this.queue.database
      .prepare(`SELECT * FROM jobs WHERE state = 'dead' ORDER BY dead_at, seq LIMIT ?`)
      .all(limit) as JobRow[];
    return rows.map(toDeadLetter);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const row = this.deadRow(id);
    return row === undefined ? undefined : toDeadLetter(row);
  }

  async redrive(id: string): Promise<EnqueuedJob> {
    const db = this.queue.database;
    // One transaction: the new job exists if and only if the dead letter is gone.
    const redriven = db.transaction(() => {
      const row = this.deadRow(id);
      if (row === undefined) throw new DeadLetterNotFoundError(id);
      const dead = toDeadLetter(row);
      if (dead.invocation === undefined) {
        throw new InvalidJobError(`dead letter ${id} has no readable invocation to redrive (${dead.reason})`);
      }
      const job = checkEnqueue(redriveInvocation(dead.invocation, id));
      this.queue.insertNow(job);
      db.prepare(`DELETE FROM jobs WHERE id = ? AND state = 'dead'`).run(id);
      return { id: job.jobId };
    })();
    this.queue.wakeConsumers();
    return redriven;
  }

  async purge(id?: string): Promise<number> {
    const db = this.queue.database;
    if (id === undefined) return db.prepare(`DELETE FROM jobs WHERE state = 'dead'`).run().changes;
    const changes = db.prepare(`DELETE FROM jobs WHERE id = ? AND state = 'dead'`).run(id).changes;
    if (changes === 0) throw new DeadLetterNotFoundError(id);
    return changes;
  }

  private deadRow(id: string): JobRow | undefined {
    return this.queue.database.prepare(`SELECT * FROM jobs WHERE id = ? AND state = 'dead'`).get(id) as
      | JobRow
      | undefined;
  }
}

function toDeadLetter(row: JobRow): DeadLetter {
  const parsed = parseQueuedInvocationText(row.data);
  const errors = parseErrors(row.errors);
  return {
    id: row.id,
    invocation: parsed.ok ? parsed.value : undefined,
    ...(parsed.ok ? {} : { raw: truncateRaw(row.data) }),
    condition: row.dead_condition ?? "Failed",
    reason: row.dead_reason ?? "",
    attempts: errors.length,
    errors,
    enqueuedAt: parsed.ok ? parsed.value.enqueuedAt : row.enqueued_at || undefined,
    deadLetteredAt: row.dead_at ?? Date.now(),
  };
}
