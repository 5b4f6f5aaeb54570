/**
 * The ScheduleRunner port on in-process timers, for one process (`lambkin dev` without Redis): one timer per
 * enabled rule, armed for its next firing time (triggers/schedule/next-firing.ts), re-armed from the moment it
 * fires. Like EventBridge (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html)
 * it never catches up: nothing fires while the process is not running, and a timer that fires late (the
 * process was suspended, its event loop blocked) fires that one tick only if it is less than `staleAfterMs`
 * late, then goes on from the next firing time after now.
 *
 * A rate expression counts from when its rule was first declared to this runner ("A rate expression starts
 * when you create the scheduled event rule",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html); start() again keeps the
 * timer, hence the start, of a rule whose expression did not change. Nothing is kept across processes: a new `lambkin dev`
 * creates the rules anew, as a new deployment does.
 *
 * Timers are unref'd (they never keep the process alive by themselves), and capped at setTimeout's maximum of
 * 2^31-1 ms (about 24.8 days): a far-away cron, e.g. `cron(0 0 1 1 ? 2150)`, waits in steps of that length
 * (Node fires a longer timeout after 1 ms instead, https://nodejs.org/api/timers.html#settimeoutcallback-delay-args).
 */

import { settlesWithin } from "../../../runtime/async/settles-within.js";
import type { ScheduleRule } from "../../../runtime/manifest/schedule-rule.js";
import { ScheduleUnavailableError } from "../interfaces/schedule-errors.js";
import type {
  FiringTimes,
  ScheduleReporter,
  ScheduleRunner,
  ScheduleRunnerOptions,
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

export type EmbeddedScheduleRunnerOptions = ScheduleRunnerOptions;

/** setTimeout's largest delay; a longer one fires at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** One enabled rule's timer. */
interface ArmedRule {
  rule: ScheduleRule;
  readonly key: string;
  readonly startedAt: number;
  next: number;
  timer: NodeJS.Timeout | undefined;
}

export class EmbeddedScheduleRunner implements ScheduleRunner {
  readonly backend = "embedded";
  private readonly firingTimes: FiringTimes;
  private readonly staleAfterMs: number;
  private readonly closeTimeoutMs: number;
  private readonly report: ScheduleReporter;
  private readonly armed = new Map<string, ArmedRule>();
  private readonly running = new Set<Promise<void>>();
  private onTick: TickHandler = async () => {};
  private closed = false;

  constructor(options: EmbeddedScheduleRunnerOptions = {}) {
    this.firingTimes = options.firingTimes ?? scheduleFiringTimes;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.report = options.reporter ?? stderrScheduleReporter;
  }

  async start(rules: readonly ScheduleRule[], onTick: TickHandler): Promise<void> {
    if (this.closed) throw new ScheduleUnavailableError("the schedule runner is closed");
    this.onTick = onTick;
    const declared = firingRules(rules);
    for (const [arn, armed] of this.armed) {
      const rule = declared.get(arn);
      if (rule === undefined || startKey(rule) !== armed.key) this.disarm(arn);
    }
    const now = Date.now();
    for (const [arn, rule] of declared) {
      const armed = this.armed.get(arn);
      if (armed !== undefined) {
        // The same schedule: its timer and its start go on; its ticks carry the rule as declared now.
        armed.rule = rule;
        continue;
      }
      const entry: ArmedRule = { rule, key: startKey(rule), startedAt: now, next: now, timer: undefined };
      this.armed.set(arn, entry);
      this.armFrom(entry, now);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const arn of [...this.armed.keys()]) this.disarm(arn);
    await settlesWithin(Promise.all(this.running), this.closeTimeoutMs);
  }

  /** Arms the rule's timer for its first firing time strictly after `after`; a schedule that ends is dropped. */
  private armFrom(entry: ArmedRule, after: number): void {
    const next = this.firingTimes(entry.rule, new Date(after), new Date(entry.startedAt));
    if (next === undefined) {
      this.armed.delete(entry.rule.arn); // a cron whose years have run out never fires again
      return;
    }
    entry.next = next.getTime();
    this.wait(entry);
  }

  private wait(entry: ArmedRule): void {
    const delay = Math.min(Math.max(entry.next - Date.now(), 0), MAX_TIMEOUT_MS);
    entry.timer = setTimeout(() => this.due(entry), delay);
    entry.timer.unref();
  }

  private due(entry: ArmedRule): void {
    if (this.closed || this.armed.get(entry.rule.arn) !== entry) return; // replaced or removed meanwhile
    const now = Date.now();
    // Woken before the firing time: a step of a far-away wait, or the wall clock behind the timers' clock.
    if (now < entry.next) {
      this.wait(entry);
      return;
    }
    const tick = { rule: entry.rule, firingTime: new Date(entry.next) };
    // The next firing after now, not after this one: the ticks a suspended process missed are not replayed.
    this.armFrom(entry, now);
    const lateMs = now - tick.firingTime.getTime();
    if (lateMs > this.staleAfterMs) {
      this.report(staleTickReport(tick, lateMs, this.staleAfterMs));
      return;
    }
    const running = runTick(tick, this.onTick, this.report);
    this.running.add(running);
    void running.finally(() => this.running.delete(running));
  }

  private disarm(arn: string): void {
    const armed = this.armed.get(arn);
    if (armed?.timer !== undefined) clearTimeout(armed.timer);
    this.armed.delete(arn);
  }
}
