/**
 * The JobQueue port on BullMQ 6 and Redis: the queue that `lambkin gateway` and `lambkin worker` processes
 * share (REDIS_URL). BullMQ does the queueing: delayed jobs, retries with a custom backoff (the delay the
 * handler asked for), `moveToDelayed` for postponements that count no attempt, a lock per running job with
 * stalled-job recovery (a worker SIGKILLed mid-handler: its lock expires, another worker runs the job again),
 * the `failed` set as dead-letter store, and a key prefix per queue. Nothing here writes Redis keys by hand.
 *
 * Connections: the producer's ioredis client fails fast (no offline queue, a command timeout), so enqueue
 * rejects with QueueUnavailableError instead of waiting for a Redis that is down — a caller answers a 5xx
 * rather than a 202 for an event that was not stored. Each consumer has its own client with
 * maxRetriesPerRequest: null, as BullMQ requires for workers: it reconnects by itself and goes on
 * (https://docs.bullmq.io/guide/going-to-production#maxretriesperrequest).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { DelayedError, type Job, type JobsOptions } from "bullmq";
import type { Redis, RedisOptions } from "ioredis";
import { settlesWithin } from "../../../runtime/async/settles-within.js";
import type {
  ClaimedJob,
  CloseOptions,
  DeadLetter,
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
import { parseQueuedInvocation, type QueuedInvocation } from "../interfaces/queued-invocation.js";
import {
  attemptError,
  checkEnqueue,
  isOutcome,
  outcomeOfHandlerFailure,
  redriveInvocation,
  safeDelay,
  stderrReporter,
  truncateRaw,
} from "../queue-support.js";
import { DeadLetterSignal, RetrySignal, readHistory } from "./attempt-records.js";
import { describeConnection, redisClient } from "./redis-connection.js";
import { TolerantQueue, TolerantWorker, unreadableText } from "./tolerant-job.js";

export interface BullMqJobQueueOptions {
  /** `redis://…` URL (REDIS_URL) or ioredis options (host, port, password, db …). */
  readonly connection: string | RedisOptions;
  /** Key prefix: every key of the queue starts with it. Default `lambkin`. */
  readonly prefix?: string;
  /** Queue name. Default `async-invocations`. */
  readonly name?: string;
  /**
   * How long a running job's lock lasts without renewal (ms): a consumer that dies loses its jobs to another
   * one after about this long (plus stalledIntervalMs). Default 30 000, BullMQ's.
   */
  readonly lockDurationMs?: number;
  /** How often consumers look for stalled jobs (ms). Default: lockDurationMs. */
  readonly stalledIntervalMs?: number;
  /** Stalls (its consumer died mid-handler) a job survives; one more and it is dead-lettered (`Stalled`). Default 5. */
  readonly maxStalls?: number;
  /** How long enqueue waits for Redis to acknowledge the write before rejecting (ms). Default 5000. */
  readonly enqueueTimeoutMs?: number;
  readonly reporter?: QueueReporter;
}

const DEFAULT_NAME = "async-invocations";
const DEFAULT_PREFIX = "lambkin";
const JOB_NAME = "invocation";
/** BullMQ stops retrying at `attempts`; the handler decides instead, so the queue never stops on its own. */
const UNBOUNDED_ATTEMPTS = 2 ** 31 - 1;
const BACKOFF_TYPE = "lambkin-handler";
const DEFAULT_CLOSE_TIMEOUT_MS = 30_000;

export class BullMqJobQueue implements JobQueue {
  readonly backend = "bullmq";
  readonly deadLetters: DeadLetterStore;
  private readonly options: BullMqJobQueueOptions;
  private readonly producer: Redis;
  private readonly queue: TolerantQueue;
  private readonly consumers = new Set<BullMqConsumer>();
  private readonly report: QueueReporter;
  private closed = false;

  constructor(options: BullMqJobQueueOptions) {
    this.options = options;
    this.report = options.reporter ?? stderrReporter;
    const enqueueTimeoutMs = options.enqueueTimeoutMs ?? 5000;
    this.producer = redisClient(options.connection, {
      // Fail fast: a command while Redis is down rejects at once instead of waiting in a queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: enqueueTimeoutMs,
      connectTimeout: enqueueTimeoutMs,
    });
    this.producer.on("error", () => {}); // reported through enqueue's rejections; ioredis reconnects
    this.queue = new TolerantQueue(options.name ?? DEFAULT_NAME, {
      connection: this.producer,
      prefix: options.prefix ?? DEFAULT_PREFIX,
    });
    this.queue.on("error", (error) => this.backendTrouble(error));
    this.deadLetters = new BullMqDeadLetters(this.queue, (invocation, enqueue) =>
      this.enqueue(invocation, enqueue),
    );
  }

  async ready(options?: { readonly timeoutMs?: number }): Promise<void> {
    const timeoutMs = options?.timeoutMs ?? 10_000;
    const connected = (async () => {
      await this.queue.waitUntilReady();
      while (this.producer.status !== "ready" && !this.closed) await sleep(20);
    })();
    if (!(await settlesWithin(connected, timeoutMs)) || this.producer.status !== "ready") {
      throw new QueueUnavailableError(
        `Redis at ${describeConnection(this.options.connection)} is not reachable (${this.producer.status} after ${timeoutMs} ms)`,
      );
    }
  }

  async enqueue(invocation: QueuedInvocation, options?: EnqueueOptions): Promise<EnqueuedJob> {
    const checked = checkEnqueue(invocation, options);
    if (this.closed) throw new QueueUnavailableError("the queue is closed");
    // Not connected: refuse now. A command sent later, after a timeout, could store a job we said was lost.
    if (this.producer.status !== "ready") {
      throw new QueueUnavailableError(
        `Redis at ${describeConnection(this.options.connection)} is not connected (${this.producer.status})`,
      );
    }
    const jobOptions: JobsOptions = {
      jobId: checked.jobId,
      delay: checked.delayMs,
      attempts: UNBOUNDED_ATTEMPTS,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: true,
      removeOnFail: false,
      stackTraceLimit: 100,
    };
    try {
      const job = await this.queue.add(JOB_NAME, checked.invocation, jobOptions);
      return { id: job.id ?? checked.jobId };
    } catch (error) {
      throw new QueueUnavailableError(
        `Redis at ${describeConnection(this.options.connection)} did not store the job: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  process(handler: JobHandler, options: ProcessOptions): JobConsumer {
    if (this.closed) throw new QueueUnavailableError("the queue is closed");
    const consumer = new BullMqConsumer(this.options, handler, options, this.report, () =>
      this.consumers.delete(consumer),
    );
    this.consumers.add(consumer);
    return consumer;
  }

  async counts(): Promise<QueueCounts> {
    const counts = await this.queue.getJobCounts("wait", "prioritized", "delayed", "active", "failed");
    return {
      ready: (counts.wait ?? 0) + (counts.prioritized ?? 0),
      delayed: counts.delayed ?? 0,
      running: counts.active ?? 0,
      dead: counts.failed ?? 0,
    };
  }

  async close(options?: CloseOptions): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.close(options)));
    await this.queue.close().catch(() => {});
    this.producer.disconnect();
  }

  private backendTrouble(error: Error): void {
    this.report({ code: "LKN_WRN_QUEUE_BACKEND", message: `Redis: ${error.message}` });
  }
}

/** One `process()`: a BullMQ Worker with its own connection, running the handler and applying its outcome. */
class BullMqConsumer implements JobConsumer {
  private readonly worker: TolerantWorker;
  private readonly connection: Redis;
  private readonly handler: JobHandler;
  private readonly report: QueueReporter;
  private readonly onClosed: () => void;
  private closing: Promise<void> | undefined;
  private lastTrouble = "";

  constructor(
    options: BullMqJobQueueOptions,
    handler: JobHandler,
    process: ProcessOptions,
    report: QueueReporter,
    onClosed: () => void,
  ) {
    if (!Number.isSafeInteger(process.concurrency) || process.concurrency < 1) {
      throw new InvalidJobError(`concurrency must be a whole number ≥ 1, not ${process.concurrency}`);
    }
    this.handler = handler;
    this.report = report;
    this.onClosed = onClosed;
    this.connection = redisClient(options.connection, { maxRetriesPerRequest: null });
    this.connection.on("error", (error) => this.trouble(error));
    const lockDuration = options.lockDurationMs ?? 30_000;
    this.worker = new TolerantWorker(options.name ?? DEFAULT_NAME, (job, token) => this.run(job, token), {
      connection: this.connection,
      prefix: options.prefix ?? DEFAULT_PREFIX,
      concurrency: process.concurrency,
      lockDuration,
      stalledInterval: options.stalledIntervalMs ?? lockDuration,
      maxStalledCount: options.maxStalls ?? 5,
      settings: {
        // The retry delay is the one the handler's outcome asked for (RetrySignal.delayMs).
        backoffStrategy: (_attemptsMade, _type, error) => (error instanceof RetrySignal ? error.delayMs : 0),
      },
    });
    this.worker.on("error", (error) => this.trouble(error));
    this.worker.on("ready", () => {
      this.lastTrouble = "";
    });
  }

  private async run(job: Job, token: string | undefined): Promise<void> {
    const id = job.id ?? "";
    const stored = unreadableText(job.data);
    const parsed =
      stored === undefined
        ? parseQueuedInvocation(job.data)
        : { ok: false as const, reason: "its data is not JSON" };
    if (!parsed.ok) {
      const reason = `job ${id} cannot be read: ${parsed.reason}`;
      this.report({
        code: "LKN_ERR_QUEUE_JOB_MALFORMED",
        message: `${reason}; it is dead-lettered`,
        jobId: id,
      });
      throw new DeadLetterSignal("MalformedJob", reason);
    }
    const invocation = parsed.value;
    const attempt = job.attemptsMade + 1;
    const claimed: ClaimedJob = {
      id,
      invocation,
      attempt,
      deliveries: Math.max(job.attemptsStarted, 1),
      errors: readHistory(job.stacktrace).errors,
    };
    let result: JobOutcome;
    try {
      const returned: unknown = await this.handler(claimed);
      if (!isOutcome(returned)) throw new Error(`it returned ${JSON.stringify(returned)}, not an outcome`);
      result = returned;
    } catch (error) {
      result = outcomeOfHandlerFailure(error);
      this.report({
        code: "LKN_WRN_QUEUE_HANDLER_FAILED",
        message: `job ${id}: ${result.kind === "postpone" ? result.reason : ""}`,
        jobId: id,
      });
    }
    switch (result.kind) {
      case "done":
        return;
      case "retry":
        throw new RetrySignal(safeDelay(result.delayMs), attemptError(result.error, attempt, invocation));
      case "postpone":
        // BullMQ's manual delay: back to `delayed` without counting an attempt (skipAttempt).
        await job.moveToDelayed(Date.now() + safeDelay(result.delayMs), token);
        throw new DelayedError();
      case "dead-letter":
        throw new DeadLetterSignal(
          result.condition,
          result.reason,
          result.error === undefined ? undefined : attemptError(result.error, attempt, invocation),
        );
    }
  }

  /** Connection trouble comes in bursts while Redis is down: report each new message once. */
  private trouble(error: Error): void {
    if (error.message === this.lastTrouble) return;
    this.lastTrouble = error.message;
    this.report({ code: "LKN_WRN_QUEUE_BACKEND", message: `Redis (consumer): ${error.message}` });
  }

  close(options?: CloseOptions): Promise<void> {
    this.closing ??= (async () => {
      // Worker.close() stops fetching and waits for the running jobs; past the bound, force: the jobs'
      // locks then expire and other consumers run them again.
      const graceful = this.worker.close();
      const finished = await settlesWithin(graceful, options?.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS);
      if (!finished) await this.worker.close(true).catch(() => {});
      this.connection.disconnect();
      this.onClosed();
    })();
    return this.closing;
  }
}

/** The `failed` set of the queue, read as dead letters. */
class BullMqDeadLetters implements DeadLetterStore {
  constructor(
    private readonly queue: TolerantQueue,
    private readonly enqueue: (
      invocation: QueuedInvocation,
      options?: EnqueueOptions,
    ) => Promise<EnqueuedJob>,
  ) {}

  async list(options?: { readonly limit?: number }): Promise<DeadLetter[]> {
    const limit = Math.max(1, options?.limit ?? 1000);
    const jobs = await this.queue.getJobs(["failed"], 0, limit - 1, true);
    return jobs.filter((job): job is Job => job !== undefined).map(toDeadLetter);
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const job = await this.failedJob(id);
    return job === undefined ? undefined : toDeadLetter(job);
  }

  async redrive(id: string): Promise<EnqueuedJob> {
    const job = await this.failedJob(id);
    if (job === undefined) throw new DeadLetterNotFoundError(id);
    const dead = toDeadLetter(job);
    if (dead.invocation === undefined) {
      throw new InvalidJobError(`dead letter ${id} has no readable invocation to redrive (${dead.reason})`);
    }
    // Enqueue first, then remove: a crash between the two leaves both, never neither.
    const redriven = await this.enqueue(redriveInvocation(dead.invocation, id));
    await job.remove();
    return redriven;
  }

  async purge(id?: string): Promise<number> {
    if (id !== undefined) {
      const job = await this.failedJob(id);
      if (job === undefined) throw new DeadLetterNotFoundError(id);
      await job.remove();
      return 1;
    }
    const removed = await this.queue.clean(0, 0, "failed");
    return removed.length;
  }

  private async failedJob(id: string): Promise<Job | undefined> {
    const job = await this.queue.getJob(id);
    if (job === undefined || job === null) return undefined;
    return (await job.isFailed()) ? job : undefined;
  }
}

function toDeadLetter(job: Job): DeadLetter {
  const history = readHistory(job.stacktrace);
  const stored = unreadableText(job.data);
  const parsed = stored === undefined ? parseQueuedInvocation(job.data) : undefined;
  const invocation = parsed?.ok ? parsed.value : undefined;
  const stalled = history.deadLetter === undefined && /stalled/i.test(job.failedReason ?? "");
  return {
    id: job.id ?? "",
    invocation,
    ...(invocation === undefined ? { raw: stored ?? truncateRaw(JSON.stringify(job.data) ?? "") } : {}),
    condition: history.deadLetter?.condition ?? (stalled ? "Stalled" : "Failed"),
    reason: history.deadLetter?.reason ?? job.failedReason ?? "",
    attempts: history.errors.length,
    errors: history.errors,
    enqueuedAt: invocation?.enqueuedAt ?? job.timestamp,
    deadLetteredAt: job.finishedOn ?? Date.now(),
  };
}
