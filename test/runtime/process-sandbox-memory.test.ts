// memorySize is enforced by the process sandbox with a memory cgroup where the host allows it, and
// by watching RSS where it does not (LAMBKIN_MEMORY_CGROUPS=false forces that path here). Either
// way the invocation ends as on Lambda: Runtime.ExitError / signal: killed, and the next one works.
import { afterEach, describe, expect, it } from "vitest";
import { type Fixture, payloadJson, startFixture } from "../conformance/harness.js";

describe.each(["cgroup", "rss"] as const)("process sandbox memory limit (%s)", (mode) => {
  let fixture: Fixture;
  afterEach(async () => {
    await fixture?.close();
    delete process.env.LAMBKIN_MEMORY_CGROUPS;
  });

  it("kills an environment that goes over memorySize with signal: killed", async () => {
    if (mode === "rss") process.env.LAMBKIN_MEMORY_CGROUPS = "false";
    fixture = await startFixture("conformance/node", { sandbox: "process" });
    const result = await fixture.invoke("memoryBlowup");
    expect(result.functionError).toBe("Unhandled");
    expect(payloadJson(result)).toEqual({
      errorType: "Runtime.ExitError",
      errorMessage: `RequestId: ${result.requestId} Error: Runtime exited with error: signal: killed`,
    });
    expect(result.maxMemoryUsedMB).toBeGreaterThanOrEqual(100);
    expect(result.logTail.text()).toContain(
      `Memory Size: 128 MB\tMax Memory Used: ${result.maxMemoryUsedMB} MB`,
    );
    const next = await fixture.invoke("warmCounter");
    expect(payloadJson(next)).toEqual({ count: 1 });
  });
});
