/**
 * serverless-finch's `custom.client` becomes the service's static site: the plugin's defaults, its forms of
 * `plugins`, the refusals the plugin (or S3) would make, the folders Lambkin will not serve, and one site per port.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { load, loadError } from "./manifest-fixtures.js";

const folders: string[] = [];
afterEach(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "lambkin-site-manifest-"));
  folders.push(folder);
  return folder;
}

/** A service folder with this serverless.yml tail (after service and provider) and these folders. */
async function service(
  dir: string,
  name: string,
  tail: string,
  siteFolders: readonly string[] = ["client/dist"],
): Promise<string> {
  const serviceDir = join(dir, name);
  await mkdir(serviceDir, { recursive: true });
  for (const folder of siteFolders) await mkdir(join(serviceDir, folder), { recursive: true });
  await writeFile(join(serviceDir, "serverless.yml"), `service: ${name}\nprovider: { name: aws }\n${tail}`);
  return serviceDir;
}

describe("a serverless-finch site", () => {
  it("takes the plugin's defaults: client/dist, index.html, error.html", async () => {
    const dir = await service(
      await tempFolder(),
      "shop",
      "plugins: [serverless-finch]\ncustom: { client: { bucketName: shop-site } }\n",
    );
    const loaded = await load(dir);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.site).toEqual({
      service: "shop",
      root: join(dir, "client", "dist"),
      indexDocument: "index.html",
      errorDocument: "error.html",
      serviceDir: dir,
      manifestPath: join(dir, "serverless.yml"),
    });
  });

  it("reads the settings, with variables, and the plugins' { modules } form", async () => {
    const dir = await service(
      await tempFolder(),
      "shop",
      [
        "plugins: { localPath: ./plugins, modules: [serverless-finch] }",
        "custom:",
        "  web: www",
        "  client:",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless Framework variable, not a template
        "    bucketName: ${self:service}-site",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless Framework variable, not a template
        "    distributionFolder: ${self:custom.web}/build",
        "    indexDocument: start.html",
        "    errorDocument: errors/missing.html",
        "",
      ].join("\n"),
      ["www/build"],
    );
    const { site, warnings } = await load(dir);
    expect(warnings).toEqual([]);
    expect(site).toMatchObject({
      root: join(dir, "www", "build"),
      indexDocument: "start.html",
      errorDocument: "errors/missing.html",
    });
  });

  it("joins an absolute distributionFolder to the service folder, as the plugin's path.join does", async () => {
    const dir = await service(
      await tempFolder(),
      "shop",
      "plugins: [serverless-finch]\ncustom: { client: { bucketName: b-site, distributionFolder: /public } }\n",
      ["public"],
    );
    expect((await load(dir)).site?.root).toBe(join(dir, "public"));
  });

  it("is no site without the plugin, even with custom.client", async () => {
    const dir = await service(await tempFolder(), "shop", "custom: { client: { bucketName: shop-site } }\n");
    const loaded = await load(dir);
    expect(loaded.site).toBeUndefined();
    expect(loaded.warnings).toEqual([]);
  });

  it("warns when the plugin is listed without custom.client", async () => {
    const dir = await service(await tempFolder(), "shop", "plugins: [serverless-finch]\n");
    const loaded = await load(dir);
    expect(loaded.site).toBeUndefined();
    expect(loaded.warnings).toMatchObject([{ code: "LKN_WRN_SITE_NOT_SERVED", keyPath: "custom.client" }]);
  });

  it.each([
    ["custom.client that is not a mapping", "custom: { client: site }", "custom.client"],
    [
      "a distributionFolder that is not a path",
      "custom: { client: { distributionFolder: 7 } }",
      "custom.client.distributionFolder",
    ],
    [
      "an indexDocument with a slash",
      "custom: { client: { indexDocument: pages/index.html } }",
      "custom.client.indexDocument",
    ],
    [
      "an errorDocument from the file system's root",
      "custom: { client: { errorDocument: /404.html } }",
      "custom.client.errorDocument",
    ],
  ])("refuses %s", async (_case, custom, keyPath) => {
    const dir = await service(await tempFolder(), "shop", `plugins: [serverless-finch]\n${custom}\n`);
    const error = await loadError(dir);
    expect(error.code).toBe("LKN_ERR_MANIFEST_INVALID");
    expect(error.keyPath).toBe(keyPath);
  });

  it("serves no folder outside the service, through .. or a symlink", async () => {
    const parent = await tempFolder();
    await mkdir(join(parent, "elsewhere"));
    const dotted = await service(
      parent,
      "dotted",
      "plugins: [serverless-finch]\ncustom: { client: { distributionFolder: ../elsewhere } }\n",
    );
    const linked = await service(
      parent,
      "linked",
      "plugins: [serverless-finch]\ncustom: { client: { distributionFolder: web } }\n",
      [],
    );
    await symlink(join(parent, "elsewhere"), join(linked, "web"));
    for (const dir of [dotted, linked]) {
      const loaded = await load(dir);
      expect(loaded.site).toBeUndefined();
      expect(loaded.warnings).toMatchObject([
        { code: "LKN_WRN_SITE_NOT_SERVED", keyPath: "custom.client.distributionFolder" },
      ]);
      expect(loaded.warnings[0]?.message).toMatch(/outside the service folder/);
    }
  });

  it("keeps a site whose folder is not built yet, saying so", async () => {
    const dir = await service(
      await tempFolder(),
      "shop",
      "plugins: [serverless-finch]\ncustom: { client: { bucketName: shop-site } }\n",
      [],
    );
    const loaded = await load(dir);
    expect(loaded.site?.root).toBe(join(dir, "client", "dist"));
    expect(loaded.warnings).toMatchObject([{ code: "LKN_WRN_SITE_NOT_SERVED" }]);
    expect(loaded.warnings[0]?.message).toMatch(/not a folder yet/);
  });

  it("warns about the plugin's settings that change what browsers get", async () => {
    const dir = await service(
      await tempFolder(),
      "shop",
      [
        "plugins: [serverless-finch]",
        "custom:",
        "  client:",
        "    bucketName: shop-site",
        "    keyPrefix: static",
        "    objectHeaders: { ALL_OBJECTS: [{ name: Cache-Control, value: max-age=60 }] }",
        "    routingRules: [{ redirect: { replaceKeyWith: index.html } }]",
        "    tags: { team: shop }",
        "",
      ].join("\n"),
    );
    const loaded = await load(dir);
    expect(loaded.site).toBeDefined();
    expect(loaded.warnings.map((warning) => [warning.code, warning.keyPath])).toEqual([
      ["LKN_WRN_MANIFEST_UNSUPPORTED", "custom.client.keyPrefix"],
      ["LKN_WRN_MANIFEST_UNSUPPORTED", "custom.client.objectHeaders"],
      ["LKN_WRN_MANIFEST_UNSUPPORTED", "custom.client.routingRules"],
    ]);
  });

  it("serves the first of two services' sites and warns about the other", async () => {
    const parent = await tempFolder();
    const first = await service(
      parent,
      "alpha",
      "plugins: [serverless-finch]\ncustom: { client: { bucketName: a-site } }\n",
    );
    const second = await service(
      parent,
      "beta",
      "plugins: [serverless-finch]\ncustom: { client: { bucketName: b-site } }\n",
    );
    const loaded = await load(parent);
    expect(loaded.site?.root).toBe(join(first, "client", "dist"));
    expect(loaded.warnings).toMatchObject([
      { code: "LKN_WRN_SITE_CONFLICT", file: join(second, "serverless.yml"), keyPath: "custom.client" },
    ]);
    expect(loaded.warnings[0]?.message).toMatch(/beta's site is not served: alpha/);
  });
});
