// The esbuild options a TypeScript handler is bundled with (runtime/bundling/esbuild-settings.ts), as
// serverless-esbuild derives them from the runtime, package.json and custom.esbuild.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundleSettings } from "../../../runtime/bundling/esbuild-settings.js";

async function service(type?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lambkin-esbuild-settings-"));
  if (type) await writeFile(join(dir, "package.json"), JSON.stringify({ type }));
  return dir;
}

describe("bundle settings", () => {
  it("follows the runtime and package.json's type; @aws-sdk/* is always external", async () => {
    const esm = bundleSettings({
      runtime: "nodejs22.x",
      serviceDir: await service("module"),
      entryExtension: ".ts",
      custom: undefined,
      purpose: "dev",
    });
    expect(esm).toMatchObject({ format: "esm", outputExtension: ".js", ignored: [] });
    expect(esm.options).toMatchObject({
      target: "node22",
      platform: "node",
      bundle: true,
      sourcemap: "linked",
    });
    expect(esm.options.external).toEqual(["@aws-sdk/*"]);
    const cjs = bundleSettings({
      runtime: "nodejs18.x",
      serviceDir: await service(),
      entryExtension: ".ts",
      custom: { format: "esm" },
      purpose: "package",
    });
    // No package.json of its own: an extension that means one format wherever the bundle lies.
    expect(cjs).toMatchObject({ format: "esm", outputExtension: ".mjs" });
    const plain = bundleSettings({
      runtime: "nodejs20.x",
      serviceDir: await service("commonjs"),
      entryExtension: ".ts",
      custom: undefined,
      purpose: "dev",
    });
    expect(plain).toMatchObject({ format: "cjs", outputExtension: ".js" });
    const bare = bundleSettings({
      runtime: "nodejs20.x",
      serviceDir: await service(),
      entryExtension: ".ts",
      custom: undefined,
      purpose: "dev",
    });
    expect(bare).toMatchObject({ format: "cjs", outputExtension: ".cjs" });
    expect(cjs.options).toMatchObject({ target: "node18", sourcemap: false });
  });

  it("passes custom.esbuild's code options through and names the ones it ignores", async () => {
    const settings = bundleSettings({
      runtime: "nodejs20.x",
      serviceDir: await service(),
      entryExtension: ".mts",
      custom: {
        minify: true,
        external: ["pg-native"],
        exclude: ["sharp"],
        plugins: "p.js",
        packager: "yarn",
      },
      purpose: "package",
    });
    expect(settings.format).toBe("esm");
    expect(settings.options).toMatchObject({ minify: true, external: ["@aws-sdk/*", "pg-native", "sharp"] });
    expect(settings.ignored).toEqual(["plugins", "packager"]);
  });
});
