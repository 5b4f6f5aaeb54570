// Which functions `--inspect` debugs and on which ports, from real manifests (the inspect fixture's two Node
// functions and the shell-runtime fixture's provided.al2023 ones), and how InspectorPorts hands ports out.
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { planInspection } from "../../../runtime/debugging/inspect-plan.js";
import { inspectRequestFrom } from "../../../runtime/debugging/inspect-request.js";
import { InspectorPorts } from "../../../runtime/debugging/inspector-ports.js";
import type { FunctionDefinition } from "../../../runtime/manifest/function-definition.js";
import { loadServices } from "../../../runtime/manifest/load-services.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");

async function functions(): Promise<FunctionDefinition[]> {
  const node = await loadServices(join(FIXTURES, "inspect"));
  const shell = await loadServices(join(FIXTURES, "custom-runtimes", "shell"));
  return [...node.functions, ...shell.functions];
}

describe("planInspection", () => {
  it("numbers ports by the function's index among all functions in sorted order, by name or key", async () => {
    const all = await functions();
    const sorted = all.map((fn) => fn.name).sort();
    const plan = planInspection(
      inspectRequestFrom(["slow,inspect-dev-other", "slow"], "40000", {}) ?? { functions: [], basePort: 0 },
      all,
      "process",
    );
    expect([...plan.inspected.keys()].sort()).toEqual(["inspect-dev-other", "inspect-dev-slow"]);
    expect(plan.inspected.get("inspect-dev-slow")?.port).toBe(40000 + sorted.indexOf("inspect-dev-slow"));
    expect(plan.inspected.get("inspect-dev-other")?.port).toBe(40000 + sorted.indexOf("inspect-dev-other"));
    expect(plan.warnings).toEqual([]);
  });

  it("a bare --inspect takes every Node function, and only those", async () => {
    const plan = planInspection({ functions: "all", basePort: 9229 }, await functions(), "process");
    expect([...plan.inspected.keys()].sort()).toEqual(["inspect-dev-other", "inspect-dev-slow"]);
    expect(plan.warnings).toEqual([]);
  });

  it("warns, coded, for a function that is not Node, and leaves it out", async () => {
    const plan = planInspection(
      { functions: ["echo", "slow"], basePort: 9229 },
      await functions(),
      "process",
    );
    expect([...plan.inspected.keys()]).toEqual(["inspect-dev-slow"]);
    expect(plan.warnings.map((warning) => warning.code)).toEqual(["LKN_WRN_INSPECT_RUNTIME_NOT_NODE"]);
    expect(plan.warnings[0]?.message).toContain("provided.al2023");
  });

  it("warns, coded, that the docker sandbox cannot be debugged, and inspects nothing there", async () => {
    const plan = planInspection({ functions: "all", basePort: 9229 }, await functions(), "docker");
    expect(plan.inspected.size).toBe(0);
    expect(plan.warnings.map((warning) => warning.code)).toEqual([
      "LKN_WRN_INSPECT_NEEDS_PROCESS_SANDBOX",
      "LKN_WRN_INSPECT_NEEDS_PROCESS_SANDBOX",
    ]);
  });

  it("refuses an unknown function and a base port with no room, with codes", async () => {
    const all = await functions();
    expect(() => planInspection({ functions: ["nosuch"], basePort: 9229 }, all, "process")).toThrow(
      expect.objectContaining({ code: "LKN_ERR_CONFIG_INSPECT_FUNCTION" }),
    );
    expect(() => planInspection({ functions: "all", basePort: 65535 }, all, "process")).toThrow(
      expect.objectContaining({ code: "LKN_ERR_CONFIG_INSPECT_PORT" }),
    );
  });
});

describe("inspectRequestFrom", () => {
  it("joins comma lists and repeated flags; `*` is every function; the port comes from the flag, else the environment, else 9229", () => {
    expect(inspectRequestFrom(["a,b", "c", "a"], undefined, {})).toEqual({
      functions: ["a", "b", "c"],
      basePort: 9229,
    });
    expect(inspectRequestFrom(["*"], undefined, { LAMBKIN_INSPECT_PORT: "9300" })).toEqual({
      functions: "all",
      basePort: 9300,
    });
    expect(inspectRequestFrom(undefined, undefined, {})).toBeUndefined();
  });

  it("--inspect-brk adds its functions, which break on start", async () => {
    const request = inspectRequestFrom(["other"], undefined, {}, ["slow"]);
    expect(request).toEqual({ functions: ["other", "slow"], breakOnStart: ["slow"], basePort: 9229 });
    const plan = planInspection(request ?? { functions: [], basePort: 0 }, await functions(), "process");
    expect(plan.inspected.get("inspect-dev-slow")?.breakOnStart).toBe(true);
    expect(plan.inspected.get("inspect-dev-other")?.breakOnStart).toBe(false);
  });

  it("refuses bad ports and --inspect-port without --inspect, with a code", () => {
    for (const port of ["80", "70000", "92x9", "-1"]) {
      expect(() => inspectRequestFrom(["*"], port, {})).toThrow(
        expect.objectContaining({ code: "LKN_ERR_CONFIG_INSPECT_PORT" }),
      );
    }
    expect(() => inspectRequestFrom(undefined, "9229", {})).toThrow(
      expect.objectContaining({ code: "LKN_ERR_CONFIG_INSPECT_PORT" }),
    );
  });
});

describe("InspectorPorts", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /** A port held by a listener of the test's, with the next one free. */
  async function listeningOnFreeBlock(): Promise<number> {
    for (;;) {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen({ port: 0, host: "127.0.0.1" }, resolve));
      servers.push(server);
      const port = (server.address() as { port: number }).port;
      if (port < 65535 && (await isFree(port + 1))) return port;
    }
  }

  function isFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const probe = createServer();
      probe.once("error", () => resolve(false));
      probe.listen({ port, host: "127.0.0.1" }, () => probe.close(() => resolve(true)));
    });
  }

  it("own port first; a concurrent environment the next one not reserved by another function; a taken port skipped", async () => {
    const taken = await listeningOnFreeBlock();
    // `a` owns a taken port; `b` owns the one after it.
    const ports = new InspectorPorts(
      new Map([
        ["a", taken],
        ["b", taken + 1],
      ]),
    );
    const first = await ports.lease("a");
    expect(first?.kind).toBe("taken");
    expect(first?.port).toBeGreaterThan(taken + 1); // neither the taken one nor b's
    const own = await ports.lease("b");
    expect(own).toMatchObject({ kind: "own", port: taken + 1 });
    const second = await ports.lease("b");
    expect(second?.kind).toBe("next");
    expect(second?.port).not.toBe(first?.port);
    own?.release();
    expect(await ports.lease("b")).toMatchObject({ kind: "own", port: taken + 1 });
    expect(await ports.lease("not-inspected")).toBeUndefined();
  });
});
