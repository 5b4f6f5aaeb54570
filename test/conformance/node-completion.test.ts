// When a Node.js (≤ 22) invocation completes, and with what (docs/lambda-behaviour.md §2.2): async handlers on
// settle, callback handlers on callback() — after the event loop drains unless
// callbackWaitsForEmptyEventLoop is false —, context.succeed/done at once, the first completion wins,
// a sync handler that never calls back answers null when the loop drains, an async promise that never
// settles fails with Runtime.NodeJsExit; results must JSON.stringify.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import { type Fixture, payloadJson, startFixture } from "./harness.js";
import {
  CALLBACK_WARNING,
  errorLineOf,
  expectConsoleLine,
  expectFunctionError,
  expectPlatformError,
  expectPlatformLines,
} from "./log-expectations.js";

const NODEJS_EXIT_MESSAGE =
  "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes";

describe("Node.js completion rules", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture("conformance/node");
  });
  afterAll(() => fixture.close());

  function expectSuccess(result: InvokeResult, payload: unknown): void {
    const answer = `${result.errorType ?? ""} ${result.payload.toString().slice(0, 500)}`;
    expect(result.functionError, answer).toBeUndefined();
    expect(result.status, answer).toBe("success");
    expect(result.errorType).toBeUndefined();
    expect(payloadJson(result)).toEqual(payload);
  }

  /** Nothing logged but the platform lines (and, for a 3-parameter handler, the init WARN line). */
  function expectQuietLog(result: InvokeResult, options: { coldStart: boolean; callbackWarning?: boolean }) {
    const { before, during } = expectPlatformLines(result, { coldStart: options.coldStart });
    expect(during).toEqual([]);
    if (options.callbackWarning) {
      expect(before).toHaveLength(1);
      expectConsoleLine(before[0], "undefined", "WARN", CALLBACK_WARNING);
    } else {
      expect(before).toEqual([]);
    }
  }

  it("an async handler that returns nothing answers null", async () => {
    const result = await fixture.invoke("asyncUndefined");
    expectSuccess(result, null);
    expect(result.payload.toString()).toBe("null");
    expectQuietLog(result, { coldStart: true });
  });

  it("a non-async handler returning a promise completes when it settles", async () => {
    const result = await fixture.invoke("promiseReturning");
    expectSuccess(result, { via: "promise" });
    expect(result.durationMs).toBeGreaterThanOrEqual(45);
    expectQuietLog(result, { coldStart: true });
  });

  it("a sync handler that never calls back: its return value is ignored, null once the loop drains", async () => {
    const result = await fixture.invoke("syncNoCallback");
    expectSuccess(result, null);
    expect(result.durationMs).toBeGreaterThanOrEqual(95);
    expectQuietLog(result, { coldStart: true });
  });

  it("an async promise that never settles fails with Runtime.NodeJsExit; the environment stays", async () => {
    for (const coldStart of [true, false]) {
      const result = await fixture.invoke("asyncNeverSettles");
      const trace = expectFunctionError(result, {
        errorType: "Runtime.NodeJsExit",
        errorMessage: NODEJS_EXIT_MESSAGE,
        traceStart: [`Runtime.NodeJsExit: ${NODEJS_EXIT_MESSAGE}`],
      });
      const { before, during } = expectPlatformLines(result, { coldStart });
      expect(before).toEqual([]);
      expect(during).toHaveLength(1);
      expect(errorLineOf(result, result.requestId, "Invoke Error")).toEqual({
        errorType: "Runtime.NodeJsExit",
        errorMessage: NODEJS_EXIT_MESSAGE,
        stack: trace,
      });
    }
  });

  it("callback(null, result) waits for the event loop: the timer ran before the result was serialized", async () => {
    const result = await fixture.invoke("callbackWaits");
    expectSuccess(result, { timerFired: true });
    expect(result.durationMs).toBeGreaterThanOrEqual(195);
    // A 3-parameter, non-async handler: the Node ≤ 22 deprecation warning at init.
    expectQuietLog(result, { coldStart: true, callbackWarning: true });
    // Warm: init does not run again, so no second warning.
    const warm = await fixture.invoke("callbackWaits");
    expectSuccess(warm, { timerFired: true });
    expectQuietLog(warm, { coldStart: false });
  });

  it("AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING silences the warning", async () => {
    const result = await fixture.invoke("callbackNoWarning");
    expectSuccess(result, { timerFired: true });
    expectQuietLog(result, { coldStart: true });
  });

  it("callback(null, result) with a handle that never closes: never posted, the invocation times out", async () => {
    const result = await fixture.invoke("callbackOpenHandle");
    expectPlatformError(
      result,
      "Sandbox.Timedout",
      `RequestId: ${result.requestId} Error: Task timed out after 1.00 seconds`,
      "timeout",
    );
    const { during } = expectPlatformLines(result, { coldStart: true, timedOut: true });
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(new RegExp(` ${result.requestId} Task timed out after \\d+\\.\\d{2} seconds$`));
  });

  it("an async handler does not wait for the event loop: its result is posted despite an open interval", async () => {
    const first = await fixture.invoke("asyncOpenHandle");
    expectSuccess(first, { intervals: 1 });
    expect(first.durationMs).toBeLessThan(900);
    expectQuietLog(first, { coldStart: true });
    // The interval lives on in the environment, which serves the next invocation.
    const second = await fixture.invoke("asyncOpenHandle");
    expectSuccess(second, { intervals: 2 });
    expectQuietLog(second, { coldStart: false });
  });

  it("callbackWaitsForEmptyEventLoop = false answers at once and leaves the timer in the environment", async () => {
    const first = await fixture.invoke("callbackNoWait");
    expectSuccess(first, { timerFired: false, firedBefore: 0 });
    expectQuietLog(first, { coldStart: true, callbackWarning: true });
    // Same environment; the timer left behind fires when the environment runs (on AWS: after a thaw).
    const second = await fixture.invoke("callbackNoWait");
    expect(second.functionError).toBeUndefined();
    const { timerFired, firedBefore } = payloadJson(second) as { timerFired: boolean; firedBefore: number };
    expect(timerFired).toBe(false);
    expect([0, 1]).toContain(firedBefore);
    expectQuietLog(second, { coldStart: false });
  });

  it("context.succeed answers at once, without waiting for the pending 2 s timer", async () => {
    const result = await fixture.invoke("contextSucceed");
    expectSuccess(result, { via: "succeed" });
    expect(result.durationMs).toBeLessThan(1900);
    expectQuietLog(result, { coldStart: true });
  });

  it("context.done(null, result) answers with the result", async () => {
    const result = await fixture.invoke("contextDone");
    expectSuccess(result, { via: "done" });
    expectQuietLog(result, { coldStart: true });
  });

  it("only the first of succeed / callback / fail / done / the returned promise counts, silently", async () => {
    const result = await fixture.invoke("firstCompletionWins");
    expectSuccess(result, "first");
    expect(result.payload.toString()).toBe('"first"');
    // No "Invocation has already been reported as done" line: the later calls are no-ops.
    expectQuietLog(result, { coldStart: true, callbackWarning: true });
  });

  it("an async handler that also calls back: the callback came first and wins", async () => {
    const result = await fixture.invoke("asyncAndCallback");
    expectSuccess(result, "from-callback");
    // Declared async: no callback deprecation warning.
    expectQuietLog(result, { coldStart: true });
  });

  it("an async result that cannot be stringified fails the invocation; the environment stays", async () => {
    for (const coldStart of [true, false]) {
      const result = await fixture.invoke("circularResult");
      const trace = expectFunctionError(result, {
        errorType: "Error",
        errorMessage: "Unable to stringify response body",
        traceStart: ["Error: Unable to stringify response body"],
      });
      const { during } = expectPlatformLines(result, { coldStart });
      expect(during).toHaveLength(1);
      expect(errorLineOf(result, result.requestId, "Invoke Error")).toEqual({
        errorType: "Error",
        errorMessage: "Unable to stringify response body",
        stack: trace,
      });
    }
  });

  it("a callback result that cannot be stringified is an uncaught exception: the environment is reset", async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await fixture.invoke("circularCallback");
      const trace = expectFunctionError(result, {
        errorType: "Error",
        errorMessage: "Unable to stringify response body",
        traceStart: ["Error: Unable to stringify response body"],
      });
      // The process exited (129) after answering: every invocation is a cold start.
      const { before, during } = expectPlatformLines(result, { coldStart: true });
      expect(before).toHaveLength(1);
      expectConsoleLine(before[0], "undefined", "WARN", CALLBACK_WARNING);
      expect(during).toHaveLength(1);
      expect(errorLineOf(result, result.requestId, "Uncaught Exception")).toEqual({
        errorType: "Error",
        errorMessage: "Unable to stringify response body",
        stack: trace,
      });
    }
  });
});
