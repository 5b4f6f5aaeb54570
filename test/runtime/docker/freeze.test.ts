// Between invocations a docker environment is frozen, as Lambda freezes environments (§1.5): its
// processes stop in the cgroup freezer (or `docker pause` where Lambkin may not write cgroups) and
// thaw for the next invocation, which finds its state intact.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, ensureImages, startDockerRuntime } from "./docker-test-runtime.js";

/** "frozen" or "running", whichever way the container was frozen. */
async function containerState(id: string): Promise<string> {
  const info = await docker.getContainer(id).inspect();
  if (info.State.Paused) return "frozen";
  for (const path of [
    `/sys/fs/cgroup/freezer/docker/${id}/freezer.state`,
    `/sys/fs/cgroup/docker/${id}/cgroup.freeze`,
  ]) {
    try {
      const state = readFileSync(path, "utf8").trim();
      return state === "FROZEN" || state === "1" ? "frozen" : "running";
    } catch {}
  }
  return "running";
}

describe("freezing idle docker environments", () => {
  let runtime: Awaited<ReturnType<typeof startDockerRuntime>>;
  beforeAll(async () => {
    await ensureImages();
    runtime = await startDockerRuntime("probe");
  });
  afterAll(() => runtime?.close());

  it("an idle environment is frozen, and thawed by the next invocation", async () => {
    expect((await runtime.invoker.invoke("probe", "{}")).functionError).toBeUndefined();
    const [environment] = runtime.provider.environments();
    const id = environment?.id ?? "";
    await expect.poll(() => containerState(id), { timeout: 2000 }).toBe("frozen");
    const again = await runtime.invoker.invoke("probe", "{}");
    expect(again.functionError).toBeUndefined();
    expect(again.initDurationMs).toBeUndefined(); // the same, warm environment
    expect(runtime.provider.environments().map((each) => each.id)).toEqual([id]);
  });

  it("REPORT's Max Memory Used is the runtime's, not an empty container's", async () => {
    const result = await runtime.invoker.invoke("probe", "{}");
    expect(result.maxMemoryUsedMB).toBeGreaterThanOrEqual(20);
    expect(result.maxMemoryUsedMB).toBeLessThanOrEqual(256);
  });

  it("a frozen environment is removed when Lambkin stops, and the engine stays responsive", async () => {
    const own = await startDockerRuntime("probe");
    try {
      expect((await own.invoker.invoke("probe", "{}")).functionError).toBeUndefined();
      const id = own.provider.environments()[0]?.id ?? "";
      await expect.poll(() => containerState(id), { timeout: 2000 }).toBe("frozen");
    } finally {
      // A kill that does not thaw first hangs the engine's removal (and every later engine call).
      await own.close();
    }
    const engine = await Promise.race([
      docker.info().then(() => "responsive"),
      new Promise((resolve) => setTimeout(() => resolve("hung"), 10_000)),
    ]);
    expect(engine).toBe("responsive");
    expect(own.provider.environments()).toEqual([]);
  });
});
