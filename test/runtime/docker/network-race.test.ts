// Several Lambkins starting at once on an engine that does not have their network yet: Docker 20.10
// lets concurrent createNetwork calls make two networks of one name, after which every use of the name
// fails as "ambiguous". Each Lambkin must still run its function, and the engine must end with one
// network of that name. An engine that already has duplicates (left by an older Lambkin) is healed.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { startRuntime } from "../../../runtime/lambkin-runtime.js";
import { MANAGED_LABEL } from "../../../runtime/sandbox/docker/ownership.js";
import { freshStateDir } from "../../support/state-dir.js";
import { docker, ensureImages } from "./docker-test-runtime.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const HELLO = join(ROOT, "functions", "hello");
const LAMBKINS = 4;

function invokeHelloInDocker(network: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin", "lambkin.js"), "invoke", "hello", "--dir", HELLO],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          NO_COLOR: "1",
          LAMBKIN_SANDBOX: "docker",
          LAMBKIN_DOCKER_NETWORK: network,
          LAMBKIN_STATE_DIR: freshStateDir(),
        },
        timeout: 120_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function networkIdsNamed(name: string): Promise<string[]> {
  const networks = await docker.listNetworks({ filters: { name: [name] } });
  return networks.filter((network) => network.Name === name).map((network) => network.Id);
}

const created: string[] = [];
function freshName(): string {
  const name = `lambkin-race-${randomBytes(4).toString("hex")}`;
  created.push(name);
  return name;
}

afterEach(async () => {
  for (const name of created.splice(0)) {
    for (const id of await networkIdsNamed(name))
      await docker
        .getNetwork(id)
        .remove()
        .catch(() => undefined);
  }
});

describe("the sandbox network", () => {
  beforeAll(ensureImages, 300_000);

  it(`${LAMBKINS} Lambkins starting together on a new network name all run, and leave one network`, async () => {
    const network = freshName();
    expect(await networkIdsNamed(network)).toEqual([]);
    const runs = await Promise.all(Array.from({ length: LAMBKINS }, () => invokeHelloInDocker(network)));
    for (const run of runs) {
      expect(run.stderr).not.toMatch(/ambiguous/);
      expect(run).toMatchObject({ code: 0, stdout: '"Hello lambda"\n' });
    }
    expect(await networkIdsNamed(network)).toHaveLength(1);
  }, 180_000);

  it("heals an engine that already has two networks of the name: uses the oldest, removes the other", async () => {
    const network = freshName();
    const options = {
      Name: network,
      Driver: "bridge",
      CheckDuplicate: false,
      Labels: { [MANAGED_LABEL]: "true" },
    };
    const oldest = (await docker.createNetwork(options)).id;
    await docker.createNetwork(options);
    expect(await networkIdsNamed(network)).toHaveLength(2);
    const run = await invokeHelloInDocker(network);
    expect(run).toMatchObject({ code: 0, stdout: '"Hello lambda"\n' });
    expect(await networkIdsNamed(network)).toEqual([oldest]);
  }, 120_000);

  it("a duplicate that appears while Lambkin runs (another Lambkin racing) does not fail a container: the engine is healed", async () => {
    const network = freshName();
    const saved = {
      network: process.env.LAMBKIN_DOCKER_NETWORK,
      standby: process.env.LAMBKIN_DOCKER_STANDBY,
    };
    process.env.LAMBKIN_DOCKER_NETWORK = network;
    process.env.LAMBKIN_DOCKER_STANDBY = "0";
    const runtime = await startRuntime({
      dir: HELLO,
      logger: pino({ level: "silent" }),
      env: {},
      sandbox: "docker",
    });
    try {
      expect((await runtime.invoker.invoke("hello", "{}")).functionError).toBeUndefined();
      const [elected] = await networkIdsNamed(network);
      // What a racing Lambkin leaves for a moment: Docker 20.10 then calls the name ambiguous, even for a
      // container attached by id.
      await docker.createNetwork({
        Name: network,
        CheckDuplicate: false,
        Labels: { [MANAGED_LABEL]: "true" },
      });
      expect(await networkIdsNamed(network)).toHaveLength(2);
      const greeted = await runtime.invoker.invoke("greet", JSON.stringify({ name: "Ada" }));
      expect(greeted.functionError, greeted.payload.toString()).toBeUndefined();
      expect(greeted.payload.toString()).toBe('"Hello Ada"');
      expect(await networkIdsNamed(network)).toEqual([elected]);
    } finally {
      await runtime.close();
      for (const [key, value] of [
        ["LAMBKIN_DOCKER_NETWORK", saved.network],
        ["LAMBKIN_DOCKER_STANDBY", saved.standby],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  }, 120_000);
});
