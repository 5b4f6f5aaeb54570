// Every process an environment starts dies with it (issue 7): a grandchild that left the runtime's
// process group and session (setsid, as daemons do) is gone once its environment ends by timeout,
// by a runtime exit (reset), by idle reaping, and when Lambkin closes. Lambda ends the whole
// environment; the process sandbox kills its pid namespace and every member of its cgroup.
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { FIXTURES } from "../../conformance/harness.js";
import { commandOf, eventually, processesMarked, uniqueMarker } from "./marked-processes.js";

const HOSTILE = join(FIXTURES, "hostile");

describe("a detached grandchild dies with its environment", () => {
  let runtime: LambkinRuntime | undefined;
  afterEach(async () => {
    await runtime?.close();
    runtime = undefined;
  });

  async function start(marker: string, idleTimeoutMs?: number): Promise<LambkinRuntime> {
    runtime = await startRuntime({
      dir: HOSTILE,
      logger: pino({ level: "silent" }),
      env: { MARKER: marker },
      sandbox: "process",
      idleTimeoutMs,
    });
    return runtime;
  }

  const grandchildOf = (marker: string) => () =>
    processesMarked(marker).some((pid) => commandOf(pid).includes("sleep 1000"));

  it("at the function timeout (Sandbox.Timedout)", async () => {
    const marker = uniqueMarker("timeout");
    const lambkin = await start(marker);
    const invoking = lambkin.invoker.invoke("detachThenHang", "{}");
    await eventually(grandchildOf(marker), "the grandchild started");
    expect((await invoking).errorType).toBe("Sandbox.Timedout");
    await eventually(() => processesMarked(marker).length === 0, "nothing of the environment is left");
  });

  it("when the runtime exits (Runtime.ExitError resets the environment)", async () => {
    const marker = uniqueMarker("reset");
    const lambkin = await start(marker);
    const invoking = lambkin.invoker.invoke("detachThenExit", "{}");
    await eventually(grandchildOf(marker), "the grandchild started");
    expect((await invoking).errorType).toBe("Runtime.ExitError");
    await eventually(() => processesMarked(marker).length === 0, "nothing of the environment is left");
  });

  it("when the idle environment is reaped", async () => {
    const marker = uniqueMarker("idle");
    const lambkin = await start(marker, 500);
    expect((await lambkin.invoker.invoke("detach", "{}")).status).toBe("success");
    await eventually(grandchildOf(marker), "the grandchild started");
    await eventually(() => lambkin.pool.list().length === 0, "the idle environment was reaped");
    await eventually(() => processesMarked(marker).length === 0, "nothing of the environment is left");
  });

  it("when Lambkin closes (lambkin dev's SIGTERM path)", async () => {
    const marker = uniqueMarker("close");
    const lambkin = await start(marker);
    expect((await lambkin.invoker.invoke("detach", "{}")).status).toBe("success");
    await eventually(grandchildOf(marker), "the grandchild started");
    await lambkin.close();
    // close() resolves once the environments are gone, grandchildren included.
    expect(processesMarked(marker)).toEqual([]);
  });
});
