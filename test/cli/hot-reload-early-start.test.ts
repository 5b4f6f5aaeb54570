// `lambkin dev` starts the new code's environment during a save's debounce (cli/dev/early-start.ts), on a real
// process and real files: a source-only save is served by that environment once the reload adopts it; a second
// write inside the debounce makes it a wasted start, never a wrong one (the intermediate code is never served);
// a serverless.yml edit is left to the reload.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  eventually,
  get,
  handlerSource,
  manifestSource,
  removeFolder,
  saveByRename,
  serviceFolder,
} from "../../bench/hot-reload-services.js";
import { stopLambkin } from "./cluster-process.js";
import { type DevProcess, startDev } from "./dev-process.js";

let dev: DevProcess | undefined;
let root: string | undefined;

afterEach(async () => {
  await stopLambkin(dev);
  dev = undefined;
  await removeFolder(root);
  root = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function reloadLines(): string[] {
  return (dev?.output() ?? "").split("\n").filter((line) => line.includes("reload in "));
}

/** Polls the function until it answers `version`, and returns every version seen on the way. */
async function pollUntil(url: string, version: string): Promise<{ seen: string[]; served?: number }> {
  const seen: string[] = [];
  return eventually(async () => {
    const answer = await get(url);
    seen.push(answer.version ?? `status ${answer.status}`);
    return answer.version === version ? { seen, served: answer.served } : undefined;
  }, `${url} answers ${version}`);
}

describe("lambkin dev: the new code's environment starts during the debounce", () => {
  it("serves a source-only save from the environment started ahead; a manifest edit waits for the reload", async () => {
    root = await serviceFolder("hr-early", [{ name: "alpha" }]);
    dev = await startDev(root, {}, ["--verbose"]);
    const url = `${dev.url}/alpha`;
    expect(await get(url)).toMatchObject({ version: "v1", served: 1 });
    // The first save also starts the syntax checker, which the early start and the reload wait for.
    saveByRename(join(root, "alpha", "handler.js"), handlerSource("v2"));
    expect(await pollUntil(url, "v2")).toMatchObject({ served: 1 });
    await eventually(async () => reloadLines().length === 1 || undefined, "the first reload line");
    expect(reloadLines()[0]).toMatch(/1 new environment\(s\) started during the debounce/);
    await sleep(200);
    const coldStarts = () => (dev?.output() ?? "").match(/Init Duration/g)?.length ?? 0;
    const coldBefore = coldStarts();

    saveByRename(join(root, "alpha", "handler.js"), handlerSource("v3"));
    expect(await pollUntil(url, "v3")).toMatchObject({ served: 1 });
    await eventually(async () => reloadLines().length === 2 || undefined, "the second reload line");
    expect(reloadLines()[1]).toMatch(/1 new environment\(s\) started during the debounce/);
    // That environment served: one cold start of the new code, not two (REPORT lines with an Init Duration).
    expect(await get(url)).toMatchObject({ version: "v3", served: 2 });
    await sleep(200);
    expect(coldStarts() - coldBefore).toBe(1);

    // A serverless.yml edit changes what the definition is: never started ahead on the old one.
    saveByRename(
      join(root, "alpha", "serverless.yml"),
      manifestSource({ name: "alpha" }).replace(
        "runtime: nodejs20.x",
        "runtime: nodejs20.x\n  memorySize: 256",
      ),
    );
    await eventually(async () => reloadLines().length === 3 || undefined, "the manifest's reload");
    expect(reloadLines()[2]).not.toMatch(/started during the debounce/);
    expect(await get(url)).toMatchObject({ version: "v3", served: 1 });
  });

  it("never serves code that a second write inside the debounce replaced", async () => {
    root = await serviceFolder("hr-early-twice", [{ name: "alpha" }]);
    dev = await startDev(root);
    const url = `${dev.url}/alpha`;
    expect(await get(url)).toMatchObject({ version: "v1", served: 1 });
    const file = join(root, "alpha", "handler.js");
    let oneBatchRounds = 0;
    for (let round = 1; round <= 4; round++) {
      const reloadsBefore = reloadLines().length;
      // Quiet long enough for an early start of the first write, short of the debounce that closes the batch.
      saveByRename(file, handlerSource(`draft-${round}`));
      await sleep(25);
      saveByRename(file, handlerSource(`final-${round}`));
      const polled = await pollUntil(url, `final-${round}`);
      expect(polled.served).toBe(1);
      await sleep(200);
      // A stalled test process can space the writes past the debounce: the draft is then a reload of its own,
      // and may be served. Within one reload, it never is.
      const reloads = reloadLines().length - reloadsBefore;
      if (reloads === 1) oneBatchRounds++;
      if (reloads === 1) expect(polled.seen.filter((version) => version.startsWith("draft"))).toEqual([]);
    }
    expect(oneBatchRounds).toBeGreaterThan(0);
  });
});
