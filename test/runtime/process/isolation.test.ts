// The isolated process sandbox (issue 7), attacked from inside by the hostile fixture's functions:
// a function runs as an unprivileged user of its own, sees none of Lambkin's processes or environment,
// none of the host's secrets, files outside its service or the Docker socket, cannot write its code,
// has a /tmp of its own, and cannot reach another environment's Runtime API (the victim's invocation
// still gets its own answer). Needs root and bubblewrap, as the isolated sandbox does.
import { writeFileSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import type { ProcessSandboxProvider } from "../../../runtime/sandbox/process/process-sandbox.js";
import { DEFAULT_UID_BASE, UID_RANGE_SIZE } from "../../../runtime/sandbox/process/sandbox-users.js";
import { FIXTURES, payloadJson } from "../../conformance/harness.js";

const HOSTILE = join(FIXTURES, "hostile");
const REPOSITORY = join(import.meta.dirname, "..", "..", "..");
const SECRET = `AKIDSECRET${process.pid}:lambkin-secret-${Date.now()}`;

let runtime: LambkinRuntime;
const invoke = async (fn: string, event: unknown = {}): Promise<unknown> => {
  const result: InvokeResult = await runtime.invoker.invoke(fn, JSON.stringify(event));
  expect(result.functionError, result.payload.toString()).toBeUndefined();
  return payloadJson(result);
};

beforeAll(async () => {
  // What Lambkin holds that a function must never see (in the environment of the process running it).
  process.env.LAMBKIN_ACCESS_KEYS = SECRET;
  runtime = await startRuntime({
    dir: HOSTILE,
    logger: pino({ level: "silent" }),
    env: {},
    sandbox: "process",
  });
  expect((runtime.sandbox as ProcessSandboxProvider).isolated, "this host isolates (root, bwrap)").toBe(true);
});
afterAll(async () => {
  await runtime?.close();
  delete process.env.LAMBKIN_ACCESS_KEYS;
});

describe("an isolated environment", () => {
  it("runs as an unprivileged uid of its own, with no groups", async () => {
    const me = (await invoke("whoami")) as { uid: number; gid: number; groups: number[] };
    expect(me.uid).toBeGreaterThanOrEqual(DEFAULT_UID_BASE);
    expect(me.uid).toBeLessThan(DEFAULT_UID_BASE + UID_RANGE_SIZE);
    expect(me.gid).toBe(me.uid);
    expect(me.groups).toEqual([me.gid]);
  });

  it("sees neither Lambkin nor its secrets, the host's secrets, other files, nor the Docker socket; cannot write its code", async () => {
    const report = (await invoke("snoop", {
      secret: SECRET,
      outsideFiles: [join(REPOSITORY, "package.json"), "/etc/shadow", `/proc/${process.pid}/environ`],
    })) as Record<string, unknown> & { pids: string[] };
    // Its own pid namespace: bwrap's init (1), the runtime (2), nothing of the host's.
    expect(report.pids.length).toBeLessThan(5);
    expect(report.environWithSecret).toEqual([]);
    expect(report.shadow).toMatchObject({ ok: false });
    expect(report.outsideFiles).toEqual({
      [join(REPOSITORY, "package.json")]: { ok: false, error: "ENOENT" },
      "/etc/shadow": { ok: false, error: "EACCES" },
      [`/proc/${process.pid}/environ`]: expect.objectContaining({ ok: false }),
    });
    expect(report.rootHome).toEqual({ ok: false, error: "ENOENT" });
    expect(report.dockerSocket).toEqual({ ok: false, error: "ENOENT" });
    expect(report.writeOwnCode).toMatchObject({ ok: false });
    expect(report.createInCode).toMatchObject({ ok: false });
  });

  /**
   * A checkout under the host's /tmp (a CI clone) has its code mounted at its host path, so the folder
   * leading to it shows in the environment's /tmp: that one entry is the code, not the host's /tmp.
   */
  function withoutCodeMount(entries: string[]): string[] {
    const [, top, first] = HOSTILE.split("/");
    return top === "tmp" ? entries.filter((entry) => entry !== first) : entries;
  }

  it("has a /tmp of its own: not the host's, not another environment's", async () => {
    const hostFile = `lambkin-host-tmp-${process.pid}`;
    writeFileSync(join("/tmp", hostFile), "host");
    try {
      const written = (await invoke("writeTmp", { name: "mine.txt", content: "secret" })) as string[];
      expect(withoutCodeMount(written)).toEqual(["mine.txt"]);
      expect(withoutCodeMount((await invoke("readTmp")) as string[])).toEqual([]);
    } finally {
      await rm(join("/tmp", hostFile), { force: true });
    }
  });

  it("cannot take another environment's invocations from its Runtime API", async () => {
    // The victim is warm and waiting in /next on its own Runtime API.
    await invoke("victim", { warm: true });
    const victimEnvironment = runtime.pool
      .list()
      .find((environment) => environment.fn.handler === "handler.victim");
    const victimPort = victimEnvironment?.runtimeApiPort ?? 0;
    expect(victimPort).toBeGreaterThan(0);
    const attack = invoke("stealEvents", { ports: [victimPort], pollMs: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // the attacker is polling the victim's /next
    const genuine = await invoke("victim", { secret: "for the victim only" });
    expect(genuine).toEqual({ answeredBy: "victim", event: { secret: "for the victim only" } });
    const stolen = (await attack) as { listening: number[]; results: { status?: number; body?: string }[] };
    expect(stolen.listening, "the attacker can find the port").toContain(victimPort);
    expect(stolen.results).toEqual([
      {
        port: victimPort,
        status: 403,
        requestId: null,
        body: JSON.stringify({
          errorMessage: "Not this environment's Runtime API",
          errorType: "AccessDenied",
        }),
      },
    ]);
  });

  it("fails at init, saying what to change, when its user cannot read the code (Lambda's 755/644 rule)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lambkin-unreadable-")); // mode 0700
    await cp(HOSTILE, dir, { recursive: true });
    const own = await startRuntime({ dir, logger: pino({ level: "silent" }), env: {}, sandbox: "process" });
    try {
      const result = await own.invoker.invoke("whoami", "{}");
      expect(result.errorType).toBe("Runtime.ImportModuleError");
      const { errorMessage } = payloadJson(result) as { errorMessage: string };
      expect(errorMessage).toContain(`[LKN_ERR_SANDBOX_CODE_UNREADABLE]`);
      expect(errorMessage).toContain(`the folder ${dir} is mode 0700`);
      expect(errorMessage).toContain("chmod -R o+rX");
    } finally {
      await own.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
