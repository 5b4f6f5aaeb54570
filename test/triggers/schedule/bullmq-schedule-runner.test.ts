/**
 * The BullMQ adapter against a real redis-server (one per file, append-only file on, so a stop and a start
 * keep the schedulers), each test under its own key prefix: the conformance suite, then what only a shared
 * Redis has — several runners (as several gateway processes) on one schedule, every runner down for a while,
 * a restart, Redis itself stopped and started again.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import {
  BullMqScheduleRunner,
  type ScheduleReport,
  type ScheduleRunner,
  scheduleFiringTimes,
} from "../../../triggers/schedule/index.js";
import {
  describeScheduleRunnerConformance,
  expectEvenlySpaced,
  minuteIsASecond,
  type RunnerBackend,
  type RunnerOptions,
  type RunnerScope,
  scheduleRule,
  TickLog,
  waitFor,
} from "./schedule-runner.conformance.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true });
});
afterAll(async () => {
  await redis?.dispose();
});

function redisScope(): RunnerScope & { readonly prefix: string } {
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  const reports: ScheduleReport[] = [];
  const runners: ScheduleRunner[] = [];
  return {
    prefix,
    reports,
    open: (options: RunnerOptions = {}) => {
      const runner = new BullMqScheduleRunner({
        connection: redis.url,
        prefix,
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
      if (!redis.running) await redis.start();
      const client = new Redis(redis.url);
      const keys = await client.keys(`${prefix}:*`);
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
    },
  };
}

const backend: RunnerBackend = { name: "bullmq", scope: async () => redisScope() };

describeScheduleRunnerConformance(backend);

describe("BullMQ schedule runner on a shared Redis", () => {
  let scope: ReturnType<typeof redisScope> | undefined;
  const newScope = () => {
    scope = redisScope();
    return scope;
  };
  afterEach(async () => {
    await scope?.dispose();
    scope = undefined;
  });

  it("handles each tick exactly once across three runners started together", async () => {
    const { open } = newScope();
    const runners = [open(), open(), open()];
    const rule = scheduleRule("rate(1 minute)", "shared");
    const log = new TickLog();
    await Promise.all(runners.map((runner, index) => runner.start([rule], log.handler(index))));
    await waitFor(() => log.ticks.length >= 8, "8 ticks", 30_000);
    await Promise.all(runners.map((runner) => runner.close()));

    const firings = log.ticks.map((tick) => tick.firingMs);
    expect(new Set(firings).size).toBe(firings.length); // no tick twice
    expectEvenlySpaced(log.firings(rule), 1000); // and none missing
    expect(firings.length).toBeGreaterThanOrEqual(8);
  });

  it("does not replay the ticks missed while every runner was closed", async () => {
    const { open, reports } = newScope();
    const rule = scheduleRule("rate(1 minute)", "missed");
    const log = new TickLog();
    const first = open();
    await first.start([rule], log.handler(0));
    await waitFor(() => log.ticks.length >= 2, "2 ticks");
    await first.close();
    const closedAt = Date.now();
    await sleep(3500); // three or four ticks pass with nothing running
    const reopenedAt = Date.now();
    const second = open();
    await second.start([rule], log.handler(1));
    await waitFor(() => log.firings(rule, reopenedAt).length >= 2, "2 ticks after the restart");
    await second.close();

    const missed = log.ticks.filter((tick) => tick.firingMs > closedAt + 1000 && tick.firingMs <= reopenedAt);
    expect(missed).toEqual([]);
    expect(log.ticks.filter((tick) => tick.by === 1).every((tick) => tick.firingMs > reopenedAt)).toBe(true);
    expect(reports.filter((report) => report.code === "LKN_WRN_SCHEDULE_TICK_FAILED")).toEqual([]);
  });

  it("keeps a rate's start across a restart: the new runner's ticks stay on the first runner's grid", async () => {
    const { open } = newScope();
    const rule = scheduleRule("rate(2 minutes)", "grid-restart");
    const log = new TickLog();
    const first = open();
    await first.start([rule], log.handler(0));
    await waitFor(() => log.ticks.length >= 1, "a first tick");
    const grid = log.ticks[0]?.firingMs as number;
    await first.close();
    // Restart off the grid (1.2 s after a tick of a 2 s period): a start counted anew would shift it.
    await sleep(Math.max(0, grid + 2000 + 1200 - Date.now()));
    const restartedAt = Date.now();
    const second = open();
    await second.start([rule], log.handler(1));
    await waitFor(() => log.firings(rule, restartedAt).length >= 2, "2 ticks after the restart");
    await second.close();
    for (const firing of log.firings(rule)) expect((firing - grid) % 2000).toBe(0);
  });

  it("reconnects by itself when Redis stops, drops the stale tick and replays none of the outage", async () => {
    const { open, reports } = newScope();
    const runner = open({ staleAfterMs: 1500 });
    const rule = scheduleRule("rate(1 minute)", "outage");
    const log = new TickLog();
    await runner.start([rule], log.handler());
    await waitFor(() => log.ticks.length >= 2, "2 ticks");
    await redis.stop();
    const stoppedAt = Date.now();
    await sleep(4000);
    await redis.start();
    const restartedAt = Date.now();
    await waitFor(() => log.firings(rule, restartedAt).length >= 2, "2 ticks after Redis is back", 30_000);

    const dropped = reports.filter((report) => report.code === "LKN_WRN_SCHEDULE_TICK_DROPPED");
    expect(dropped).toHaveLength(1); // the one tick that was pending when Redis stopped
    expect(dropped[0]?.firingTime?.getTime()).toBeGreaterThan(stoppedAt - 1000);
    expect(dropped[0]?.firingTime?.getTime()).toBeLessThanOrEqual(stoppedAt + 1000);
    const during = log.ticks.filter((tick) => tick.firingMs > stoppedAt && tick.firingMs <= restartedAt);
    expect(during).toEqual([]);
    expect(reports.map((report) => report.code)).toContain("LKN_WRN_SCHEDULE_BACKEND");
    // Still on the rule's grid after the outage.
    const [grid] = log.firings(rule);
    for (const firing of log.firings(rule)) expect((firing - (grid as number)) % 1000).toBe(0);
  });

  it("drops tick jobs written into Redis by hand that name no rule, and goes on firing", async () => {
    const { open, reports, prefix } = newScope();
    const runner = open();
    const rule = scheduleRule("rate(1 minute)", "hostile");
    const log = new TickLog();
    await runner.start([rule], log.handler());
    await waitFor(() => log.ticks.length >= 1, "a first tick");
    // Straight into the queue's keys, as another program or redis-cli could: a job whose data is not JSON, and
    // one that looks like a tick of a rule nobody declared, then BullMQ's marker that wakes blocked workers.
    const client = new Redis(redis.url);
    const ghost = `repeat:${rule.arn.replace("hostile", "ghost")}:${Date.now()}`;
    for (const [id, data] of [
      ["not-a-tick", "not json {"],
      [ghost, JSON.stringify({ arn: 42 })],
    ] as const) {
      await client.hset(`${prefix}:schedules:${id}`, {
        name: id,
        data,
        opts: "{}",
        timestamp: Date.now(),
        delay: 0,
        priority: 0,
      });
      await client.lpush(`${prefix}:schedules:wait`, id);
    }
    await client.zadd(`${prefix}:schedules:marker`, 0, "0");
    client.disconnect();
    await waitFor(
      () => reports.filter((report) => report.code === "LKN_WRN_SCHEDULE_TICK_DROPPED").length >= 2,
      "both hand-written jobs to be dropped",
    );
    const droppedAt = Date.now();
    await waitFor(() => log.firings(rule, droppedAt).length >= 2, "2 more ticks of the real rule");
    await runner.close();
    expect(log.ticks.every((tick) => tick.arn === rule.arn)).toBe(true);
    expectEvenlySpaced(log.firings(rule), 1000);
  });

  it("schedules with AWS's firing times, not BullMQ's cron parser: the year field, L, a rate from its start", async () => {
    const { open, prefix } = newScope();
    const runner = open({ firingTimes: scheduleFiringTimes }); // the real firing times
    const lastDay = scheduleRule("cron(0 10 L * ? 2099)", "last-day-2099");
    const rate = scheduleRule("rate(5 minutes)", "five-minutes");
    const before = Date.now();
    await runner.start([lastDay, rate], async () => {});
    const after = Date.now();
    const queue = new Queue("schedules", { connection: { url: redis.url }, prefix });
    try {
      expect((await queue.getJobScheduler(lastDay.arn))?.next).toBe(Date.parse("2099-01-31T10:00:00Z"));
      const next = (await queue.getJobScheduler(rate.arn))?.next as number;
      expect(next).toBeGreaterThanOrEqual(before + 300_000);
      expect(next).toBeLessThanOrEqual(after + 300_000);
    } finally {
      await queue.close();
      await runner.close();
    }
  });

  it("rejects start() with LKN_ERR_SCHEDULE_UNAVAILABLE when Redis is not reachable", async () => {
    const runner = new BullMqScheduleRunner({
      connection: "redis://127.0.0.1:1",
      startTimeoutMs: 1000,
      reporter: () => {},
    });
    try {
      await expect(
        runner.start([scheduleRule("rate(1 minute)", "down")], async () => {}),
      ).rejects.toMatchObject({
        code: "LKN_ERR_SCHEDULE_UNAVAILABLE",
      });
    } finally {
      await runner.close();
    }
  });

  it("fires a rule another runner declared with another set, and stops it once removed", async () => {
    const { open } = newScope();
    const ours = scheduleRule("rate(1 minute)", "ours");
    const theirs = scheduleRule("rate(1 minute)", "theirs");
    const log = new TickLog();
    const declaring = open();
    const other = open();
    await other.start([ours], log.handler(1)); // knows only `ours`
    await declaring.start([ours, theirs], log.handler(0));
    await waitFor(() => log.firings(theirs).length >= 4, "4 ticks of theirs");
    await declaring.close(); // its scheduler stays in Redis: the other runner fires it now
    const closedAt = Date.now();
    await waitFor(
      () => log.firings(theirs, closedAt + 500).length >= 2,
      "2 ticks of theirs by the other runner",
    );
    expect(log.ticks.filter((tick) => tick.arn === theirs.arn && tick.firingMs > closedAt + 500)).toEqual(
      expect.arrayContaining([expect.objectContaining({ by: 1, rule: theirs })]),
    );
    await other.start([ours], log.handler(1)); // the set without theirs: removed
    const removedAt = Date.now();
    await sleep(2500);
    await other.close();
    expect(log.firings(theirs, removedAt)).toEqual([]);
    expectEvenlySpaced(log.firings(theirs), 1000);
  });
});
