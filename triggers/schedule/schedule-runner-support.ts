/**
 * What both ScheduleRunner adapters share: the default firing times (the schedule's own), the staleness bound,
 * the set of rules that fire, and running one onTick so that a throw is reported instead of escaping.
 *
 * The staleness bound is one minute: EventBridge "doesn't provide second-level precision in schedule
 * expressions. The finest resolution using a cron expression is one minute"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html), so a tick handled
 * within a minute of its time is one EventBridge could have sent; one seen later belongs to a time when nothing
 * could fire it (Redis or every runner down, the process suspended), and EventBridge does not replay those.
 */
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { ScheduleRule } from "../../runtime/manifest/schedule-rule.js";
import type {
  FiringTimes,
  ScheduleReporter,
  ScheduleTick,
  TickHandler,
} from "./interfaces/schedule-runner.js";
import { nextFiring } from "./next-firing.js";

export const DEFAULT_STALE_AFTER_MS = 60_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

export const scheduleFiringTimes: FiringTimes = (rule, after, startedAt) =>
  nextFiring({ expression: rule.expression, timezone: rule.timezone }, after, { startedAt });

export const stderrScheduleReporter: ScheduleReporter = (report) => {
  process.stderr.write(`lambkin ▸ ${coded(report.code, report.message)}\n`);
};

/** The rules that fire, by ARN: the enabled ones (the manifest loader refuses two rules with one name). */
export function firingRules(rules: readonly ScheduleRule[]): Map<string, ScheduleRule> {
  return new Map(rules.filter((rule) => rule.enabled).map((rule) => [rule.arn, rule]));
}

/**
 * What identifies a rule's start: the same rule with the same expression keeps the instant it was first
 * declared (a rate counts from it); a changed expression is a new schedule, counted from when it changed.
 */
export function startKey(rule: ScheduleRule): string {
  return `${rule.arn} ${rule.expression.text} ${rule.timezone}`;
}

export function tickName(tick: ScheduleTick): string {
  return `${tick.rule.arn} at ${tick.firingTime.toISOString()}`;
}

/** Calls onTick; a throw (or a rejection) is reported, never thrown. */
export async function runTick(
  tick: ScheduleTick,
  onTick: TickHandler,
  report: ScheduleReporter,
): Promise<void> {
  try {
    await onTick(tick);
  } catch (error) {
    report({
      code: "LKN_WRN_SCHEDULE_TICK_FAILED",
      message: `the tick of ${tickName(tick)} failed: ${error instanceof Error ? error.message : String(error)}`,
      ruleArn: tick.rule.arn,
      firingTime: tick.firingTime,
    });
  }
}

/** The report of a tick dropped because it was first seen `lateMs` after its firing time. */
export function staleTickReport(tick: ScheduleTick, lateMs: number, staleAfterMs: number) {
  return {
    code: "LKN_WRN_SCHEDULE_TICK_DROPPED" as const,
    message: `the tick of ${tickName(tick)} is dropped: it was seen ${Math.round(lateMs / 1000)} s late (more than ${staleAfterMs / 1000} s); missed ticks are not replayed`,
    ruleArn: tick.rule.arn,
    firingTime: tick.firingTime,
  };
}
