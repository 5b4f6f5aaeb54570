// What a Node.js function error looks like (docs/lambda-behaviour.md §2.4): the Invoke payload is
// `{errorType, errorMessage, trace}` — errorType is the error's name, or typeof for a non-Error value —
// and the runtime logs `<ts>\t<id>\tERROR\tInvoke Error \t{…}` with the error's own properties too.
// Non-fatal: the environment is reused for the next invocation.
import { describe, expect, it } from "vitest";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import {
  CALLBACK_WARNING,
  errorLineOf,
  expectConsoleLine,
  expectFunctionError,
  expectPlatformLines,
  nodeConformanceService,
} from "./log-expectations.js";

describe("Node.js error payloads", () => {
  const node = nodeConformanceService();

  /** One "Invoke Error" line between START and END (and the WARN of a callback handler at init). */
  function invokeErrorLine(result: InvokeResult, options: { callbackWarning?: boolean } = {}) {
    const { before, during } = expectPlatformLines(result, { coldStart: true });
    if (options.callbackWarning) {
      expect(before).toHaveLength(1);
      expectConsoleLine(before[0], "undefined", "WARN", CALLBACK_WARNING);
    } else {
      expect(before).toEqual([]);
    }
    expect(during).toHaveLength(1);
    return errorLineOf(result, result.requestId, "Invoke Error");
  }

  /** A non-Error value is logged as `new Error(String(value))`, created inside the runtime. */
  function expectWrappedValueLine(line: Record<string, unknown>, message: string): void {
    expect(Object.keys(line)).toEqual(["errorType", "errorMessage", "stack"]);
    expect(line.errorType).toBe("Error");
    expect(line.errorMessage).toBe(message);
    expect((line.stack as string[])[0]).toBe(`Error: ${message}`);
  }

  it("an async handler that throws: the Error, its trace pointing at the handler", async () => {
    const result = await node.fixture.invoke("asyncReject");
    const trace = expectFunctionError(result, {
      errorType: "Error",
      errorMessage: "boom",
      traceStart: [
        "Error: boom",
        `    at exports.handler (${node.paths.taskRoot}/handlers/async-reject.js:7:9)`,
      ],
    });
    expect(invokeErrorLine(result)).toEqual({ errorType: "Error", errorMessage: "boom", stack: trace });
  });

  it("a sync handler that throws: posted at once as the error", async () => {
    const result = await node.fixture.invoke("syncThrows");
    const trace = expectFunctionError(result, {
      errorType: "TypeError",
      errorMessage: "sync failure",
      traceStart: [
        "TypeError: sync failure",
        `    at exports.handler (${node.paths.taskRoot}/handlers/sync-throws.js:6:9)`,
      ],
    });
    expect(invokeErrorLine(result)).toEqual({
      errorType: "TypeError",
      errorMessage: "sync failure",
      stack: trace,
    });
  });

  it("callback(err) is posted at once, without waiting for the pending 2 s timer", async () => {
    const result = await node.fixture.invoke("callbackError");
    const trace = expectFunctionError(result, {
      errorType: "RangeError",
      errorMessage: "callback failure",
      traceStart: ["RangeError: callback failure"],
    });
    expect(result.durationMs).toBeLessThan(1900);
    expect(invokeErrorLine(result, { callbackWarning: true })).toEqual({
      errorType: "RangeError",
      errorMessage: "callback failure",
      stack: trace,
    });
  });

  it("context.fail(err) fails at once with that error", async () => {
    const result = await node.fixture.invoke("contextFail");
    const trace = expectFunctionError(result, {
      errorType: "Error",
      errorMessage: "failed via context.fail",
      traceStart: ["Error: failed via context.fail"],
    });
    expect(invokeErrorLine(result)).toEqual({
      errorType: "Error",
      errorMessage: "failed via context.fail",
      stack: trace,
    });
  });

  it('context.fail() with nothing fails with the string "handled"', async () => {
    const result = await node.fixture.invoke("contextFailEmpty");
    expectFunctionError(result, { errorType: "string", errorMessage: "handled", trace: [] });
    expectWrappedValueLine(invokeErrorLine(result), "handled");
  });

  it("context.done(err) with a string fails with errorType string", async () => {
    const result = await node.fixture.invoke("contextDone", { fail: true });
    expectFunctionError(result, { errorType: "string", errorMessage: "done with a string", trace: [] });
    expectWrappedValueLine(invokeErrorLine(result), "done with a string");
  });

  it("a custom Error subclass: errorType is its name; its own properties appear only in the log", async () => {
    const result = await node.fixture.invoke("errorCustom");
    const trace = expectFunctionError(result, {
      errorType: "ValidationError",
      errorMessage: "invalid email",
      traceStart: ["ValidationError: invalid email"],
    });
    const line = invokeErrorLine(result);
    expect(Object.keys(line)).toEqual(["errorType", "errorMessage", "name", "field", "stack"]);
    expect(line).toEqual({
      errorType: "ValidationError",
      errorMessage: "invalid email",
      name: "ValidationError",
      field: "email",
      stack: trace,
    });
  });

  it('throwing a string: errorType "string", empty trace', async () => {
    const result = await node.fixture.invoke("errorString");
    expectFunctionError(result, { errorType: "string", errorMessage: "boom", trace: [] });
    expectWrappedValueLine(invokeErrorLine(result), "boom");
  });

  it('throwing a plain object: errorType "object", errorMessage its toString()', async () => {
    const result = await node.fixture.invoke("errorObject");
    expectFunctionError(result, { errorType: "object", errorMessage: "[object Object]", trace: [] });
    expectWrappedValueLine(invokeErrorLine(result), "[object Object]");
  });

  it('throwing a number: errorType "number"', async () => {
    const result = await node.fixture.invoke("errorNumber");
    expectFunctionError(result, { errorType: "number", errorMessage: "42", trace: [] });
    expectWrappedValueLine(invokeErrorLine(result), "42");
  });

  it("an object with string name, message and stack counts as an error", async () => {
    const result = await node.fixture.invoke("errorLike");
    expectFunctionError(result, {
      errorType: "DuckError",
      errorMessage: "quacks like an error",
      trace: ["DuckError: quacks like an error", "    at pond (pond.js:1:1)"],
    });
    // Not an Error instance: the log line wraps it (the RIC's intoError).
    expectWrappedValueLine(invokeErrorLine(result, { callbackWarning: true }), "[object Object]");
  });

  it('a promise rejected with null fails with the string "handled"', async () => {
    const result = await node.fixture.invoke("rejectNull");
    expectFunctionError(result, { errorType: "string", errorMessage: "handled", trace: [] });
    expectWrappedValueLine(invokeErrorLine(result), "handled");
  });
});
