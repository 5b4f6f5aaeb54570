// What goes into a package (runtime/packaging/): the Framework's default excludes and package.patterns, and the
// production dependency tree from package-lock.json or, without one, from package.json through node_modules.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { globMatcher, selectFiles } from "../../../runtime/packaging/package-patterns.js";
import { productionDependencies } from "../../../runtime/packaging/production-dependencies.js";

async function files(root: string, contents: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(contents)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
}

const pkg = (name: string, dependencies: Record<string, string> = {}) =>
  JSON.stringify({ name, version: "1.0.0", dependencies });

describe("package patterns", () => {
  it("reads globs as the Framework's globby does", () => {
    expect(globMatcher("src/**")("src/a/b.js")).toBe(true);
    expect(globMatcher("src/**")("src")).toBe(true);
    expect(globMatcher("*.md")("README.md")).toBe(true);
    expect(globMatcher("*.md")("docs/README.md")).toBe(false);
    expect(globMatcher("**/*.test.js")("src/a/b.test.js")).toBe(true);
    expect(globMatcher("**/*.test.js")("b.test.js")).toBe(true);
    expect(globMatcher("{a,b}/x.js")("b/x.js")).toBe(true);
    expect(globMatcher("file?.js")("file1.js")).toBe(true);
    expect(globMatcher("./src/x.js")("src/x.js")).toBe(true);
  });

  it("drops the default excludes, then applies patterns in order (a later include wins)", () => {
    const all = [
      ".git/config",
      ".gitignore",
      "handler.js",
      "test/a.test.js",
      "test/fixture.json",
      ".serverless/x.zip",
    ];
    expect(selectFiles(all, ["!test/**", "test/fixture.json"])).toEqual(["handler.js", "test/fixture.json"]);
  });
});

describe("production dependencies", () => {
  it("follows package-lock.json: dev entries out, devOptional kept, nested versions found", async () => {
    const root = await mkdtemp(join(tmpdir(), "lambkin-prod-deps-"));
    await files(root, {
      "package.json": JSON.stringify({ dependencies: { a: "1" }, devDependencies: { vitest: "1" } }),
      "package-lock.json": JSON.stringify({
        lockfileVersion: 3,
        packages: {
          "": {},
          "node_modules/a": { dependencies: { b: "2", c: "1" } },
          "node_modules/b": { version: "1.0.0", dev: true },
          "node_modules/a/node_modules/b": { version: "2.0.0" },
          "node_modules/c": { devOptional: true },
          "node_modules/vitest": { dev: true },
        },
      }),
      "node_modules/a/package.json": pkg("a", { b: "2", c: "1" }),
      "node_modules/b/package.json": pkg("b"),
      "node_modules/a/node_modules/b/package.json": pkg("b"),
      "node_modules/c/package.json": pkg("c"),
      "node_modules/vitest/package.json": pkg("vitest"),
    });
    expect(productionDependencies(root)).toEqual({
      folders: ["node_modules/a", "node_modules/a/node_modules/b", "node_modules/c"],
      missing: [],
    });
    expect(productionDependencies(root, ["c"]).folders).toEqual(["node_modules/c"]);
  });

  it("without a lock, walks package.json's dependencies through node_modules and names what is missing", async () => {
    const root = await mkdtemp(join(tmpdir(), "lambkin-prod-deps-"));
    await files(root, {
      "package.json": JSON.stringify({ dependencies: { a: "1", gone: "1" }, devDependencies: { d: "1" } }),
      "node_modules/a/package.json": pkg("a", { b: "1" }),
      "node_modules/b/package.json": pkg("b"),
      "node_modules/d/package.json": pkg("d"),
    });
    expect(productionDependencies(root)).toEqual({
      folders: ["node_modules/a", "node_modules/b"],
      missing: ["gone"],
    });
  });
});
