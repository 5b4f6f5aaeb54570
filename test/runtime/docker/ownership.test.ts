// No container outlives Lambkin (issue #4): every container carries its owner's labels; a Lambkin that
// stops removes all of its own (environments and standbys); containers left by a Lambkin that was
// SIGKILLed are removed when the next one starts, while those of a Lambkin still running are kept.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createSandboxProvider } from "../../../runtime/sandbox/sandbox-factory.js";
import {
  containersLabelled,
  DOCKER_FIXTURES,
  ensureImages,
  startDockerRuntime,
} from "./docker-test-runtime.js";

/** Runs hold-environment.mjs until it reports, then SIGKILLs it; returns the dead owner's id. */
async function crashedLambkin(): Promise<string> {
  const child = spawn(process.execPath, [join(DOCKER_FIXTURES, "hold-environment.mjs")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ownerId = await new Promise<string>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`hold-environment exited early (${code})`)));
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
  return ownerId;
}

describe("container ownership", () => {
  beforeAll(ensureImages);

  it("after close, none of the containers of that Lambkin remains, standbys included", async () => {
    const runtime = await startDockerRuntime("probe");
    await runtime.invoker.invoke("probe", "{}");
    const owner = `lambkin.owner=${runtime.provider.owner.id}`;
    // The environment, and the standby prepared for the next cold start of the function.
    await expect.poll(() => containersLabelled(owner).then((ids) => ids.length), { timeout: 10_000 }).toBe(2);
    await runtime.close();
    expect(await containersLabelled(owner)).toEqual([]);
  });

  it("containers left by a Lambkin killed with SIGKILL are removed when the next one starts", async () => {
    const deadOwner = await crashedLambkin();
    const owner = `lambkin.owner=${deadOwner}`;
    // The busy and the frozen environment survive their Lambkin (the standby ends on its own).
    expect((await containersLabelled(owner)).length).toBeGreaterThanOrEqual(2);
    const provider = await createSandboxProvider({ kind: "docker" });
    try {
      expect(await containersLabelled(owner)).toEqual([]);
    } finally {
      await provider.close();
    }
  });

  it("the containers of a Lambkin that still runs are left alone", async () => {
    const running = await startDockerRuntime("probe");
    try {
      await running.invoker.invoke("probe", "{}");
      const owner = `lambkin.owner=${running.provider.owner.id}`;
      const before = await containersLabelled(owner);
      const other = await createSandboxProvider({ kind: "docker" });
      await other.close();
      expect(await containersLabelled(owner)).toEqual(expect.arrayContaining(before));
      expect((await running.invoker.invoke("probe", "{}")).functionError).toBeUndefined();
    } finally {
      await running.close();
    }
  });
});
