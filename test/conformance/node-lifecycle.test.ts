// The life of an execution environment as a Node.js function sees it (docs/lambda-behaviour.md §1.5): warm
// invocations reuse the process (module state, globals and /tmp survive), a function error does not
// end it, while a crash, a timeout, an uncaught exception, an unhandled rejection or running out of
// memory resets it — the next invocation starts a fresh process whose module state begins again.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import { type Fixture, payloadJson, startFixture } from "./harness.js";
import { expectFunctionError, expectPlatformError, expectPlatformLines } from "./log-expectations.js";

/** The lifecycle function's module counter, its process id and its environment's log stream. */
interface Counted {
  count: number;
  pid: number;
  stream: string;
}

describe("Node.js environment lifecycle", () => {
  let fixture: Fixture;
  const tmpFile = `conformance-lifecycle-${process.pid}-${Date.now()}.txt`;
  beforeAll(async () => {
    fixture = await startFixture("conformance/node");
  });
  afterAll(async () => {
    await fixture.close();
    rmSync(`/tmp/${tmpFile}`, { force: true }); // only exists where environments share the host's /tmp
  });

  function counted(result: InvokeResult): Counted {
    expect(result.functionError).toBeUndefined();
    const value = payloadJson(result) as Counted;
    expect(Object.keys(value)).toEqual(["count", "pid", "stream"]);
    return value;
  }

  /** Where the lifecycle function is now: its counter and process, after a plain invocation. */
  async function lifecycle(): Promise<Counted & { coldStart: boolean }> {
    const result = await fixture.invoke("lifecycle");
    const value = counted(result);
    return { ...value, coldStart: result.initDurationMs !== undefined };
  }

  /** After `event` ended the environment, the next invocation starts over in a new process. */
  async function expectResetBy(
    event: unknown,
    check: (result: InvokeResult, count: number) => void,
  ): Promise<void> {
    const before = await lifecycle();
    const result = await fixture.invoke("lifecycle", event);
    check(result, before.count + 1);
    const after = await lifecycle();
    expect(after).toMatchObject({ count: 1, coldStart: true });
    // A new environment (pids may repeat from one container to the next; log streams do not).
    expect(after.stream).not.toBe(before.stream);
  }

  it("warm invocations of one environment: the module counter goes 1, 2, 3", async () => {
    const fn = fixture.runtime.invoker.resolveFunction("warmCounter");
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await fixture.invoke("warmCounter"));
    expect(results.map((result) => payloadJson(result))).toEqual([{ count: 1 }, { count: 2 }, { count: 3 }]);
    expect(results.map((result) => result.initDurationMs !== undefined)).toEqual([true, false, false]);
    // One environment served all three.
    const environments = fixture.runtime.pool.list(fn);
    expect(environments).toHaveLength(1);
    expect(environments[0]?.invocations).toBe(3);
  });

  it("globals and files in /tmp survive between invocations of one environment", async () => {
    const first = await fixture.invoke("globalsAndTmp");
    expect(payloadJson(first)).toEqual({ globalVisits: 1, tmpVisits: 1 });
    const second = await fixture.invoke("globalsAndTmp");
    expect(payloadJson(second)).toEqual({ globalVisits: 2, tmpVisits: 2 });
    expectPlatformLines(second, { coldStart: false });
  });

  it("init has its own time limit: a 1.5 s init, then the invocation runs under its whole 1 s timeout", async () => {
    const result = await fixture.invoke("slowInit");
    expect(result.functionError).toBeUndefined();
    const { initMs } = payloadJson(result) as { initMs: number };
    expect(initMs).toBeGreaterThanOrEqual(1490);
    const { report } = expectPlatformLines(result, { coldStart: true });
    expect(report.initDurationMs).toBeGreaterThanOrEqual(1490);
    expect(report.durationMs).toBeLessThan(900);
  });

  it("a /tmp file written by one invocation is there for the next", async () => {
    const first = await fixture.invoke("lifecycle", { action: "tmp", file: tmpFile });
    const second = await fixture.invoke("lifecycle", { action: "tmp", file: tmpFile });
    const a = payloadJson(first) as Counted & { tmp: string };
    const b = payloadJson(second) as Counted & { tmp: string };
    expect(a.tmp).toBe("visit\n");
    expect(b).toEqual({ count: a.count + 1, pid: a.pid, stream: a.stream, tmp: "visit\nvisit\n" });
  });

  it("a function error leaves the environment as it is: same process, the counter goes on", async () => {
    const before = await lifecycle();
    const failed = await fixture.invoke("lifecycle", { action: "throw" });
    expectFunctionError(failed, {
      errorType: "Error",
      errorMessage: `non-fatal #${before.count + 1}`,
      traceStart: [`Error: non-fatal #${before.count + 1}`],
    });
    expectPlatformLines(failed, { coldStart: false });
    const after = await lifecycle();
    expect(after).toEqual({
      count: before.count + 2,
      pid: before.pid,
      stream: before.stream,
      coldStart: false,
    });
  });

  it("process.exit(7) fails with Runtime.ExitError 'exit status 7' and resets the environment", async () => {
    await expectResetBy({ action: "exit" }, (result) => {
      expectPlatformError(
        result,
        "Runtime.ExitError",
        `RequestId: ${result.requestId} Error: Runtime exited with error: exit status 7`,
        "crash",
      );
    });
  });

  it("a timeout (Sandbox.Timedout) resets the environment; the next invocation works", async () => {
    await expectResetBy({ action: "hang" }, (result) => {
      expectPlatformError(
        result,
        "Sandbox.Timedout",
        `RequestId: ${result.requestId} Error: Task timed out after 1.00 seconds`,
        "timeout",
      );
      expect(result.durationMs).toBeGreaterThanOrEqual(1000);
    });
  });

  it("an uncaught exception fails the invocation, then the process exits: fresh environment", async () => {
    await expectResetBy({ action: "uncaught" }, (result, count) => {
      expectFunctionError(result, {
        errorType: "Error",
        errorMessage: `uncaught #${count}`,
        traceStart: [`Error: uncaught #${count}`],
      });
    });
  });

  it("an unhandled rejection fails the invocation, then the process exits: fresh environment", async () => {
    await expectResetBy({ action: "reject" }, (result, count) => {
      expectFunctionError(result, {
        errorType: "Runtime.UnhandledPromiseRejection",
        errorMessage: `Error: rejected #${count}`,
        traceStart: [`Runtime.UnhandledPromiseRejection: Error: rejected #${count}`],
      });
    });
  });

  it("running out of memory (signal: killed) resets the environment", async () => {
    await expectResetBy({ action: "oom" }, (result) => {
      expectPlatformError(
        result,
        "Runtime.ExitError",
        `RequestId: ${result.requestId} Error: Runtime exited with error: signal: killed`,
        "crash",
      );
    });
  });
});
