// Which file a request path names in a site's folder (site-path.ts), on a real folder with links in and out:
// the refusals are this module's own, whatever @fastify/static would refuse after it.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lookUpKey, lookUpSitePath } from "../../../gateway/static-site/site-path.js";
import type { StaticSite } from "../../../runtime/manifest/static-site.js";

let dir: string;
let site: StaticSite;

beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "lambkin-site-path-")));
  const root = join(dir, "dist");
  await mkdir(join(root, "docs"), { recursive: true });
  await mkdir(join(root, "bare"), { recursive: true });
  await mkdir(join(root, ".well-known"), { recursive: true });
  await mkdir(join(dir, "outside"), { recursive: true });
  await writeFile(join(root, "index.html"), "index");
  await writeFile(join(root, "docs", "index.html"), "docs");
  await writeFile(join(root, "a b.txt"), "spaced");
  await writeFile(join(root, ".well-known", "security.txt"), "contact");
  await writeFile(join(root, ".env"), "secret");
  await writeFile(join(dir, "outside", "secret.txt"), "secret");
  await symlink(join(dir, "outside", "secret.txt"), join(root, "link-out.txt"));
  await symlink(join(dir, "outside"), join(root, "link-dir"));
  await symlink(join(root, "a b.txt"), join(root, "link-in.txt"));
  site = {
    service: "shop",
    root,
    indexDocument: "index.html",
    errorDocument: "index.html",
    serviceDir: dir,
    manifestPath: join(dir, "serverless.yml"),
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("lookUpSitePath", () => {
  it.each([
    ["/", "/index.html"],
    ["/index.html", "/index.html"],
    ["/docs/", "/docs/index.html"],
    ["/a%20b.txt", "/a b.txt"],
    ["/.well-known/security.txt", "/.well-known/security.txt"],
    // A link inside the folder is sent as the file it names.
    ["/link-in.txt", "/a b.txt"],
  ])("names %s → %s", async (path, file) => {
    expect(await lookUpSitePath(site, path)).toEqual({ kind: "file", file, root: site.root });
  });

  it("redirects a folder with an index document to its slash, and knows no folder without one", async () => {
    expect(await lookUpSitePath(site, "/docs")).toEqual({ kind: "folder", location: "/docs/" });
    expect(await lookUpSitePath(site, "/bare")).toEqual({ kind: "missing" });
    expect(await lookUpSitePath(site, "/bare/")).toEqual({ kind: "missing" });
    expect(await lookUpSitePath(site, "/nothing.js")).toEqual({ kind: "missing" });
  });

  it.each([
    "/../outside/secret.txt",
    "/%2e%2e/outside/secret.txt",
    "/docs/../index.html",
    "/./index.html",
    "/..%2foutside%2fsecret.txt",
    "/%5c..%5coutside",
    "/a\\b",
    "//index.html",
    "/docs//index.html",
    "/.env",
    "/%2eenv",
    "/index.html%00",
    "/%zz",
    "/link-out.txt",
    "/link-dir/secret.txt",
    "/link-dir/",
    "/link-dir/anything-missing.txt",
    "index.html",
    "*",
    "http://127.0.0.1/index.html",
  ])("refuses %s", async (path) => {
    expect(await lookUpSitePath(site, path)).toEqual({ kind: "refused" });
  });

  it("refuses a site whose folder is a link out of the service folder", async () => {
    // The service is dist/ here: its site folder link-dir leads out of it.
    const linked = { ...site, serviceDir: site.root, root: join(site.root, "link-dir") };
    expect(await lookUpKey(linked, "secret.txt")).toEqual({ kind: "refused" });
    expect(await lookUpSitePath(linked, "/secret.txt")).toEqual({ kind: "refused" });
    expect(await lookUpSitePath({ ...site, root: join(dir, "not-built") }, "/")).toEqual({ kind: "missing" });
  });
});
