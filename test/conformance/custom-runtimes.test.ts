// Any runtime that speaks the Runtime API works (docs/lambda-behaviour.md §1.5, §1.6): AWS's shell
// walkthrough bootstrap (curl, bash syntax under #!/bin/sh) and a standard-library Python runtime.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, payloadJson, startFixture } from "./harness.js";

describe("AWS's custom-runtime walkthrough (shell + curl)", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture("custom-runtimes/shell");
  });
  afterAll(() => fixture.close());

  it("returns the function's plain-text output verbatim", async () => {
    const result = await fixture.invoke("echo", { key1: "value1" });
    expect(result.functionError).toBeUndefined();
    expect(result.payload.toString()).toBe(`Echoing request: '{"key1":"value1"}'`);
    // The walkthrough's handler echoes the event on stderr: it is part of the invocation's log.
    expect(result.logTail.text()).toContain('{"key1":"value1"}');
  });

  it("reuses the environment: same bootstrap process, state kept in /tmp", async () => {
    const first = payloadJson(await fixture.invoke("counter")) as { count: number; pid: number };
    const second = payloadJson(await fixture.invoke("counter")) as { count: number; pid: number };
    expect(second.pid).toBe(first.pid);
    expect(second.count).toBe(first.count + 1);
  });

  it("a script that dies under set -e ends in Runtime.ExitError, and the next invocation starts fresh", async () => {
    const crashed = await fixture.invoke("crash");
    expect(crashed.functionError).toBe("Unhandled");
    expect(payloadJson(crashed)).toEqual({
      errorType: "Runtime.ExitError",
      errorMessage: `RequestId: ${crashed.requestId} Error: Runtime exited with error: exit status 1`,
    });
    const echo = await fixture.invoke("echo", { after: "crash" });
    expect(echo.payload.toString()).toBe(`Echoing request: '{"after":"crash"}'`);
  });
});

describe("a custom runtime in Python (standard library only)", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture("custom-runtimes/python");
  });
  afterAll(() => fixture.close());

  it("receives the event and the invocation metadata", async () => {
    const result = await fixture.invoke("python-runtime-dev-echo", { a: [1, 2] });
    expect(payloadJson(result)).toEqual({
      echo: { a: [1, 2] },
      requestId: result.requestId,
      arn: "arn:aws:lambda:us-east-1:000000000000:function:python-runtime-dev-echo",
    });
    expect(result.logTail.text()).toContain("python got {'a': [1, 2]}");
  });

  it("keeps module state between invocations of one environment", async () => {
    const first = payloadJson(await fixture.invoke("warm")) as { invocations: number; pid: number };
    const second = payloadJson(await fixture.invoke("warm")) as { invocations: number; pid: number };
    expect(second).toEqual({ invocations: first.invocations + 1, pid: first.pid });
  });

  it("passes the runtime's error body through as the invoke error", async () => {
    const result = await fixture.invoke("fail");
    expect(result.functionError).toBe("Unhandled");
    expect(payloadJson(result)).toMatchObject({ errorType: "ValueError", errorMessage: "python says no" });
  });

  it("reports a deadline in the future, under the function timeout", async () => {
    const { remainingMs } = payloadJson(await fixture.invoke("remaining")) as { remainingMs: number };
    expect(remainingMs).toBeGreaterThan(0);
    expect(remainingMs).toBeLessThanOrEqual(3000);
  });

  it("an init failure posted to /init/error is the invocation's error", async () => {
    const result = await fixture.invoke("missing");
    expect(result.functionError).toBe("Unhandled");
    expect(payloadJson(result)).toMatchObject({
      errorType: "ModuleNotFoundError",
      errorMessage: "No module named 'nosuchmodule'",
    });
  });
});
