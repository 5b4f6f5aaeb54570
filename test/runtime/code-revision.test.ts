// A service's code revision (runtime/revision/): a hash of its files' contents, blind to tool folders and to
// node_modules/ except npm's hidden lockfile, which stands for an install.
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { changedSince, computeCodeRevision } from "../../runtime/revision/code-revision.js";
import { isIgnoredPath } from "../../runtime/revision/ignored-paths.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "lambkin-revision-"));
  await writeFile(join(dir, "handler.js"), "exports.handler = async () => 1;\n");
  await writeFile(join(dir, "serverless.yml"), "service: x\n");
  await mkdir(join(dir, "node_modules", "left-pad"), { recursive: true });
  await writeFile(join(dir, "node_modules", "left-pad", "index.js"), "module.exports = 1;\n");
  await writeFile(join(dir, "node_modules", ".package-lock.json"), '{"lockfileVersion":3}\n');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("code revision", () => {
  it("changes with a file's contents, not with a touch", async () => {
    const first = await computeCodeRevision(dir);
    expect(first.codeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const later = new Date("2031-01-01T00:00:00.000Z");
    await utimes(join(dir, "handler.js"), later, later);
    expect((await computeCodeRevision(dir)).codeSha256).toBe(first.codeSha256);
    await writeFile(join(dir, "handler.js"), "exports.handler = async () => 2;\n");
    expect((await computeCodeRevision(dir)).codeSha256).not.toBe(first.codeSha256);
  });

  it("counts a new or removed file", async () => {
    const first = await computeCodeRevision(dir);
    await writeFile(join(dir, "lib.js"), "module.exports = {};\n");
    const added = await computeCodeRevision(dir);
    expect(added.codeSha256).not.toBe(first.codeSha256);
    await rm(join(dir, "lib.js"));
    expect((await computeCodeRevision(dir)).codeSha256).toBe(first.codeSha256);
  });

  it("ignores .lambkin, .serverless, .esbuild, .git and node_modules' packages", async () => {
    const first = await computeCodeRevision(dir);
    for (const folder of [".lambkin/build", ".serverless", ".esbuild", ".git"]) {
      await mkdir(join(dir, folder), { recursive: true });
      await writeFile(join(dir, folder, "out.js"), `// ${Math.random()}\n`);
    }
    await writeFile(join(dir, "node_modules", "left-pad", "index.js"), "module.exports = 2;\n");
    expect((await computeCodeRevision(dir)).codeSha256).toBe(first.codeSha256);
  });

  it("counts an install: node_modules/.package-lock.json and package-lock.json", async () => {
    const first = await computeCodeRevision(dir);
    await writeFile(join(dir, "node_modules", ".package-lock.json"), '{"lockfileVersion":3,"packages":{}}\n');
    const installed = await computeCodeRevision(dir);
    expect(installed.codeSha256).not.toBe(first.codeSha256);
    await writeFile(join(dir, "package-lock.json"), "{}\n");
    expect((await computeCodeRevision(dir)).codeSha256).not.toBe(installed.codeSha256);
  });

  it("tells a folder modified after a time from one that was not", async () => {
    const revision = await computeCodeRevision(dir);
    expect(await changedSince(dir, revision.lastModified.getTime())).toBe(false);
    const later = new Date(revision.lastModified.getTime() + 5_000);
    await utimes(join(dir, "handler.js"), later, later);
    expect(await changedSince(dir, revision.lastModified.getTime())).toBe(true);
  });

  it("agrees with the watcher on what is ignored", () => {
    expect(isIgnoredPath("svc/.lambkin/build/handler.js")).toBe(true);
    expect(isIgnoredPath(".git")).toBe(true);
    expect(isIgnoredPath("svc/node_modules")).toBe(false);
    expect(isIgnoredPath("svc/node_modules/.package-lock.json")).toBe(false);
    expect(isIgnoredPath("svc/node_modules/left-pad/index.js")).toBe(true);
    expect(isIgnoredPath("svc/src/handler.ts")).toBe(false);
  });
});
