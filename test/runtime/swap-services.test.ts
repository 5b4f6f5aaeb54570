// LambkinRuntime.swapServices (what `lambkin dev`'s reload calls): environments of definitions no longer current
// are retired, those of untouched services stay warm, recycled functions are prewarmed, and reservations the
// account cannot spare are refused before anything changes.
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { handlerSource, removeFolder, saveByRename, serviceFolder } from "../../bench/hot-reload-services.js";
import { type LambkinRuntime, startRuntime } from "../../runtime/lambkin-runtime.js";
import { computeCodeRevision, revisionsOf, withRevisions } from "../../runtime/revision/code-revision.js";
import { ServiceEndpoints } from "../../runtime/sandbox/service-endpoints.js";

let runtime: LambkinRuntime | undefined;
let root: string | undefined;

afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  await removeFolder(root);
  root = undefined;
});

async function body(name: string): Promise<{ version: string; served: number }> {
  const result = await (runtime as LambkinRuntime).invoker.invoke(name, "{}");
  return JSON.parse(JSON.parse(result.payload.toString()).body);
}

/** What the reloader does: load again, hash the folders, keep the definitions of unchanged ones. */
async function reloaded(rt: LambkinRuntime) {
  const loaded = await rt.loadServices();
  const fresh = withRevisions(loaded.functions, await revisionsOf(loaded.functions));
  const before = new Map(rt.services.functions.map((fn) => [fn.name, fn]));
  const functions = fresh.map((fn) => {
    const old = before.get(fn.name);
    return old && old.codeRevision?.codeSha256 === fn.codeRevision?.codeSha256 ? old : fn;
  });
  return { ...loaded, functions };
}

async function waitFor(condition: () => boolean | undefined): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  if (!condition()) throw new Error("condition never held");
}

describe("swapServices", () => {
  it("retires the edited service's environments only, and prewarms the recycled function", async () => {
    root = await serviceFolder("swap", [{ name: "edited" }, { name: "kept" }]);
    runtime = await startRuntime({ dir: root, logger: pino({ level: "silent" }) });
    expect(await body("edited-dev-edited")).toMatchObject({ version: "v1", served: 1 });
    expect(await body("kept-dev-kept")).toMatchObject({ served: 1 });
    const keptEnvironment = runtime.pool.list(runtime.registry.resolve("kept-dev-kept"))[0];

    saveByRename(join(root, "edited", "handler.js"), handlerSource("v2"));
    const retired = runtime.swapServices(await reloaded(runtime), { prewarm: () => true });
    expect(retired).toBe(1);
    // The kept service's environment is the same object, and its module state goes on.
    expect(runtime.pool.list(runtime.registry.resolve("kept-dev-kept"))).toEqual([keptEnvironment]);
    expect(await body("kept-dev-kept")).toMatchObject({ served: 2 });
    const result = await runtime.invoker.invoke("edited-dev-edited", "{}");
    expect(JSON.parse(JSON.parse(result.payload.toString()).body)).toMatchObject({
      version: "v2",
      served: 1,
    });
    expect(result.codeRevision).toBe(runtime.registry.resolve("edited-dev-edited")?.codeRevision?.codeSha256);
    // The prewarmed environment served it: no second environment of the new revision was started.
    const edited = runtime.pool.list(runtime.registry.resolve("edited-dev-edited"));
    const current = edited.filter(
      (environment) => environment.fn === runtime?.registry.resolve("edited-dev-edited"),
    );
    expect(current).toHaveLength(1);
  });

  it("serves from the environment started ahead once the swap makes its definition current", async () => {
    root = await serviceFolder("swap-ahead", [{ name: "edited" }]);
    runtime = await startRuntime({ dir: root, logger: pino({ level: "silent" }) });
    expect(await body("edited-dev-edited")).toMatchObject({ version: "v1", served: 1 });
    // A reload that changes nothing: the pool now judges new environments by the current set.
    expect(runtime.swapServices(await reloaded(runtime))).toBe(0);
    const base = runtime.registry.resolve("edited-dev-edited");
    if (!base) throw new Error("no edited function");
    saveByRename(join(root, "edited", "handler.js"), handlerSource("v2"));
    const ahead = { ...base, codeRevision: await computeCodeRevision(base.serviceDir) };
    expect(runtime.startAhead([ahead]).map((fn) => fn.name)).toEqual(["edited-dev-edited"]);
    await waitFor(() => runtime?.pool.list().some((env) => env.fn === ahead && env.state === "ready"));
    // Not current yet: the registry still resolves the old definition, and its environment answers.
    expect(await body("edited-dev-edited")).toMatchObject({ version: "v1", served: 2 });

    const next = await reloaded(runtime);
    runtime.swapServices(
      { ...next, functions: next.functions.map((fn) => (fn.name === ahead.name ? ahead : fn)) },
      { prewarm: () => true },
    );
    expect(await body("edited-dev-edited")).toMatchObject({ version: "v2", served: 1 });
    expect(await body("edited-dev-edited")).toMatchObject({ version: "v2", served: 2 });
    // The swap's prewarm found it: one environment of the new revision, no second start.
    await waitFor(() => runtime?.pool.list().every((env) => env.fn === ahead));
    expect(runtime.pool.list()).toHaveLength(1);
  });

  it("ends an environment started ahead that the swap does not make current", async () => {
    root = await serviceFolder("swap-ahead-dropped", [{ name: "edited" }]);
    runtime = await startRuntime({ dir: root, logger: pino({ level: "silent" }) });
    expect(await body("edited-dev-edited")).toMatchObject({ version: "v1", served: 1 });
    const base = runtime.registry.resolve("edited-dev-edited");
    if (!base) throw new Error("no edited function");
    saveByRename(join(root, "edited", "handler.js"), handlerSource("draft"));
    const ahead = { ...base, codeRevision: await computeCodeRevision(base.serviceDir) };
    runtime.startAhead([ahead]);
    await waitFor(() => runtime?.pool.list().some((env) => env.fn === ahead && env.state === "ready"));
    const started = runtime.pool.list().find((env) => env.fn === ahead);

    saveByRename(join(root, "edited", "handler.js"), handlerSource("final"));
    runtime.swapServices(await reloaded(runtime), { prewarm: () => true });
    expect(await body("edited-dev-edited")).toMatchObject({ version: "final", served: 1 });
    await waitFor(() => !runtime?.pool.list().includes(started as never));
    expect(runtime.pool.list().map((env) => env.fn.codeRevision?.codeSha256)).toEqual([
      runtime.registry.resolve("edited-dev-edited")?.codeRevision?.codeSha256,
    ]);
  });

  it("changeServiceEndpoints: the next invocation runs in a new environment, not the recycled one", async () => {
    root = await serviceFolder("swap-endpoints", [{ name: "edited" }]);
    runtime = await startRuntime({ dir: root, logger: pino({ level: "silent" }) });
    expect(await body("edited-dev-edited")).toMatchObject({ served: 1 });
    expect(await body("edited-dev-edited")).toMatchObject({ served: 2 });
    const before = runtime.pool.list();
    expect(runtime.changeServiceEndpoints(ServiceEndpoints.of({ DYNAMODB: "http://127.0.0.1:1" }))).toBe(1);
    // At once, not only once the recycled environment has ended: it takes no new invocation.
    expect(await body("edited-dev-edited")).toMatchObject({ served: 1 });
    await waitFor(() => runtime?.pool.list().every((env) => !before.includes(env)));
  });

  it("refuses reservations the account cannot spare and changes nothing", async () => {
    root = await serviceFolder("swap-refused", [{ name: "only" }]);
    runtime = await startRuntime({ dir: root, logger: pino({ level: "silent" }), accountConcurrency: 10 });
    const before = runtime.registry.all();
    const next = await reloaded(runtime);
    const greedy = { ...next, functions: next.functions.map((fn) => ({ ...fn, reservedConcurrency: 10 })) };
    expect(() => runtime?.swapServices(greedy)).toThrow(/reservedConcurrency adds up to 10/);
    expect(runtime.registry.all()).toBe(before);
  });
});
