// A hostile serverless.yml is refused by `lambkin invoke` and `lambkin dev` with a manifest error that names
// the file and the key path (exit 2), in bounded memory and CPU, instead of a stack trace or gigabytes of RSS.
// Each child runs under /usr/bin/time (Debian package `time`), which reports its peak RSS and CPU time.
import { execFile } from "node:child_process";
import { readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freshStateDir } from "../support/state-dir.js";
import {
  aliasedAnchor,
  billionLaughs,
  deeplyNested,
  doublingString,
  hostileService,
  hugeFile,
  selfReferences,
  variableChain,
} from "./hostile-manifests.js";

const ROOT = join(import.meta.dirname, "..", "..");
/** Generous: Node alone is ~80 MB; the 300,000-item anchor costs the YAML parser ~300 MB. Before: 1.1 GB. */
const MAX_RSS_KB = 512 * 1024;
/** Generous on a loaded two-core machine; the CPU time does not count waiting for a core. */
const MAX_CPU_SECONDS = 10;

interface Run {
  readonly code: number;
  readonly stderr: string;
  readonly rssKb: number;
  readonly cpuSeconds: number;
}

async function measured(...args: string[]): Promise<Run> {
  const report = join(tmpdir(), `lambkin-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      "/usr/bin/time",
      ["-f", "%M %U %S", "-o", report, process.execPath, join(ROOT, "bin", "lambkin.js"), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: "1", LAMBKIN_STATE_DIR: freshStateDir(), LAMBKIN_ACCESS_KEYS: "" },
        timeout: 120_000,
      },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
    );
  });
  const lines = (await readFile(report, "utf8")).trim().split("\n");
  await rm(report, { force: true });
  const [rss, user, system] = (lines[lines.length - 1] as string).split(" ").map(Number);
  return { code, stderr, rssKb: rss as number, cpuSeconds: (user as number) + (system as number) };
}

describe("a hostile serverless.yml", () => {
  const services: string[] = [];
  afterEach(async () => {
    for (const dir of services.splice(0)) await rm(dir, { recursive: true, force: true });
  });
  async function service(manifest: string): Promise<string> {
    const dir = await hostileService(manifest);
    services.push(dir);
    return dir;
  }

  it.each([
    ["a billion laughs", billionLaughs(), "custom.a6[1]", "YAML aliases expand the document"],
    [
      "one anchor of 300,000 items aliased 400 times",
      aliasedAnchor(),
      "functions.hello.environment.V3",
      "YAML aliases expand the document",
    ],
    [
      `a 300,000-item value copied 400 times by \${self:…}`,
      selfReferences(),
      "functions.hello.environment.V3",
      "resolving variables expands the document",
    ],
    [
      "a string that doubles with each variable",
      doublingString(),
      "functions.hello.environment.BIG",
      "characters of text",
    ],
    [
      "a chain of 20,000 variables",
      variableChain(),
      "functions.hello.environment.DEEP",
      "resolve through more than 64",
    ],
    ["100,000 nested flow collections", deeplyNested(), "custom.deep", "nest more than 128 levels deep"],
    ["a 10 MB file", hugeFile(), "", "over Lambkin's limit of 4194304 bytes"],
  ])(
    "%s: lambkin invoke exits 2 with LKN_ERR_MANIFEST_LIMIT, file and key path",
    async (_, manifest, keyPath, problem) => {
      const dir = await service(manifest);
      const run = await measured("invoke", "hello", "--dir", dir);
      const file = join(dir, "serverless.yml");
      expect(run.stderr).toContain(
        `error: [LKN_ERR_MANIFEST_LIMIT] ${file}: ${keyPath ? `${keyPath}: ` : ""}`,
      );
      expect(run.stderr).toContain(problem);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(run.code).toBe(2);
      expect(run.rssKb).toBeLessThan(MAX_RSS_KB);
      expect(run.cpuSeconds).toBeLessThan(MAX_CPU_SECONDS);
    },
  );

  it("lambkin dev refuses it the same way, before serving anything", async () => {
    const dir = await service(aliasedAnchor());
    const run = await measured("dev", "--port", "0", "--dir", dir);
    expect(run.stderr).toContain(
      `error: [LKN_ERR_MANIFEST_LIMIT] ${join(dir, "serverless.yml")}: functions.hello.environment.V3: `,
    );
    expect(run.stderr).not.toContain("ready on");
    expect(run.code).toBe(2);
    expect(run.rssKb).toBeLessThan(MAX_RSS_KB);
  });

  it("a handler outside the service folder: exit 2 with its code, file and key path, and its code never runs", async () => {
    const dir = await service(
      "service: outside\nprovider:\n  name: aws\nfunctions:\n  hello:\n    handler: evil.hello\n",
    );
    const elsewhere = join(await service(""), "evil.js");
    await writeFile(elsewhere, "exports.hello = async () => 'loaded from outside';\n");
    await symlink(elsewhere, join(dir, "evil.js"));
    const run = await measured("invoke", "hello", "--dir", dir);
    expect(run.stderr).toContain(
      `error: [LKN_ERR_MANIFEST_HANDLER_OUTSIDE_SERVICE] ${join(dir, "serverless.yml")}: functions.hello.handler: `,
    );
    expect(run.code).toBe(2);
  });

  it("a normal manifest still loads and runs", async () => {
    const run = await measured("invoke", "hello", "--dir", join(ROOT, "functions", "hello"));
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("REPORT RequestId:");
  });
});
