// The docker sandbox's drain barrier counts the runtime's output bytes through the container's TCP
// table, /proc/<pid>/net/tcp (channel-drain.ts). On the engine's host, as here, it does so without a
// word; where Lambkin cannot see the container's processes it falls back to waiting for quiet output
// and says so once (LKN_WRN_DOCKER_OUTPUT_DRAIN_TIMED). That case is made real, not faked: Lambkin
// runs in its own pid and UTS namespaces (unshare, which needs root; skipped otherwise),
// where the engine's pid of the container names no process — as for a remote engine.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { freshStateDir } from "../../support/state-dir.js";
import { ensureImages } from "./docker-test-runtime.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..", "..");
const BIN = join(ROOT, "bin", "lambkin.js");
const SERVICE = join(ROOT, "test", "fixtures", "log-attribution", "shell");
const CODE = "LKN_WRN_DOCKER_OUTPUT_DRAIN_TIMED";

async function invokeChatty(prefix: string[]): Promise<{ payload: unknown; warnings: string[] }> {
  const [command = process.execPath, ...args] = [
    ...prefix,
    process.execPath,
    BIN,
    "--log-format",
    "json",
    "invoke",
    "chatty",
    "--dir",
    SERVICE,
  ];
  const { stdout, stderr } = await run(command, args, {
    env: { ...process.env, LAMBKIN_SANDBOX: "docker", LAMBKIN_STATE_DIR: freshStateDir() },
    maxBuffer: 64 * 1024 * 1024,
  });
  const warnings = stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { code?: string; msg: string })
    .filter((record) => record.code === CODE)
    .map((record) => record.msg);
  return { payload: JSON.parse(stdout), warnings };
}

async function ownPidNamespaceAllowed(): Promise<boolean> {
  try {
    await run("unshare", ["--pid", "--fork", "--mount-proc", "--uts", "hostname", "lambkin-probe"]);
    return true;
  } catch {
    return false;
  }
}

describe("the docker output drain barrier's fallback", () => {
  beforeAll(() => ensureImages(), 300_000);

  it("counts through the container's table on the engine's host: no warning", async () => {
    const { payload, warnings } = await invokeChatty([]);
    expect(payload).toEqual({ logged: 20_480 });
    expect(warnings).toEqual([]);
  }, 60_000);

  it("falls back to timing, and says so once, where Lambkin cannot see the container's processes", async (context) => {
    if (!(await ownPidNamespaceAllowed())) return context.skip();
    // A host name of its own too: in a pid namespace every other Lambkin looks gone, and one on the
    // same host would remove their containers as leftovers (ownership.ts judges only its own host's).
    const { payload, warnings } = await invokeChatty([
      "unshare",
      "--pid",
      "--fork",
      "--mount-proc",
      "--uts",
      "sh",
      "-c",
      'hostname lambkin-drain-fallback-test && exec "$0" "$@"',
    ]);
    expect(payload).toEqual({ logged: 20_480 });
    expect(warnings).toHaveLength(1); // two barriers (init's /next, END), one warning
    expect(warnings[0]).toMatch(
      /^\[LKN_WRN_DOCKER_OUTPUT_DRAIN_TIMED\] cannot read the container's process \d+ in \/proc: ENOENT/,
    );
  }, 60_000);
});
