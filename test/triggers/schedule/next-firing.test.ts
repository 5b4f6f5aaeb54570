/**
 * Next firing times of AWS schedules, in UTC: EventBridge's documented examples give the times they describe, and
 * croner (which computes them) agrees with a direct, day-by-day reading of the AWS rules written here for the test,
 * across month lengths, leap years, L / LW / W / nL / #, and the year bounds 1970-2199.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  type CronSchedule,
  parseScheduleExpression,
  type ScheduleExpression,
} from "../../../runtime/manifest/schedule-expression.js";
import { nextFiring, nextFirings } from "../../../triggers/schedule/next-firing.js";

const cron = (text: string): CronSchedule => {
  const parsed = parseScheduleExpression(text);
  if (parsed.kind !== "cron") throw new Error(`${text} is not a cron`);
  return parsed;
};
const at = (iso: string) => new Date(iso);
const iso = (dates: Date[]) => dates.map((date) => date.toISOString().replace(".000Z", "Z"));
const firings = (text: string, after: string, count: number) =>
  iso(nextFirings({ expression: parseScheduleExpression(text) }, at(after), count));

describe("EventBridge's documented cron examples", () => {
  // 2024-02-01 is a Thursday; 2024 is a leap year.
  it.each([
    ["cron(0 10 * * ? *)", "2024-02-01T00:00:00Z", ["2024-02-01T10:00:00Z", "2024-02-02T10:00:00Z"]],
    ["cron(15 12 * * ? *)", "2024-02-01T12:15:00Z", ["2024-02-02T12:15:00Z", "2024-02-03T12:15:00Z"]],
    [
      "cron(0 18 ? * MON-FRI *)",
      "2024-02-01T00:00:00Z",
      ["2024-02-01T18:00:00Z", "2024-02-02T18:00:00Z", "2024-02-05T18:00:00Z"],
    ],
    ["cron(0 8 1 * ? *)", "2024-02-01T08:00:00Z", ["2024-03-01T08:00:00Z", "2024-04-01T08:00:00Z"]],
    [
      "cron(0/15 * * * ? *)",
      "2024-02-01T00:00:00Z",
      ["2024-02-01T00:15:00Z", "2024-02-01T00:30:00Z", "2024-02-01T00:45:00Z", "2024-02-01T01:00:00Z"],
    ],
    [
      "cron(0/10 * ? * MON-FRI *)",
      "2024-02-02T23:45:00Z",
      ["2024-02-02T23:50:00Z", "2024-02-05T00:00:00Z", "2024-02-05T00:10:00Z"],
    ],
    [
      "cron(0/5 8-17 ? * MON-FRI *)",
      "2024-02-02T17:50:00Z",
      ["2024-02-02T17:55:00Z", "2024-02-05T08:00:00Z", "2024-02-05T08:05:00Z"],
    ],
    // The first Monday of each month.
    [
      "cron(0 9 ? * 2#1 *)",
      "2024-02-01T00:00:00Z",
      ["2024-02-05T09:00:00Z", "2024-03-04T09:00:00Z", "2024-04-01T09:00:00Z"],
    ],
    // The last day of each month, 29 February in a leap year.
    [
      "cron(0 0 L * ? *)",
      "2024-02-01T00:00:00Z",
      ["2024-02-29T00:00:00Z", "2024-03-31T00:00:00Z", "2024-04-30T00:00:00Z"],
    ],
    ["cron(0 0 L 2 ? *)", "2024-03-01T00:00:00Z", ["2025-02-28T00:00:00Z", "2026-02-28T00:00:00Z"]],
    // The last Friday of each month (29 February 2024 is a Thursday).
    [
      "cron(0 0 ? * 6L *)",
      "2024-02-01T00:00:00Z",
      ["2024-02-23T00:00:00Z", "2024-03-29T00:00:00Z", "2024-04-26T00:00:00Z"],
    ],
    // The weekday nearest the 15th: 15 June 2024 is a Saturday, 15 September a Sunday.
    [
      "cron(0 0 15W * ? *)",
      "2024-05-16T00:00:00Z",
      ["2024-06-14T00:00:00Z", "2024-07-15T00:00:00Z", "2024-08-15T00:00:00Z", "2024-09-16T00:00:00Z"],
    ],
    // 1 June 2024 is a Saturday: the nearest weekday in the month is Monday the 3rd, not Friday 31 May.
    ["cron(0 0 1W * ? *)", "2024-05-02T00:00:00Z", ["2024-06-03T00:00:00Z", "2024-07-01T00:00:00Z"]],
    // The last weekday: 31 March 2024 is a Sunday.
    ["cron(0 0 LW * ? *)", "2024-03-01T00:00:00Z", ["2024-03-29T00:00:00Z", "2024-04-30T00:00:00Z"]],
    // Day 31 skips the months that have 30 days or fewer.
    [
      "cron(0 0 31 * ? *)",
      "2024-01-31T00:00:00Z",
      ["2024-03-31T00:00:00Z", "2024-05-31T00:00:00Z", "2024-07-31T00:00:00Z", "2024-08-31T00:00:00Z"],
    ],
    ["cron(0 12 29 2 ? *)", "2024-03-01T00:00:00Z", ["2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"]],
    // Day-of-week counts 1 = SUN: 7 is Saturday, 1 is Sunday.
    ["cron(0 0 ? * 7 *)", "2024-02-01T00:00:00Z", ["2024-02-03T00:00:00Z", "2024-02-10T00:00:00Z"]],
    ["cron(0 0 ? * 1 *)", "2024-02-01T00:00:00Z", ["2024-02-04T00:00:00Z", "2024-02-11T00:00:00Z"]],
  ])("%s after %s", (text, after, expected) => {
    expect(firings(text, after, expected.length)).toEqual(expected);
  });

  it("fires strictly after the instant given", () => {
    expect(firings("cron(0 10 * * ? *)", "2024-02-01T10:00:00Z", 1)).toEqual(["2024-02-02T10:00:00Z"]);
    expect(firings("cron(0 10 * * ? *)", "2024-02-01T09:59:59.999Z", 1)).toEqual(["2024-02-01T10:00:00Z"]);
  });
});

describe("year bounds", () => {
  it("fires in 2199 and never after", () => {
    expect(firings("cron(59 23 31 12 ? *)", "2199-01-01T00:00:00Z", 2)).toEqual(["2199-12-31T23:59:00Z"]);
    expect(nextFiring({ expression: cron("cron(0 0 * * ? *)") }, at("2199-12-31T00:00:00Z"))).toBeUndefined();
  });

  it("never fires again once its years are past", () => {
    expect(
      nextFiring({ expression: cron("cron(0 0 * * ? 1970-2020)") }, at("2024-01-01T00:00:00Z")),
    ).toBeUndefined();
    expect(firings("cron(0 0 1 1 ? 2030,2035)", "2024-01-01T00:00:00Z", 3)).toEqual([
      "2030-01-01T00:00:00Z",
      "2035-01-01T00:00:00Z",
    ]);
  });

  it("starts in 1970", () => {
    expect(firings("cron(0 0 1 1 ? *)", "1960-01-01T00:00:00Z", 1)).toEqual(["1970-01-01T00:00:00Z"]);
  });
});

describe("UTC, whatever the host's time zone", () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it("fires at 02:30 UTC on the days the host's clocks change", () => {
    for (const tz of ["America/New_York", "Europe/Berlin"]) {
      process.env.TZ = tz;
      // 10 March 2024 (US) and 31 March / 27 October 2024 (EU): no hour is skipped or repeated in UTC.
      expect(firings("cron(30 2 * * ? *)", "2024-03-09T12:00:00Z", 2)).toEqual([
        "2024-03-10T02:30:00Z",
        "2024-03-11T02:30:00Z",
      ]);
      expect(firings("cron(30 2 * * ? *)", "2024-03-30T12:00:00Z", 2)).toEqual([
        "2024-03-31T02:30:00Z",
        "2024-04-01T02:30:00Z",
      ]);
      expect(firings("cron(0/30 1-2 * * ? *)", "2024-10-27T00:59:00Z", 5)).toEqual([
        "2024-10-27T01:00:00Z",
        "2024-10-27T01:30:00Z",
        "2024-10-27T02:00:00Z",
        "2024-10-27T02:30:00Z",
        "2024-10-28T01:00:00Z",
      ]);
    }
  });

  it("reads a Scheduler schedule's cron in its own time zone", () => {
    const schedule = { expression: cron("cron(0 9 * * ? *)"), timezone: "Europe/Berlin" };
    expect(iso(nextFirings(schedule, at("2024-03-30T12:00:00Z"), 2))).toEqual([
      "2024-03-31T07:00:00Z",
      "2024-04-01T07:00:00Z",
    ]);
    expect(iso(nextFirings(schedule, at("2024-01-10T12:00:00Z"), 1))).toEqual(["2024-01-11T08:00:00Z"]);
  });
});

describe("rate expressions", () => {
  const rate = (text: string): ScheduleExpression => parseScheduleExpression(text);

  it("fire one period after the rule starts, then every period", () => {
    const started = at("2024-02-01T10:03:00Z");
    const five = { expression: rate("rate(5 minutes)") };
    expect(iso(nextFirings(five, started, 3))).toEqual([
      "2024-02-01T10:08:00Z",
      "2024-02-01T10:13:00Z",
      "2024-02-01T10:18:00Z",
    ]);
    expect(iso(nextFirings(five, at("2024-02-01T10:13:00Z"), 2, { startedAt: started }))).toEqual([
      "2024-02-01T10:18:00Z",
      "2024-02-01T10:23:00Z",
    ]);
    expect(iso(nextFirings(five, at("2024-02-01T10:14:30Z"), 1, { startedAt: started }))).toEqual([
      "2024-02-01T10:18:00Z",
    ]);
    expect(iso(nextFirings({ expression: rate("rate(1 day)") }, at("2024-02-28T06:00:00Z"), 2))).toEqual([
      "2024-02-29T06:00:00Z",
      "2024-03-01T06:00:00Z",
    ]);
    expect(
      iso(
        nextFirings({ expression: rate("rate(2 hours)") }, at("2024-01-01T00:00:00Z"), 1, {
          startedAt: at("2024-01-01T05:00:00Z"),
        }),
      ),
    ).toEqual(["2024-01-01T07:00:00Z"]);
  });
});

/** Whether a UTC day matches the expression's day fields, read straight from the AWS documentation. */
function dayMatches(schedule: CronSchedule, year: number, month: number, day: number): boolean {
  if (!schedule.years.includes(year) || !schedule.months.includes(month)) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const weekday = (d: number) => new Date(Date.UTC(year, month - 1, d)).getUTCDay() + 1; // 1 = SUN
  const isWeekday = (d: number) => weekday(d) >= 2 && weekday(d) <= 6;
  const dom = schedule.dayOfMonth;
  let domOk: boolean;
  switch (dom.kind) {
    case "any":
      domOk = true;
      break;
    case "days":
      domOk = dom.days.includes(day);
      break;
    case "last":
      domOk = day === daysInMonth;
      break;
    case "lastWeekday": {
      let last = daysInMonth;
      while (!isWeekday(last)) last--;
      domOk = day === last;
      break;
    }
    case "nearestWeekday": {
      if (dom.day > daysInMonth) {
        domOk = false;
        break;
      }
      let target = dom.day;
      if (weekday(target) === 7) target = target === 1 ? 3 : target - 1;
      else if (weekday(target) === 1) target = target === daysInMonth ? target - 2 : target + 1;
      domOk = day === target;
      break;
    }
  }
  const dow = schedule.dayOfWeek;
  let dowOk: boolean;
  switch (dow.kind) {
    case "any":
      dowOk = true;
      break;
    case "days":
      dowOk = dow.days.includes(weekday(day));
      break;
    case "last":
      dowOk = weekday(day) === dow.day && day + 7 > daysInMonth;
      break;
    case "nth":
      dowOk = weekday(day) === dow.day && Math.ceil(day / 7) === dow.nth;
      break;
  }
  return domOk && dowOk;
}

function oracleFirings(schedule: CronSchedule, after: Date, count: number): Date[] {
  const found: Date[] = [];
  const day = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate()));
  for (let n = 0; n < 366 * 12 && found.length < count; n++, day.setUTCDate(day.getUTCDate() + 1)) {
    const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    if (!dayMatches(schedule, y, m, d)) continue;
    for (const hour of schedule.hours) {
      for (const minute of schedule.minutes) {
        const time = new Date(Date.UTC(y, m - 1, d, hour, minute));
        if (time > after && found.length < count) found.push(time);
      }
    }
  }
  return found;
}

describe("croner against the AWS rules, read day by day", () => {
  const expressions = [
    "cron(0 0 L * ? *)",
    "cron(0 0 LW * ? *)",
    "cron(30 6 1W * ? *)",
    "cron(0 0 15W * ? *)",
    "cron(0 0 30W * ? *)",
    "cron(0 12 ? * 1L *)",
    "cron(0 12 ? * 6L *)",
    "cron(0 12 ? * 2#1 *)",
    "cron(0 12 ? * 3#2 *)",
    "cron(0 12 ? * 6#5 *)",
    "cron(0 12 ? * 7#4 *)",
    "cron(0 0 29 2 ? *)",
    "cron(0 0 31 * ? *)",
    "cron(0/20 9-10 ? * MON-FRI *)",
    "cron(5 4 ? * FRI-MON *)",
    "cron(0 22-2 1,15 * ? *)",
    "cron(0 0 ? FEB,AUG SUN 2025-2100)",
    "cron(0 0 1-7 * ? *)",
    "cron(0 0 ? * L *)",
    "cron(0 0 ? * 1/2 *)",
    "cron(7 3 10-20/3 */2 ? *)",
  ];
  const starts = [
    "2023-12-31T23:59:00Z",
    "2024-02-28T12:00:00Z",
    "2025-06-30T23:59:59Z",
    "2099-11-15T00:00:00Z",
  ];

  it.each(expressions)("%s", (text) => {
    const schedule = cron(text);
    for (const start of starts) {
      const expected = iso(oracleFirings(schedule, at(start), 40));
      expect(expected.length, `${text} after ${start}`).toBeGreaterThan(0);
      expect(
        iso(nextFirings({ expression: schedule }, at(start), expected.length)),
        `${text} after ${start}`,
      ).toEqual(expected);
    }
  });
});
