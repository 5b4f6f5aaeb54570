/**
 * AWS schedule expressions: EventBridge's documented examples parse, and every expression EventBridge refuses is
 * refused with what is wrong and how to write it instead.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 */
import { describe, expect, it } from "vitest";
import {
  parseScheduleExpression,
  ScheduleExpressionError,
} from "../../../runtime/manifest/schedule-expression.js";

function refusal(text: string): ScheduleExpressionError {
  try {
    parseScheduleExpression(text);
  } catch (error) {
    if (error instanceof ScheduleExpressionError) return error;
    throw error;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe("rate expressions", () => {
  it.each([
    ["rate(1 minute)", 1, "minute", 60_000],
    ["rate(5 minutes)", 5, "minute", 300_000],
    ["rate(1 hour)", 1, "hour", 3_600_000],
    ["rate(12 hours)", 12, "hour", 43_200_000],
    ["rate(1 day)", 1, "day", 86_400_000],
    ["rate(7 days)", 7, "day", 604_800_000],
  ])("parses %s", (text, value, unit, periodMs) => {
    expect(parseScheduleExpression(text)).toEqual({ kind: "rate", text, value, unit, periodMs });
  });

  it.each([
    ["rate(1 minutes)", "has the value 1, so its unit must be singular", "Write rate(1 minute)"],
    ["rate(1 hours)", "must be singular", "Write rate(1 hour)"],
    ["rate(5 minute)", "has the value 5, so its unit must be plural", "Write rate(5 minutes)"],
    ["rate(5 hour)", "must be plural", "Write rate(5 hours)"],
    ["rate(0 minutes)", "must be a positive whole number", "rate(1 minute)"],
    ["rate(-5 minutes)", "must be a positive whole number", "rate(1 minute)"],
    ["rate(05 minutes)", "must be a positive whole number", "rate(1 minute)"],
    ["rate(1.5 hours)", "must be a positive whole number", "rate(90 minutes)"],
    ["rate(30 seconds)", "must be minute, minutes, hour, hours, day or days", "at most once a minute"],
    ["rate(2 weeks)", "must be minute, minutes, hour, hours, day or days", "rate(2 minutes)"],
    ["rate(5 Minutes)", 'not "Minutes"', "lower case"],
    ["rate(5)", "must have a value and a unit", "rate(1 minute)"],
    ["rate(100000001 days)", "is longer than any date can reach", "rate(365 days)"],
    ["rate(99999999999999999999 minutes)", "must be a positive whole number", "rate(1 minute)"],
    ["rate()", "must have a value and a unit", "rate(5 minutes)"],
  ])("refuses %s", (text, problem, fix) => {
    const error = refusal(text);
    expect(error.problem).toContain(problem);
    expect(error.fix).toContain(fix);
  });
});

describe("cron expressions", () => {
  it("parses EventBridge's documented examples", () => {
    const examples = [
      "cron(0 10 * * ? *)",
      "cron(15 12 * * ? *)",
      "cron(0 18 ? * MON-FRI *)",
      "cron(0 8 1 * ? *)",
      "cron(0/15 * * * ? *)",
      "cron(0/10 * ? * MON-FRI *)",
      "cron(0/5 8-17 ? * MON-FRI *)",
      "cron(0 9 ? * 2#1 *)",
      "cron(0 0 L * ? *)",
      "cron(0 0 ? * 6L *)",
      "cron(0 0 15W * ? *)",
      "cron(0 0 LW * ? *)",
      "cron(0 12 * JAN,FEB,MAR ? 2030-2032)",
    ];
    for (const text of examples) expect(parseScheduleExpression(text).kind, text).toBe("cron");
  });

  it("expands fields into the minutes, hours, days, months and years they match", () => {
    expect(parseScheduleExpression("cron(0/15 8-10 ? JAN-MAR,DEC MON-FRI 2030)")).toEqual({
      kind: "cron",
      text: "cron(0/15 8-10 ? JAN-MAR,DEC MON-FRI 2030)",
      minutes: [0, 15, 30, 45],
      hours: [8, 9, 10],
      dayOfMonth: { kind: "any" },
      months: [1, 2, 3, 12],
      dayOfWeek: { kind: "days", days: [2, 3, 4, 5, 6] },
      years: [2030],
    });
  });

  it("reads 1/10 as every tenth minute from minute 1, names in any case, and * as every value", () => {
    const cron = parseScheduleExpression("cron(1/10 * * jan ? *)");
    expect(cron).toMatchObject({
      minutes: [1, 11, 21, 31, 41, 51],
      dayOfMonth: { kind: "days", days: Array.from({ length: 31 }, (_, i) => i + 1) },
      months: [1],
    });
    if (cron.kind !== "cron") throw new Error("not a cron");
    expect(cron.hours).toHaveLength(24);
    expect(cron.years[0]).toBe(1970);
    expect(cron.years.at(-1)).toBe(2199);
  });

  it("reads L, LW, W, nL and # in the day fields, with 1 = SUN … 7 = SAT", () => {
    const day = (text: string) => {
      const cron = parseScheduleExpression(text);
      if (cron.kind !== "cron") throw new Error("not a cron");
      return [cron.dayOfMonth, cron.dayOfWeek];
    };
    expect(day("cron(0 0 L * ? *)")[0]).toEqual({ kind: "last" });
    expect(day("cron(0 0 LW * ? *)")[0]).toEqual({ kind: "lastWeekday" });
    expect(day("cron(0 0 15W * ? *)")[0]).toEqual({ kind: "nearestWeekday", day: 15 });
    expect(day("cron(0 0 ? * 6L *)")[1]).toEqual({ kind: "last", day: 6 });
    expect(day("cron(0 0 ? * FRIL *)")[1]).toEqual({ kind: "last", day: 6 });
    expect(day("cron(0 0 ? * 3#2 *)")[1]).toEqual({ kind: "nth", day: 3, nth: 2 });
    expect(day("cron(0 0 ? * MON#1 *)")[1]).toEqual({ kind: "nth", day: 2, nth: 1 });
    expect(day("cron(0 0 ? * SUN,SAT *)")[1]).toEqual({ kind: "days", days: [1, 7] });
    expect(day("cron(0 0 ? * L *)")[1]).toEqual({ kind: "days", days: [7] });
    // A range past the end wraps around, as in Quartz: FRI-MON is Friday to Monday.
    expect(day("cron(0 0 ? * FRI-MON *)")[1]).toEqual({ kind: "days", days: [1, 2, 6, 7] });
  });

  it.each([
    ["cron(0 10 * * *)", "has 5 fields", "Add the Year field"],
    ["cron(0 10 * * ? * *)", "has 7 fields", "six fields"],
    ["cron()", "has 0 fields", "six fields"],
    ["cron(0 10 * * MON *)", "sets both Day-of-month (*) and Day-of-week (MON)", "cron(0 10 ? * MON *)"],
    ["cron(0 10 1 * 2 *)", "sets both Day-of-month (1) and Day-of-week (2)", "Replace one of them with ?"],
    ["cron(0 10 ? * ? *)", "? in both Day-of-month and Day-of-week", "Put * (every day)"],
    ["cron(60 10 * * ? *)", "Minutes 60 is out of range 0-59", "0/15"],
    ["cron(0 24 * * ? *)", "Hours 24 is out of range 0-23", "8-17"],
    ["cron(0 0 32 * ? *)", "Day-of-month 32 is out of range 1-31", "LW"],
    ["cron(0 0 0 * ? *)", "Day-of-month 0 is out of range 1-31", "15W"],
    ["cron(0 0 1 13 ? *)", "Month 13 is out of range 1-12", "JAN-MAR"],
    ["cron(0 0 ? * 0 *)", "Day-of-week 0 is out of range 1-7; AWS counts days", "Write 1 or SUN"],
    ["cron(0 0 ? * 8 *)", "Day-of-week 8 is out of range 1-7", "1 = SUN"],
    ["cron(0 0 1 1 ? 1969)", "Year 1969 is out of range 1970-2199", "2030-2035"],
    ["cron(0 0 1 1 ? 2200)", "Year 2200 is out of range 1970-2199", "2030"],
    ["cron(0 0 1 FOO ? *)", 'Month has "FOO", which is not a number or a name (JAN-DEC)', "JAN-MAR"],
    ["cron(0 0 ? * MONDAY *)", "not a number or a name (SUN-SAT)", "MON-FRI"],
    ["cron(0 0 ? * 3#1,6#3 *)", "with #, the field holds exactly one", "one schedule each"],
    ["cron(0 0 ? * 3#6 *)", "at most five of each weekday", "1 to 5"],
    ["cron(0 0 L-2 * ? *)", "uses L or W in a way AWS does not accept", "LW"],
    ["cron(0 0 1-15W * ? *)", "uses L or W", "15W"],
    ["cron(0 0 ? * 1L,2 *)", "uses L in a way AWS does not accept", "6L"],
    ["cron(0/0 * * * ? *)", 'has the increment "0", which must be a whole number from 1 to 60', "0/15"],
    ["cron(0/61 * * * ? *)", 'has the increment "61", which must be a whole number from 1 to 60', "0/15"],
    ["cron(1,,2 * * * ? *)", "has an empty item", "0/15"],
    ["cron(1-2-3 * * * ? *)", "malformed range", "0-29"],
  ])("refuses %s", (text, problem, fix) => {
    const error = refusal(text);
    expect(error.problem).toContain(problem);
    expect(error.fix).toContain(fix);
  });
});

describe("anything else", () => {
  it("recognises a bare Unix cron line and says how to wrap it", () => {
    const error = refusal("*/5 * * * *");
    expect(error.problem).toContain("is a bare cron line");
    expect(error.fix).toContain("cron(0 10 * * ? *)");
  });

  it.each(["every 5 minutes", "", "5 minutes"])("refuses %j", (text) => {
    expect(refusal(text).fix).toContain("rate(5 minutes)");
  });

  it.each([
    ["Rate(5 minutes)", "Write rate(5 minutes)"],
    ["CRON(0 10 * * ? *)", "Write cron(0 10 * * ? *)"],
  ])("asks for %s in lower case", (text, fix) => {
    expect(refusal(text).fix).toBe(fix);
  });
});
