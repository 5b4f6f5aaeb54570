/**
 * The ScheduleRunner port on BullMQ 6 job schedulers (https://docs.bullmq.io/guide/job-schedulers), shared by
 * every process on one Redis and prefix (`lambkin gateway`s and `lambkin worker`s on REDIS_URL): each enabled
 * rule is one job scheduler, id = the rule's ARN, that keeps exactly one delayed job — the next tick, id
 * `repeat:<arn>:<firing time ms>` — and every runner's Worker takes the ticks that are due and calls onTick.
 *
 * Exactly one onTick per tick, however many runners share the Redis:
 * - a due job is moved to active by one atomic script, so one Worker gets it;
 * - only the Worker that took a scheduler's current job adds the next one (BullMQ's updateJobScheduler checks
 *   that the job it is called for is the scheduler's current one, and that the next one does not exist yet);
 * - start() upserts each scheduler atomically, replacing its pending job; every runner computes the same
 *   next firing time (cron: the calendar; rate: the start kept in Redis), hence the same job id.
 * A runner killed in the middle of an onTick loses the tick's lock; BullMQ's stalled-job check hands it to
 * another runner (at least once, then): the caller's onTick keys what it does by rule and firing time.
 *
 * Firing times are ours, not BullMQ's: its pattern parser (cron-parser) has no Year field and not AWS's
 * `L`/`W`/`#` meanings, so the Queue and the Worker both get a custom repeatStrategy
 * (https://docs.bullmq.io/guide/job-schedulers/repeat-strategies) that computes them with next-firing.ts from
 * the scheduler's pattern (the AWS expression as written), `tz` and `startDate`.
 *
 * What EventBridge does that BullMQ alone would not
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html,
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html):
 * - missed ticks are not replayed. After an outage BullMQ still holds the one tick that was pending; a Worker
 *   seeing it more than `staleAfterMs` (60 s) after its firing time drops it (LKN_WRN_SCHEDULE_TICK_DROPPED),
 *   and the next tick is computed from now, so nothing of the outage is caught up;
 * - "A rate expression starts when you create the scheduled event rule"
 *   (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html): the first runner to
 *   declare a rule with its expression records that instant (HSETNX, so concurrent runners agree) in the
 *   queue's `rate-starts` hash, and every later start() keeps it: restarting a gateway does not shift a
 *   `rate(5 minutes)` grid. A changed expression starts anew;
 * - the rules not declared, or disabled, are removed (removeJobScheduler): the set of the last start() is the
 *   set of every runner on this prefix (they all read one serverless.yml).
 *
 * The runners' clocks are taken to agree (NTP): staleness compares a tick's firing time with the local clock.
 *
 * Connections: start() fails fast (LKN_ERR_SCHEDULE_UNAVAILABLE) when Redis is not reachable; the Worker has
 * its own client with maxRetriesPerRequest: null, as BullMQ requires, and reconnects by itself
 * (https://docs.bullmq.io/guide/going-to-production#maxretriesperrequest).
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Job, RepeatStrategy } from "bullmq";
import type { Redis, RedisOptions } from "ioredis";
import { settlesWithin } from "../../../runtime/async/settles-within.js";
import {
  parseScheduleExpression,
  type ScheduleExpression,
} from "../../../runtime/manifest/schedule-expression.js";
import type { ScheduleRule } from "../../../runtime/manifest/schedule-rule.js";
import { describeConnection, redisClient } from "../../queue/bullmq/redis-connection.js";
import { TolerantQueue, TolerantWorker, unreadableText } from "../../queue/bullmq/tolerant-job.js";
import { ScheduleUnavailableError } from "../interfaces/schedule-errors.js";
import type {
  FiringTimes,
  ScheduleReporter,
  ScheduleRunner,
  ScheduleRunnerOptions,
  ScheduleTick,
  TickHandler,
} from "../interfaces/schedule-runner.js";
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_STALE_AFTER_MS,
  firingRules,
  runTick,
  scheduleFiringTimes,
  staleTickReport,
  startKey,
  stderrScheduleReporter,
} from "../schedule-runner-support.js";

export interface BullMqScheduleRunnerOptions extends ScheduleRunnerOptions {
  /** `redis://…` URL (REDIS_URL) or ioredis options (host, port, password, db …). */
  readonly connection: string | RedisOptions;
  /** Key prefix: every key of the runner starts with it. Default `lambkin`. */
  readonly prefix?: string;
  /** Queue name. Default `schedules`. */
  readonly queueName?: string;
  /** Ticks this runner handles at once. Default 8. */
  readonly concurrency?: number;
  /** How long start() waits for Redis (ms) before rejecting. Default 5000. */
  readonly startTimeoutMs?: number;
}

const DEFAULT_PREFIX = "lambkin";
const DEFAULT_QUEUE_NAME = "schedules";
/** The hash of rate starts, `<prefix>:<queue>:rate-starts`: field startKey(rule), value ms since the epoch. */
const STARTS_KEY = "rate-starts";

export class BullMqScheduleRunner implements ScheduleRunner {
  readonly backend = "bullmq";
  private readonly options: BullMqScheduleRunnerOptions;
  private readonly firingTimes: FiringTimes;
  private readonly staleAfterMs: number;
  private readonly report: ScheduleReporter;
  private readonly prefix: string;
  private readonly queueName: string;
  private readonly client: Redis;
  private readonly queue: TolerantQueue;
  private worker: TolerantWorker | undefined;
  private workerClient: Redis | undefined;
  /** The rules of the last start(), by ARN. */
  private rules = new Map<string, ScheduleRule>();
  private onTick: TickHandler = async () => {};
  /** start() calls run one after the other. */
  private declaring: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private lastTrouble = "";

  constructor(options: BullMqScheduleRunnerOptions) {
    this.options = options;
    this.firingTimes = options.firingTimes ?? scheduleFiringTimes;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.report = options.reporter ?? stderrScheduleReporter;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.queueName = options.queueName ?? DEFAULT_QUEUE_NAME;
    const timeoutMs = options.startTimeoutMs ?? 5000;
    // Used by start() only: fail fast, so that a start() while Redis is down rejects instead of hanging.
    this.client = redisClient(options.connection, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: timeoutMs,
      connectTimeout: timeoutMs,
    });
    this.client.on("error", () => {}); // reported through start()'s rejections; ioredis reconnects
    this.queue = new TolerantQueue(this.queueName, {
      connection: this.client,
      prefix: this.prefix,
      settings: { repeatStrategy: this.repeatStrategy },
    });
    this.queue.on("error", () => {}); // idem
  }

  start(rules: readonly ScheduleRule[], onTick: TickHandler): Promise<void> {
    const declared = this.declaring.then(() => this.declare(rules, onTick));
    this.declaring = declared.catch(() => {});
    return declared;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.declaring;
      const worker = this.worker;
      if (worker !== undefined) {
        // Worker.close() stops taking ticks and waits for the running onTick calls; past the bound, force:
        // their locks expire and another runner runs them (onTick is keyed by rule and firing time).
        const finished = await settlesWithin(
          worker.close(),
          this.options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS,
        );
        if (!finished) await worker.close(true).catch(() => {});
      }
      await this.queue.close().catch(() => {});
      this.workerClient?.disconnect();
      this.client.disconnect();
    })();
    return this.closing;
  }

  private async declare(rules: readonly ScheduleRule[], onTick: TickHandler): Promise<void> {
    if (this.closing !== undefined) throw new ScheduleUnavailableError("the schedule runner is closed");
    const declared = firingRules(rules);
    await this.connected();
    // The Worker reads these: a tick of a rule this runner declares carries the rule as declared here.
    this.rules = declared;
    this.onTick = onTick;
    try {
      const starts = await this.recordStarts(declared);
      for (const scheduler of await this.queue.getJobSchedulers(0, -1)) {
        if (!declared.has(scheduler.key)) await this.queue.removeJobScheduler(scheduler.key);
      }
      for (const rule of declared.values()) await this.upsert(rule, starts.get(rule.arn) ?? Date.now());
    } catch (error) {
      throw new ScheduleUnavailableError(
        `the rules could not be declared in Redis at ${describeConnection(this.options.connection)}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    // After the upserts: a tick left pending from before this start() has been replaced by then.
    this.worker ??= this.startWorker();
  }

  private async connected(): Promise<void> {
    const timeoutMs = this.options.startTimeoutMs ?? 5000;
    const until = Date.now() + timeoutMs;
    while (this.client.status !== "ready" && Date.now() < until && this.closing === undefined) {
      await sleep(20);
    }
    if (this.client.status !== "ready") {
      throw new ScheduleUnavailableError(
        `Redis at ${describeConnection(this.options.connection)} is not reachable (${this.client.status} after ${timeoutMs} ms)`,
      );
    }
  }

  /**
   * The start of each declared rule: the instant the first runner declared it with this expression. Fields of
   * rules no longer declared (or whose expression changed) are removed, so a rule declared again starts anew.
   */
  private async recordStarts(declared: Map<string, ScheduleRule>): Promise<Map<string, number>> {
    const key = `${this.prefix}:${this.queueName}:${STARTS_KEY}`;
    const keep = new Map([...declared.values()].map((rule) => [startKey(rule), rule.arn]));
    const stale = (await this.client.hkeys(key)).filter((field) => !keep.has(field));
    if (stale.length > 0) await this.client.hdel(key, ...stale);
    const starts = new Map<string, number>();
    if (keep.size === 0) return starts;
    const now = String(Date.now());
    const batch = this.client.multi();
    for (const field of keep.keys()) batch.hsetnx(key, field, now);
    batch.hmget(key, ...keep.keys());
    const results = (await batch.exec()) ?? [];
    const [error, values] = results[results.length - 1] ?? [new Error("no reply"), null];
    if (error) throw error;
    const fields = [...keep.entries()];
    for (const [index, value] of (values as (string | null)[]).entries()) {
      const arn = fields[index]?.[1];
      const startedAt = Number(value);
      if (arn !== undefined && value !== null && Number.isSafeInteger(startedAt)) starts.set(arn, startedAt);
    }
    return starts;
  }

  private async upsert(rule: ScheduleRule, startedAt: number): Promise<void> {
    if (this.firingTimes(rule, new Date(), new Date(startedAt)) === undefined) {
      // A cron whose years have run out: BullMQ would keep an older scheduler of the same id; remove it.
      await this.queue.removeJobScheduler(rule.arn);
      return;
    }
    await this.queue.upsertJobScheduler(
      rule.arn,
      { pattern: rule.expression.text, tz: rule.timezone, startDate: startedAt },
      { name: rule.arn, data: rule, opts: { removeOnComplete: true, removeOnFail: true } },
    );
  }

  private startWorker(): TolerantWorker {
    this.workerClient = redisClient(this.options.connection, { maxRetriesPerRequest: null });
    this.workerClient.on("error", (error) => this.trouble(error));
    const worker = new TolerantWorker(this.queueName, (job) => this.handle(job), {
      connection: this.workerClient,
      prefix: this.prefix,
      concurrency: this.options.concurrency ?? 8,
      settings: { repeatStrategy: this.repeatStrategy },
    });
    worker.on("error", (error) => this.trouble(error));
    worker.on("ready", () => {
      this.lastTrouble = "";
    });
    return worker;
  }

  /**
   * BullMQ asks for the next firing time strictly after `millis` (when a runner upserts a scheduler, and when a
   * Worker takes a tick: then `millis` is the later of that tick's firing time and now, so an outage is skipped,
   * not caught up). It is computed from what the scheduler stores — the expression as written, the time zone,
   * the start — not from this runner's rules, so every runner computes the same times, even one that reads
   * another serverless.yml.
   */
  private readonly repeatStrategy: RepeatStrategy = (millis, options, name) => {
    const expression = storedExpression(options.pattern);
    if (expression === undefined) return undefined; // not an expression of ours: the scheduler stops
    const rule = { arn: name ?? "", expression, timezone: options.tz ?? "UTC" };
    return this.firingTimes(rule, new Date(millis), new Date(Number(options.startDate ?? millis)))?.getTime();
  };

  private async handle(job: Job): Promise<void> {
    const firingMs = firingTimeOf(job);
    const declared = this.rules.get(job.name);
    const rule = declared ?? storedRule(job.data);
    if (firingMs === undefined || rule === undefined) {
      this.report({
        code: "LKN_WRN_SCHEDULE_TICK_DROPPED",
        message: `the tick job ${job.id ?? "?"} is dropped: it does not name a rule and a firing time that can be read`,
      });
      return;
    }
    // A rule another runner declared: fire it only while its scheduler exists (a tick already due when the
    // rule was removed is not fired).
    if (declared === undefined && (await this.queue.getJobScheduler(job.name)) === undefined) return;
    const tick: ScheduleTick = { rule, firingTime: new Date(firingMs) };
    const lateMs = Date.now() - firingMs;
    // Only when first taken: a tick whose runner died in the middle of it is handed out again, late or not.
    if (job.attemptsStarted <= 1 && lateMs > this.staleAfterMs) {
      this.report(staleTickReport(tick, lateMs, this.staleAfterMs));
      return;
    }
    await runTick(tick, this.onTick, this.report);
  }

  /** Connection trouble comes in bursts while Redis is down: report each new message once. */
  private trouble(error: Error): void {
    if (error.message === this.lastTrouble) return;
    this.lastTrouble = error.message;
    this.report({ code: "LKN_WRN_SCHEDULE_BACKEND", message: `Redis (schedules): ${error.message}` });
  }
}

const parsedExpressions = new Map<string, ScheduleExpression>();

/** A scheduler's stored pattern (the AWS expression as written), parsed once; undefined if it is not one. */
function storedExpression(pattern: string | undefined): ScheduleExpression | undefined {
  if (pattern === undefined) return undefined;
  let expression = parsedExpressions.get(pattern);
  if (expression === undefined) {
    try {
      expression = parseScheduleExpression(pattern);
    } catch {
      return undefined;
    }
    if (parsedExpressions.size >= 1000) parsedExpressions.clear();
    parsedExpressions.set(pattern, expression);
  }
  return expression;
}

/** A tick job's firing time: its id is `repeat:<scheduler id>:<firing time ms>`. */
function firingTimeOf(job: Job): number | undefined {
  const millis = Number(/:(\d+)$/.exec(job.id ?? "")?.[1]);
  return Number.isSafeInteger(millis) && millis > 0 ? millis : undefined;
}

/** The rule a scheduler stores as its template data, if it is one. */
function storedRule(data: unknown): ScheduleRule | undefined {
  if (unreadableText(data) !== undefined || typeof data !== "object" || data === null) return undefined;
  const rule = data as Partial<ScheduleRule>;
  const fields = [rule.arn, rule.name, rule.functionName, rule.region, rule.account, rule.timezone];
  if (!fields.every((field) => typeof field === "string")) return undefined;
  if (typeof rule.expression?.text !== "string" || typeof rule.target?.kind !== "string") return undefined;
  try {
    // The stored expression is parsed again: a consumer never trusts a structure it did not build.
    return { ...(rule as ScheduleRule), expression: parseScheduleExpression(rule.expression.text) };
  } catch {
    return undefined;
  }
}
