// The recent logs `lambkin logs` reads: rings bounded by count and bytes per function and in total, queries by
// function, time and filter, followers; CloudWatch's filter terms; aws logs tail's --since; the summary's trigger.
import { describe, expect, it } from "vitest";
import { triggerOf } from "../../../runtime/logs/invocation-summary.js";
import { parseLogFilter } from "../../../runtime/logs/log-filter.js";
import { parseSince } from "../../../runtime/logs/log-since.js";
import { type LogEvent, RecentLogs } from "../../../runtime/logs/recent-logs.js";

const STREAM = "2026/12/02/[$LATEST]0123456789abcdef0123456789abcdef";

describe("RecentLogs", () => {
  it("keeps at most maxEventsPerFunction events of each function, the newest", () => {
    const logs = new RecentLogs({ maxEventsPerFunction: 3, maxBytesPerFunction: 1e9, maxBytesTotal: 1e9 });
    for (let n = 0; n < 10; n++) logs.append("a", STREAM, `a${n}`);
    logs.append("b", STREAM, "b0");
    expect(logs.query({ functionName: "a" }).map((e) => e.message)).toEqual(["a7", "a8", "a9"]);
    expect(logs.query().map((e) => e.message)).toEqual(["a7", "a8", "a9", "b0"]);
    expect(logs.stats()).toMatchObject({ events: 4, evicted: 7 });
  });

  it("keeps a function's ring within maxBytesPerFunction, whatever it prints", () => {
    const limit = 100_000;
    const logs = new RecentLogs({
      maxEventsPerFunction: 1e9,
      maxBytesPerFunction: limit,
      maxBytesTotal: 1e9,
    });
    const line = "y".repeat(10_000);
    for (let n = 0; n < 1000; n++) logs.append("loud", STREAM, `${n} ${line}`); // 20 MB as a string holds it
    expect(logs.stats().bytes).toBeLessThanOrEqual(limit);
    const kept = logs.query({ functionName: "loud" });
    expect(kept.at(-1)?.message.startsWith("999 ")).toBe(true);
    expect(kept.length).toBeLessThan(10);
  });

  it("keeps all rings within maxBytesTotal, taking from the largest", () => {
    const logs = new RecentLogs({
      maxEventsPerFunction: 1e9,
      maxBytesPerFunction: 1e9,
      maxBytesTotal: 50_000,
    });
    logs.append("quiet", STREAM, "q");
    for (let n = 0; n < 100; n++) logs.append("loud", STREAM, "z".repeat(1000));
    expect(logs.stats().bytes).toBeLessThanOrEqual(50_000);
    expect(logs.query({ functionName: "quiet" }).map((e) => e.message)).toEqual(["q"]);
  });

  it("answers by time and filter, and tells followers of each new event until they leave", () => {
    let now = 1000;
    const logs = new RecentLogs(undefined, () => now);
    logs.append("f", STREAM, "old line", "r1");
    now = 2000;
    logs.append("f", STREAM, "new line", "r2");
    expect(logs.query({ since: 1500 }).map((e) => e.message)).toEqual(["new line"]);
    expect(logs.query({ filter: parseLogFilter("old") }).map((e) => e.requestId)).toEqual(["r1"]);
    const seen: LogEvent[] = [];
    const leave = logs.follow((event) => seen.push(event));
    expect(logs.stats().followers).toBe(1);
    logs.append("g", STREAM, "live");
    leave();
    logs.append("g", STREAM, "after");
    expect(seen.map((e) => [e.functionName, e.message, e.timestamp])).toEqual([["g", "live", 2000]]);
    expect(logs.stats().followers).toBe(0);
    expect(seen[0]?.eventId).toBeGreaterThan(logs.query({ functionName: "f" }).at(-1)?.eventId ?? 0);
  });
});

describe("CloudWatch filter terms", () => {
  const matches = (pattern: string, message: string) => parseLogFilter(pattern)(message);
  it("a term, every term, a phrase, any of, not", () => {
    expect(matches("ERROR", "an ERROR here")).toBe(true);
    expect(matches("ERROR", "an error here")).toBe(false); // case-sensitive, as CloudWatch
    expect(matches("ERROR db", "ERROR in db")).toBe(true);
    expect(matches("ERROR db", "ERROR in cache")).toBe(false);
    expect(matches('"timed out"', "Task timed out after")).toBe(true);
    expect(matches('"timed out"', "out timed")).toBe(false);
    expect(matches("?ERROR ?WARN", "WARN low disk")).toBe(true);
    expect(matches("?ERROR ?WARN", "INFO ok")).toBe(false);
    expect(matches('?"a b" ?c -REPORT', "x a b y")).toBe(true);
    expect(matches("ERROR -retry", "ERROR will retry")).toBe(false);
    expect(matches("", "anything")).toBe(true);
  });
  it("refuses what it does not implement, and an unclosed quote", () => {
    expect(() => parseLogFilter('{ $.level = "ERROR" }')).toThrow(/JSON/);
    expect(() => parseLogFilter("[ip, user]")).toThrow(/space-delimited/);
    expect(() => parseLogFilter('"open')).toThrow(/unclosed quote/);
  });
});

describe("--since", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  it("relative times, ISO times (UTC without a zone) and epoch milliseconds", () => {
    expect(parseSince("10m", now)).toBe(now - 600_000);
    expect(parseSince("1h", now)).toBe(now - 3_600_000);
    expect(parseSince("2d", now)).toBe(now - 2 * 86_400_000);
    expect(parseSince("1w", now)).toBe(now - 7 * 86_400_000);
    expect(parseSince("30s", now)).toBe(now - 30_000);
    expect(parseSince("2026-12-02T10:00:00Z", now)).toBe(Date.parse("2026-12-02T10:00:00Z"));
    expect(parseSince("2026-12-02T10:00:00", now)).toBe(Date.parse("2026-12-02T10:00:00Z"));
    expect(parseSince("2026-12-02T10:00:00+01:00", now)).toBe(Date.parse("2026-12-02T09:00:00Z"));
    expect(parseSince("2026-12-02 10:00:00", now)).toBe(Date.parse("2026-12-02T10:00:00Z"));
    expect(parseSince("2026-12-02", now)).toBe(Date.parse("2026-12-02T00:00:00Z"));
    expect(parseSince("1796212800000", now)).toBe(1796212800000);
  });
  it("refuses anything else", () => {
    for (const bad of ["", "yesterday", "10", "10y", "2026-13-45T99:00:00Z", "-5m"]) {
      expect(() => parseSince(bad, now), bad).toThrow(/--since takes/);
    }
  });
});

describe("the trigger of an invocation, from its request's source", () => {
  it("names every producer", () => {
    expect(triggerOf("http:GET /talk", "RequestResponse")).toEqual({ type: "http", detail: "GET /talk" });
    expect(triggerOf("invoke-api", "RequestResponse")).toEqual({ type: "invoke", detail: "" });
    expect(triggerOf("invoke-api", "Event")).toEqual({ type: "async", detail: "" });
    expect(triggerOf("schedule:every-minute", "Event")).toEqual({ type: "schedule", detail: "every-minute" });
    expect(triggerOf("sqs:orders", "Event")).toEqual({ type: "sqs", detail: "orders" });
    expect(triggerOf("sns:arn:aws:sns:us-east-1:000000000000:t", "Event")).toEqual({
      type: "sns",
      detail: "arn:aws:sns:us-east-1:000000000000:t",
    });
    expect(triggerOf("s3:uploads", "Event")).toEqual({ type: "s3", detail: "uploads" });
    expect(triggerOf("stream:arn:aws:kinesis:x", "RequestResponse")).toMatchObject({ type: "stream" });
    expect(triggerOf("redrive:abc", "Event")).toEqual({ type: "redrive", detail: "abc" });
    expect(triggerOf("destination:f", "Event")).toEqual({ type: "destination", detail: "f" });
    expect(triggerOf("invoker", "RequestResponse")).toEqual({ type: "cli", detail: "" });
    expect(triggerOf("something-new", "Event")).toEqual({ type: "other", detail: "something-new" });
  });
});
