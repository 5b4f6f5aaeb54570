/**
 * The embedded (in-process timers) adapter: the conformance suite, then what only timers have — a far-away
 * cron beyond setTimeout's 2^31-1 ms, a blocked event loop (a late timer), unref'd timers that let a process
 * exit.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  EmbeddedScheduleRunner,
  type ScheduleReport,
  type ScheduleRunner,
} from "../../../triggers/schedule/index.js";
import {
  describeScheduleRunnerConformance,
  minuteIsASecond,
  type RunnerBackend,
  scheduleRule,
  TickLog,
  waitFor,
} from "./schedule-runner.conformance.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");

const backend: RunnerBackend = {
  name: "embedded",
  async scope() {
    const reports: ScheduleReport[] = [];
    const runners: ScheduleRunner[] = [];
    return {
      reports,
      open: (options = {}) => {
        const runner = new EmbeddedScheduleRunner({
          firingTimes: options.firingTimes ?? minuteIsASecond,
          closeTimeoutMs: 2000,
          reporter: (report) => reports.push(report),
          ...(options.staleAfterMs === undefined ? {} : { staleAfterMs: options.staleAfterMs }),
        });
        runners.push(runner);
        return runner;
      },
      async dispose() {
        await Promise.all(runners.map((runner) => runner.close()));
      },
    };
  },
};

describeScheduleRunnerConformance(backend);

describe("embedded schedule runner", () => {
  it("waits for a cron years away without firing (setTimeout's 2^31-1 ms maximum)", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    const runner = new EmbeddedScheduleRunner({ reporter: () => {} }); // the real firing times
    try {
      const log = new TickLog();
      await runner.start([scheduleRule("cron(0 0 1 1 ? 2150)", "far-away")], log.handler());
      await sleep(1500);
      expect(log.ticks).toEqual([]);
      expect(warnings.filter((warning) => warning.name === "TimeoutOverflowWarning")).toEqual([]);
    } finally {
      await runner.close();
      process.off("warning", onWarning);
    }
  });

  it("drops the tick a blocked event loop made late, and goes on from now without replaying", async () => {
    const reports: ScheduleReport[] = [];
    const runner = new EmbeddedScheduleRunner({
      firingTimes: minuteIsASecond,
      staleAfterMs: 1000,
      reporter: (report) => reports.push(report),
    });
    try {
      const rule = scheduleRule("rate(1 minute)", "blocked");
      const log = new TickLog();
      await runner.start([rule], log.handler());
      await waitFor(() => log.ticks.length >= 1, "a first tick");
      // The process does nothing else for 3.5 s, as a suspended one (three ticks pass meanwhile).
      const blockedAt = Date.now();
      while (Date.now() < blockedAt + 3500) {}
      const unblockedAt = Date.now();
      await waitFor(() => log.firings(rule, unblockedAt).length >= 2, "2 ticks after the block");

      const dropped = reports.filter((report) => report.code === "LKN_WRN_SCHEDULE_TICK_DROPPED");
      expect(dropped).toHaveLength(1);
      expect(dropped[0]?.firingTime?.getTime()).toBeGreaterThan(blockedAt);
      // Nothing of the block is replayed: the first tick run after it is the first one due after it.
      const during = log.ticks.filter((tick) => tick.firingMs > blockedAt && tick.firingMs <= unblockedAt);
      expect(during).toEqual([]);
    } finally {
      await runner.close();
    }
  });

  it("does not keep a process alive by its timers", async () => {
    // The built runner in a plain node process that starts a schedule and never closes it: it must exit.
    const script = `
      import { EmbeddedScheduleRunner } from ${JSON.stringify(join(ROOT, "dist", "triggers", "schedule", "index.js"))};
      import { scheduleRules } from ${JSON.stringify(join(ROOT, "dist", "runtime", "manifest", "schedule-events.js"))};
      const [rule] = scheduleRules("rate(1 minute)", ["functions", "f", "events", 0, "schedule"],
        { file: "serverless.yml", stackName: "s-dev", region: "us-east-1", functionKey: "f", functionName: "s-dev-f" }, 1);
      await new EmbeddedScheduleRunner().start([rule], async () => {});
      console.log("started");
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "pipe" });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const code = await exited;
    clearTimeout(timer);
    expect(output).toContain("started");
    expect(code).toBe(0);
  });
});
