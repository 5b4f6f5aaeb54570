/**
 * The ScheduleRunner conformance suite: one contract, run against both adapters (BullMQ job schedulers on a
 * real redis-server, in-process timers) by the test file of each, each test on its own key prefix. AWS's
 * shortest period is a minute, so the runners get a scaled clock through their `firingTimes` test seam: a
 * minute of a rate expression is a second here (rate(2 minutes) fires every 2 s). Everything else is the
 * runners' own: the timers, Redis, BullMQ's job schedulers.
 *
 * Ticks are counted by the firing time each carries (computed, not measured), so the assertions hold on a
 * loaded machine: consecutive firing times exactly one period apart means no tick lost and none twice.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { scheduleRules } from "../../../runtime/manifest/schedule-events.js";
import type { ScheduleRule } from "../../../runtime/manifest/schedule-rule.js";
import {
  type FiringTimes,
  nextFiring,
  type ScheduleReport,
  type ScheduleRunner,
  type TickHandler,
} from "../../../triggers/schedule/index.js";

export interface RunnerOptions {
  /** Default: a minute of the expression is a second (minuteIsASecond). */
  readonly firingTimes?: FiringTimes;
  readonly staleAfterMs?: number;
}

/** One test's store (a key prefix): every runner it opens shares it. */
export interface RunnerScope {
  open(options?: RunnerOptions): ScheduleRunner;
  /** The reports of every runner this scope opened. */
  readonly reports: ScheduleReport[];
  /** Closes what the test left open and removes the store. */
  dispose(): Promise<void>;
}

export interface RunnerBackend {
  readonly name: "bullmq" | "embedded";
  scope(): Promise<RunnerScope>;
}

/** The test clock: rate periods divided by 60, counted from the rule's start as next-firing.ts counts them. */
export const minuteIsASecond: FiringTimes = (rule, after, startedAt) => {
  const { expression } = rule;
  if (expression.kind !== "rate") throw new Error(`the test clock scales rates only, not ${expression.text}`);
  const scaled = { ...expression, periodMs: expression.periodMs / 60 };
  return nextFiring({ expression: scaled }, after, { startedAt });
};

const CONTEXT = {
  file: "/srv/reports/serverless.yml",
  stackName: "reports-dev",
  region: "eu-west-1",
  functionKey: "report",
  functionName: "reports-dev-report",
};

/** A rule as the manifest loader builds it from `- schedule: { rate: …, name: … }`. */
export function scheduleRule(
  rate: string,
  name: string,
  settings: Record<string, unknown> = {},
): ScheduleRule {
  const [rule] = scheduleRules(
    { rate, name, ...settings },
    ["functions", "report", "events", 0, "schedule"],
    CONTEXT,
    1,
  );
  if (rule === undefined) throw new Error("no rule");
  return rule;
}

export interface SeenTick {
  readonly arn: string;
  readonly rule: ScheduleRule;
  readonly firingMs: number;
  readonly handledAt: number;
  /** Which runner handled it. */
  readonly by: number;
}

/** Every tick the handlers it made saw, in the order they saw them. */
export class TickLog {
  readonly ticks: SeenTick[] = [];

  handler(by = 0, before?: (tick: SeenTick) => void): TickHandler {
    return async (tick) => {
      const seen = {
        arn: tick.rule.arn,
        rule: tick.rule,
        firingMs: tick.firingTime.getTime(),
        handledAt: Date.now(),
        by,
      };
      this.ticks.push(seen);
      before?.(seen);
    };
  }

  /** The firing times of a rule's ticks, sorted. */
  firings(rule: ScheduleRule, after = 0): number[] {
    return this.ticks
      .filter((tick) => tick.arn === rule.arn && tick.firingMs > after)
      .map((tick) => tick.firingMs)
      .sort((a, b) => a - b);
  }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Consecutive firing times exactly `periodMs` apart: none missing, none twice. */
export function expectEvenlySpaced(firings: readonly number[], periodMs: number): void {
  const gaps = firings.slice(1).map((firing, index) => firing - (firings[index] as number));
  expect(gaps).toEqual(gaps.map(() => periodMs));
}

export function describeScheduleRunnerConformance(backend: RunnerBackend): void {
  describe(`ScheduleRunner conformance (${backend.name})`, () => {
    let scope: RunnerScope | undefined;
    const newScope = async () => {
      scope = await backend.scope();
      return scope;
    };
    afterEach(async () => {
      await scope?.dispose();
      scope = undefined;
    });

    it("fires at each tick, with the rule and the firing time the schedule computes", async () => {
      const { open } = await newScope();
      const runner = open();
      expect(runner.backend).toBe(backend.name);
      const rule = scheduleRule("rate(1 minute)", "every-minute");
      const log = new TickLog();
      const before = Date.now();
      await runner.start([rule], log.handler());
      const started = Date.now();
      await waitFor(() => log.ticks.length >= 4, "4 ticks");
      await runner.close();

      const firings = log.firings(rule);
      expect(firings.length).toBeGreaterThanOrEqual(4);
      expectEvenlySpaced(firings, 1000);
      // A rate fires one period after it is declared, and then every period.
      expect(firings[0]).toBeGreaterThan(before + 1000 - 1);
      expect(firings[0]).toBeLessThanOrEqual(started + 1000);
      for (const tick of log.ticks) {
        expect(tick.rule).toEqual(rule);
        expect(tick.handledAt).toBeGreaterThanOrEqual(tick.firingMs);
      }
    });

    it("never fires a disabled rule", async () => {
      const { open } = await newScope();
      const runner = open();
      const enabled = scheduleRule("rate(1 minute)", "enabled");
      const disabled = scheduleRule("rate(1 minute)", "disabled", { enabled: false });
      expect(disabled.enabled).toBe(false);
      const log = new TickLog();
      await runner.start([enabled, disabled], log.handler());
      await waitFor(() => log.firings(enabled).length >= 3, "3 ticks of the enabled rule");
      await runner.close();
      expect(log.firings(disabled)).toEqual([]);
    });

    it("replaces the rule set on start() again: a rule gone stops, a changed period takes effect", async () => {
      const { open } = await newScope();
      const runner = open();
      const kept = scheduleRule("rate(1 minute)", "kept");
      const removed = scheduleRule("rate(1 minute)", "removed");
      const log = new TickLog();
      await runner.start([kept, removed], log.handler());
      await waitFor(
        () => log.firings(kept).length >= 2 && log.firings(removed).length >= 2,
        "2 ticks of each rule",
      );
      const slower = scheduleRule("rate(2 minutes)", "kept");
      expect(slower.arn).toBe(kept.arn);
      await runner.start([slower], log.handler());
      const replacedAt = Date.now();
      await waitFor(() => log.firings(kept, replacedAt).length >= 3, "3 ticks at the new period", 30_000);
      await runner.close();

      expect(log.firings(removed, replacedAt)).toEqual([]);
      expectEvenlySpaced(log.firings(kept, replacedAt), 2000);
      const after = log.ticks.filter((tick) => tick.arn === kept.arn && tick.firingMs > replacedAt);
      for (const tick of after) expect(tick.rule.expression.text).toBe("rate(2 minutes)");
    });

    it("keeps a rate's start when start() declares the same rule again: its ticks stay on their grid", async () => {
      const { open } = await newScope();
      const runner = open();
      const rule = scheduleRule("rate(2 minutes)", "grid");
      const log = new TickLog();
      await runner.start([rule], log.handler());
      await waitFor(() => log.firings(rule).length >= 1, "a first tick");
      const first = log.firings(rule)[0] as number;
      // Declare it again off the grid (1.2 s after a tick of a 2 s period): counted anew, it would shift.
      await sleep(Math.max(0, first + 1200 - Date.now()));
      await runner.start([rule], log.handler());
      const again = Date.now();
      await waitFor(() => log.firings(rule, again).length >= 2, "2 ticks after start() again");
      await runner.close();
      for (const firing of log.firings(rule)) expect((firing - first) % 2000).toBe(0);
      expectEvenlySpaced(log.firings(rule), 2000);
    });

    it("reports an onTick that throws, and fires the next tick", async () => {
      const { open, reports } = await newScope();
      const runner = open();
      const rule = scheduleRule("rate(1 minute)", "throws");
      const log = new TickLog();
      await runner.start(
        [rule],
        log.handler(0, (tick) => {
          if (log.ticks.length === 1) throw new Error(`cannot queue the tick of ${tick.firingMs}`);
        }),
      );
      await waitFor(() => log.ticks.length >= 3, "3 ticks, the first of which threw");
      await runner.close();
      const failed = reports.filter((report) => report.code === "LKN_WRN_SCHEDULE_TICK_FAILED");
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({
        ruleArn: rule.arn,
        firingTime: new Date(log.ticks[0]?.firingMs ?? 0),
        message: expect.stringContaining("cannot queue the tick of"),
      });
      expectEvenlySpaced(log.firings(rule), 1000);
    });

    it("stops firing when closed", async () => {
      const { open } = await newScope();
      const runner = open();
      const rule = scheduleRule("rate(1 minute)", "closed");
      const log = new TickLog();
      await runner.start([rule], log.handler());
      await waitFor(() => log.ticks.length >= 2, "2 ticks");
      await runner.close();
      const seen = log.ticks.length;
      await sleep(3000);
      expect(log.ticks.length).toBe(seen);
      await expect(runner.start([rule], log.handler())).rejects.toMatchObject({
        code: "LKN_ERR_SCHEDULE_UNAVAILABLE",
      });
    });
  });
}
