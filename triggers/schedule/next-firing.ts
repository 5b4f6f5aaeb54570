/**
 * When a schedule fires next: the firing times strictly after a given instant, computed in UTC (or a Scheduler
 * schedule's `timezone`). Cron expressions, parsed by the manifest loader (runtime/manifest/schedule-expression.ts),
 * are handed to croner as an equivalent seven-field pattern — croner does the calendar (month lengths, leap years,
 * `L`, `LW`, `15W`, `6L`, `3#2`, 1 = Sunday numbering); rate expressions are a fixed period from the moment the rule
 * was created, as on EventBridge ("A rate expression starts when you create the scheduled event rule",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html).
 */
import { Cron } from "croner";
import type {
  CronSchedule,
  DayOfMonthRule,
  DayOfWeekRule,
  ScheduleExpression,
} from "../../runtime/manifest/schedule-expression.js";

export interface Schedule {
  readonly expression: ScheduleExpression;
  /** IANA zone cron fields are read in; UTC unless given. */
  readonly timezone?: string;
}

export interface FiringOptions {
  /** When the rule was created: a rate fires at startedAt + n × period (n ≥ 1). Defaults to `after`. */
  readonly startedAt?: Date;
}

/** The next `count` firing times strictly after `after` (fewer when a cron's years run out). */
export function nextFirings(
  schedule: Schedule,
  after: Date,
  count: number,
  options: FiringOptions = {},
): Date[] {
  const { expression } = schedule;
  if (expression.kind === "rate") {
    const start = (options.startedAt ?? after).getTime();
    const elapsed = after.getTime() - start;
    const first = elapsed < 0 ? 1 : Math.floor(elapsed / expression.periodMs) + 1;
    return Array.from({ length: count }, (_, n) => new Date(start + (first + n) * expression.periodMs));
  }
  return cronJob(expression, schedule.timezone ?? "UTC").nextRuns(count, after);
}

/** The next firing time strictly after `after`, or undefined when the schedule never fires again. */
export function nextFiring(schedule: Schedule, after: Date, options: FiringOptions = {}): Date | undefined {
  return nextFirings(schedule, after, 1, options)[0];
}

const jobs = new WeakMap<CronSchedule, Map<string, Cron>>();

function cronJob(cron: CronSchedule, timezone: string): Cron {
  const byZone = jobs.get(cron) ?? new Map<string, Cron>();
  jobs.set(cron, byZone);
  let job = byZone.get(timezone);
  if (!job) {
    // paused: croner only computes here, it never runs anything. domAndDow: AWS combines the two day fields
    // (one of them ?, which matches every day); alternativeWeekdays: 1 = Sunday … 7 = Saturday, as AWS counts.
    job = new Cron(cronerPattern(cron), {
      paused: true,
      timezone,
      mode: "7-part",
      alternativeWeekdays: true,
      domAndDow: true,
    });
    byZone.set(timezone, job);
  }
  return job;
}

/** `second minute hour day-of-month month day-of-week year`, croner's Quartz-style pattern, from the parsed AWS fields. */
export function cronerPattern(cron: CronSchedule): string {
  return [
    "0",
    ranges(cron.minutes),
    ranges(cron.hours),
    dayOfMonth(cron.dayOfMonth),
    ranges(cron.months),
    dayOfWeek(cron.dayOfWeek),
    ranges(cron.years),
  ].join(" ");
}

function dayOfMonth(rule: DayOfMonthRule): string {
  switch (rule.kind) {
    case "any":
      return "?";
    case "days":
      return ranges(rule.days);
    case "last":
      return "L";
    case "lastWeekday":
      return "LW";
    case "nearestWeekday":
      return `${rule.day}W`;
  }
}

function dayOfWeek(rule: DayOfWeekRule): string {
  switch (rule.kind) {
    case "any":
      return "?";
    case "days":
      return ranges(rule.days);
    case "last":
      return `${rule.day}#L`;
    case "nth":
      return `${rule.day}#${rule.nth}`;
  }
}

/** Sorted values as `a-b` runs: `[0, 1, 2, 5]` → `0-2,5`. */
function ranges(values: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && (values[j + 1] as number) === (values[j] as number) + 1) j++;
    runs.push(j === i ? String(values[i]) : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return runs.join(",");
}
