// Crashes and limits (docs/lambda-behaviour.md §2.4, §2.5, §1.5, §1.1): an uncaught exception or unhandled
// rejection during an invocation is that invocation's error and ends the process; the function timeout
// is Sandbox.Timedout; exceeding memorySize is `signal: killed`; process.exit(n) is `exit status n`
// (both Runtime.ExitError); a response over 6 MiB + 100 B is Function.ResponseSizeTooLarge and the
// environment stays. Each of these that ends the process makes the next invocation a cold start.
import { describe, expect, it } from "vitest";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import {
  errorLineOf,
  expectFunctionError,
  expectPlatformError,
  expectPlatformLines,
  ISO_TIMESTAMP,
  nodeConformanceService,
} from "./log-expectations.js";

describe("Node.js crashes and limits", () => {
  const node = nodeConformanceService();

  /** The two lines the platform logs when the runtime exits during an invocation. */
  function expectExitLines(result: InvokeResult, reason: string): void {
    const { during } = expectPlatformLines(result, { coldStart: true });
    expect(during).toEqual([
      `RequestId: ${result.requestId} Error: Runtime exited with error: ${reason}`,
      "Runtime.ExitError",
    ]);
  }

  it("an exception thrown from a timer is the invocation's error; the process then exits", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await node.fixture.invoke("uncaughtInTimer");
      const trace = expectFunctionError(result, {
        errorType: "Error",
        errorMessage: "thrown from a timer",
        traceStart: [
          "Error: thrown from a timer",
          `    at Timeout._onTimeout (${node.paths.taskRoot}/handlers/uncaught-in-timer.js:9:11)`,
        ],
      });
      // Posted before the 1 s the handler would have waited.
      expect(result.durationMs).toBeLessThan(900);
      // A fresh environment each time: the previous process exited (129).
      const { before, during } = expectPlatformLines(result, { coldStart: true });
      expect(before).toEqual([]);
      expect(during).toHaveLength(1);
      expect(errorLineOf(result, result.requestId, "Uncaught Exception")).toEqual({
        errorType: "Error",
        errorMessage: "thrown from a timer",
        stack: trace,
      });
    }
  });

  it("an unhandled rejection is Runtime.UnhandledPromiseRejection; the process then exits", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await node.fixture.invoke("unhandledRejection");
      const trace = expectFunctionError(result, {
        errorType: "Runtime.UnhandledPromiseRejection",
        errorMessage: "Error: nobody handles me",
        traceStart: ["Runtime.UnhandledPromiseRejection: Error: nobody handles me"],
      });
      expect(result.durationMs).toBeLessThan(900);
      const { during } = expectPlatformLines(result, { coldStart: true });
      expect(during).toHaveLength(1);
      const line = errorLineOf(result, result.requestId, "Unhandled Promise Rejection");
      expect(Object.keys(line)).toEqual(["errorType", "errorMessage", "reason", "promise", "stack"]);
      expect(line).toMatchObject({
        errorType: "Runtime.UnhandledPromiseRejection",
        errorMessage: "Error: nobody handles me",
        reason: { errorType: "Error", errorMessage: "nobody handles me" },
        promise: {},
        stack: trace,
      });
      const reasonStack = (line.reason as { stack: string[] }).stack;
      expect(reasonStack.slice(0, 2)).toEqual([
        "Error: nobody handles me",
        `    at exports.handler (${node.paths.taskRoot}/handlers/unhandled-rejection.js:8:18)`,
      ]);
    }
  });

  it("a handler that outlives the timeout: Sandbox.Timedout, the timeout line, Status: timeout", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await node.fixture.invoke("timeout");
      expectPlatformError(
        result,
        "Sandbox.Timedout",
        `RequestId: ${result.requestId} Error: Task timed out after 1.00 seconds`,
        "timeout",
      );
      // The environment was discarded: the second attempt is a cold start too.
      const { during, report } = expectPlatformLines(result, { coldStart: true, timedOut: true });
      expect(during).toHaveLength(1);
      const match = new RegExp(
        `^(\\S+) ${result.requestId} Task timed out after (\\d+\\.\\d{2}) seconds$`,
      ).exec(during[0] ?? "");
      expect(match, during[0]).not.toBeNull();
      expect(match?.[1]).toMatch(ISO_TIMESTAMP);
      const elapsed = Number(match?.[2]);
      expect(elapsed).toBeGreaterThanOrEqual(1);
      expect(elapsed).toBeLessThan(2.5);
      expect(report.durationMs).toBeGreaterThanOrEqual(1000);
      expect(report.durationMs).toBeLessThan(2500);
      expect(report.maxMemoryUsedMB).toBeGreaterThanOrEqual(20);
    }
  });

  it("exceeding memorySize: Runtime.ExitError 'signal: killed', Max Memory Used near 128 MB", async () => {
    const result = await node.fixture.invoke("memoryBlowup");
    // {"survived":true,…} here would mean that the sandbox did not enforce the limit.
    expectPlatformError(
      result,
      "Runtime.ExitError",
      `RequestId: ${result.requestId} Error: Runtime exited with error: signal: killed`,
      "crash",
    );
    expectExitLines(result, "signal: killed");
    const { report } = expectPlatformLines(result, { coldStart: true });
    expect(report.maxMemoryUsedMB).toBeGreaterThanOrEqual(100);
    expect(report.maxMemoryUsedMB).toBeLessThanOrEqual(176);
    // Killed well before the 2 GiB the handler would reach.
    expect(result.durationMs).toBeLessThan(1500);
  });

  it("process.exit(3): Runtime.ExitError 'exit status 3'", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await node.fixture.invoke("processExit");
      expectPlatformError(
        result,
        "Runtime.ExitError",
        `RequestId: ${result.requestId} Error: Runtime exited with error: exit status 3`,
        "crash",
      );
      expectExitLines(result, "exit status 3");
      // What the runtime used, not what was left of it once it was gone.
      expect(result.maxMemoryUsedMB).toBeGreaterThanOrEqual(20);
    }
  });

  it("a response over 6 MiB + 100 B: Function.ResponseSizeTooLarge, and the environment stays", async () => {
    for (const coldStart of [true, false]) {
      const result = await node.fixture.invoke("largeResponse");
      expectPlatformError(
        result,
        "Function.ResponseSizeTooLarge",
        "Response payload size (6291558 bytes) exceeded maximum allowed payload size (6291556 bytes).",
        "error",
      );
      // The runtime's own report of the refused post (aws-lambda-cpp's format, on stderr).
      const { before, during } = expectPlatformLines(result, { coldStart });
      expect(before).toEqual([]);
      expect(during).toHaveLength(1);
      const refused =
        'LAMBDA_RUNTIME Failed to post handler success response. Http response code: 413. {"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}';
      expect(during[0]?.replace(/^\[ERROR\] \[\d{13}\] /, "")).toBe(refused);
      expect(during[0]).toMatch(/^\[ERROR\] \[\d{13}\] LAMBDA_RUNTIME /);
    }
  });
});
