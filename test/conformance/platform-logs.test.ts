// The platform's own log lines around every invocation (docs/lambda-behaviour.md §2.7, §2.5):
// `START RequestId: <id> Version: $LATEST`, `END RequestId: <id>`, then
// `REPORT RequestId: <id>\tDuration: <ms> ms\tBilled Duration: <ms> ms\tMemory Size: <MB> MB\tMax Memory Used: <MB> MB`
// with `\tInit Duration: <ms> ms` on an environment's first invocation only and `\tStatus: timeout` after a
// timeout, preceded then by `<ISO ts> <id> Task timed out after N.NN seconds`. The tail is the last 4 KB.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, payloadJson, startFixture } from "./harness.js";
import { expectConsoleLine, expectPlatformLines, logLines, parseReport } from "./log-expectations.js";

describe("platform log lines", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture("conformance/node");
  });
  afterAll(() => fixture.close());

  it("START, END and REPORT, with Init Duration on the environment's first invocation only", async () => {
    const cold = await fixture.invoke("promiseReturning");
    const warm = await fixture.invoke("promiseReturning");
    for (const [result, coldStart] of [
      [cold, true],
      [warm, false],
    ] as const) {
      const lines = logLines(result);
      const id = result.requestId;
      expect(lines).toHaveLength(3);
      expect(lines[0]).toBe(`START RequestId: ${id} Version: $LATEST`);
      expect(lines[1]).toBe(`END RequestId: ${id}`);
      const fields = (lines[2] ?? "").split("\t");
      expect(fields.map((field) => field.replace(/[\d.]+/g, "N"))).toEqual([
        `REPORT RequestId: ${id.replace(/[\d.]+/g, "N")}`,
        "Duration: N ms",
        "Billed Duration: N ms",
        "Memory Size: N MB",
        "Max Memory Used: N MB",
        ...(coldStart ? ["Init Duration: N ms"] : []),
      ]);
      const report = parseReport(lines[2], id);
      // The handler resolves after a 50 ms timer.
      expect(report.durationMs).toBeGreaterThanOrEqual(45);
      expect(report.durationMs).toBeLessThan(2000);
      expect(report.memorySizeMB).toBe(128);
      expect(report.maxMemoryUsedMB).toBeGreaterThanOrEqual(20);
      expect(report.maxMemoryUsedMB).toBeLessThanOrEqual(128);
      expect(report.initDurationMs !== undefined).toBe(coldStart);
      if (report.initDurationMs !== undefined) expect(report.initDurationMs).toBeGreaterThan(0);
    }
  });

  it("Memory Size is the function's memorySize (and the context says the same)", async () => {
    const result = await fixture.invoke("echo256", { size: 256 });
    expect(payloadJson(result)).toEqual({ echo: { size: 256 } });
    const { report } = expectPlatformLines(result, { coldStart: true, memorySize: 256 });
    expect(report.memorySizeMB).toBe(256);
  });

  it("init-phase lines come before START, the invocation's between START and END", async () => {
    const result = await fixture.invoke("callbackWaits");
    const lines = logLines(result);
    expect(lines).toHaveLength(4);
    // The callback-handler warning is written while the handler loads: request id "undefined".
    expect(lines[0]).toMatch(/^\S+\tundefined\tWARN\tAWS Lambda plans to remove support for callback-based/);
    expect(lines[1]).toBe(`START RequestId: ${result.requestId} Version: $LATEST`);
  });

  it("a timeout: the 'Task timed out' line, then END, then REPORT with Status: timeout", async () => {
    const result = await fixture.invoke("timeout");
    const lines = logLines(result);
    const id = result.requestId;
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`START RequestId: ${id} Version: $LATEST`);
    expect(lines[1]).toMatch(
      new RegExp(
        `^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z ${id} Task timed out after 1\\.\\d{2} seconds$`,
      ),
    );
    expect(lines[2]).toBe(`END RequestId: ${id}`);
    expect(lines[3]).toMatch(/\tStatus: timeout$/);
    const report = parseReport(lines[3], id);
    expect(report.timedOut).toBe(true);
    expect(report.durationMs).toBeGreaterThanOrEqual(1000);
  });

  it("a runtime that exits: 'RequestId: <id> Error: Runtime exited with error: …' and 'Runtime.ExitError'", async () => {
    const result = await fixture.invoke("processExit");
    const id = result.requestId;
    expect(logLines(result).slice(0, 4)).toEqual([
      `START RequestId: ${id} Version: $LATEST`,
      `RequestId: ${id} Error: Runtime exited with error: exit status 3`,
      "Runtime.ExitError",
      `END RequestId: ${id}`,
    ]);
    expect(parseReport(logLines(result)[4], id).initDurationMs).toBeDefined();
  });

  it("the log tail is the last 4 KB of the invocation's log, ending with REPORT", async () => {
    const result = await fixture.invoke("chatty", { lines: 60, width: 100 });
    expect(payloadJson(result)).toEqual({ logged: 60 });
    const text = result.logTail.text();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(text)).toBeGreaterThan(4096 - 200);
    expect(Buffer.from(result.logTail.base64(), "base64").toString("utf8")).toBe(text);
    const lines = text.split("\n");
    // 60 lines of ~150 bytes do not fit: START and the first lines are cut off, the end is whole.
    expect(text).not.toContain("START RequestId");
    expect(lines.at(-1)).toBe("");
    expect(lines.at(-3)).toBe(`END RequestId: ${result.requestId}`);
    parseReport(lines.at(-2), result.requestId);
    expectConsoleLine(lines.at(-4), result.requestId, "INFO", "line 59 ".padEnd(100, "x"));
    expectConsoleLine(lines.at(-5), result.requestId, "INFO", "line 58 ".padEnd(100, "x"));
  });
});
