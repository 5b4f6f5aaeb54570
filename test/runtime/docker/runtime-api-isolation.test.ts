// An environment can only reach its own Runtime API (issue #2): every Runtime API server listens on the
// bridge's gateway address, so a container could dial another environment's port and take its
// invocations — each server answers only its own container's address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureImages, startDockerRuntime } from "./docker-test-runtime.js";

describe("Runtime API isolation between containers", () => {
  let runtime: Awaited<ReturnType<typeof startDockerRuntime>>;
  beforeAll(async () => {
    await ensureImages();
    runtime = await startDockerRuntime("probe");
  });
  afterAll(() => runtime?.close());

  it("refuses another environment's calls to an environment's Runtime API", async () => {
    await runtime.invoker.invoke("probe", "{}");
    const [victim] = runtime.pool.list();
    if (!victim) throw new Error("no environment");
    const url = `http://${runtime.sandbox.runtimeApiAdvertisedHost}:${victim.runtimeApiPort}/2018-06-01/runtime/invocation/next`;
    const result = await runtime.invoker.invoke("peek", JSON.stringify({ url }));
    expect(JSON.parse(result.payload.toString())).toEqual({
      status: 403,
      body: JSON.stringify({ errorMessage: "Not this environment's Runtime API", errorType: "AccessDenied" }),
    });
    // The victim still serves its own runtime.
    expect((await runtime.invoker.invoke("probe", "{}")).functionError).toBeUndefined();
  });
});
