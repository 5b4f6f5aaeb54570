// A service's serverless-finch site served by the real gateway (createGateway on a real runtime, real HTTP on a
// free port): the index document at /, files with their content types, folders, the single-page-app fallback,
// routes winning over files, every way out of the folder refused (raw requests on a socket too), and `/` of a
// Lambkin with no site answered as before. Then `lambkin dev` itself, on the repository's services.
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../../gateway/gateway-app.js";
import { startRuntime } from "../../runtime/lambkin-runtime.js";
import { ROOT } from "../cli/cluster-process.js";
import { type DevProcess, startDev } from "../cli/dev-process.js";
import { listening, type TestGateway } from "./api-gateway/gateway-harness.js";
import { syncOnlyBackend } from "./local-backend.js";
import { rawRequest } from "./raw-http.js";

const SECRET = "SECRET-OUTSIDE-THE-SITE";
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000185d4c1f70000000049454e44ae426082",
  "hex",
);

const folders: string[] = [];

/** A service with a site in web/dist, a route that shadows one of its files, and files outside the site. */
async function siteService(errorDocument: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lambkin-site-"));
  folders.push(dir);
  // Readable by the isolated sandbox's user, as Lambda wants code (mkdtemp makes the folder 0700).
  await chmod(dir, 0o755);
  const dist = join(dir, "web", "dist");
  await mkdir(join(dist, "docs"), { recursive: true });
  await mkdir(join(dist, "empty"), { recursive: true });
  await mkdir(join(dist, ".well-known"), { recursive: true });
  await mkdir(join(dir, "outside"), { recursive: true });
  await writeFile(join(dist, "index.html"), "<!doctype html><title>shop</title><p>INDEX</p>\n");
  await writeFile(join(dist, "404.html"), "<!doctype html><p>NOT HERE</p>\n");
  await writeFile(join(dist, "app.js"), "console.log('app');\n");
  await writeFile(join(dist, "shadowed.js"), "console.log('file, not route');\n");
  await writeFile(join(dist, "style.css"), "body { color: red }\n");
  await writeFile(join(dist, "logo.svg"), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  await writeFile(join(dist, "pixel.png"), PNG);
  await writeFile(join(dist, "with space.txt"), "SPACED\n");
  await writeFile(join(dist, "docs", "index.html"), "<p>DOCS</p>\n");
  await writeFile(join(dist, ".env"), `TOKEN=${SECRET}\n`);
  await writeFile(join(dist, ".well-known", "security.txt"), "Contact: mailto:security@example.com\n");
  await writeFile(join(dir, "web", "secret.txt"), `${SECRET}\n`);
  await writeFile(join(dir, "outside", "secret.txt"), `${SECRET}\n`);
  await symlink(join(dir, "web", "secret.txt"), join(dist, "link-out.txt"));
  await symlink(join(dir, "outside"), join(dist, "link-dir"));
  await symlink(join(dist, "app.js"), join(dist, "link-in.js"));
  await writeFile(
    join(dir, "api.mjs"),
    "export const handler = async (event) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ route: event.routeKey }) });\n",
  );
  await writeFile(
    join(dir, "serverless.yml"),
    [
      "service: site",
      "provider: { name: aws, runtime: nodejs20.x }",
      "plugins: [serverless-finch]",
      "custom:",
      "  client:",
      "    bucketName: site-bucket",
      "    distributionFolder: web/dist",
      `    errorDocument: ${errorDocument}`,
      "functions:",
      "  api:",
      "    handler: api.handler",
      "    events:",
      "      - httpApi: GET /api/hello",
      "      - httpApi: GET /shadowed.js",
      "      - httpApi: POST /form",
      "",
    ].join("\n"),
  );
  return dir;
}

async function startSiteGateway(dir: string): Promise<TestGateway> {
  const runtime = await startRuntime({ dir, logger: pino({ level: "silent" }), env: {} });
  const site = runtime.services.site;
  const app = await createGateway({
    backend: syncOnlyBackend(runtime),
    logger: pino({ level: "silent" }),
    ...(site ? { site } : {}),
  });
  return listening(runtime, app);
}

const HTML = ["Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"] as const;

afterAll(async () => {
  for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
});

describe("a single-page app's site (errorDocument = indexDocument)", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startSiteGateway(await siteService("index.html"));
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it("serves the index document at / and at its own name", async () => {
    for (const path of ["/", "/index.html"]) {
      const response = await gateway.send("GET", path);
      expect(response.status).toBe(200);
      expect(response.header("content-type")).toBe("text/html; charset=utf-8");
      expect(response.text()).toContain("INDEX");
    }
  });

  it.each([
    ["/app.js", /^(application|text)\/javascript; charset=utf-8$/, "console.log('app')"],
    ["/style.css", /^text\/css; charset=utf-8$/, "color: red"],
    ["/logo.svg", /^image\/svg\+xml$/, "<svg"],
    ["/with%20space.txt", /^text\/plain; charset=utf-8$/, "SPACED"],
    ["/docs/", /^text\/html; charset=utf-8$/, "DOCS"],
    ["/.well-known/security.txt", /^text\/plain; charset=utf-8$/, "Contact:"],
    ["/link-in.js", /javascript/, "console.log('app')"],
  ])("serves %s with its content type", async (path, type, text) => {
    const response = await gateway.send("GET", path);
    expect(response.status).toBe(200);
    expect(response.header("content-type")).toMatch(type);
    expect(response.text()).toContain(text);
  });

  it("sends binary files byte for byte, and answers HEAD and conditional requests", async () => {
    const png = await gateway.send("GET", "/pixel.png");
    expect(png.status).toBe(200);
    expect(png.header("content-type")).toBe("image/png");
    expect(Buffer.compare(png.body, PNG)).toBe(0);
    const head = await gateway.send("HEAD", "/app.js");
    expect(head.status).toBe(200);
    expect(head.header("content-length")).toBe(String("console.log('app');\n".length));
    expect(head.body.length).toBe(0);
    const etag = png.header("etag") as string;
    const again = await gateway.send("GET", "/pixel.png", { headers: [["If-None-Match", etag]] });
    expect(again.status).toBe(304);
  });

  it("redirects a folder asked for without its slash, as S3 websites do (302), keeping the query", async () => {
    const response = await gateway.send("GET", "/docs?lang=en");
    expect(response.status).toBe(302);
    expect(response.header("location")).toBe("/docs/?lang=en");
  });

  it("lets declared routes win over files, whatever the method", async () => {
    const shadowed = await gateway.send("GET", "/shadowed.js");
    expect(shadowed.status).toBe(200);
    expect(shadowed.json()).toEqual({ route: "GET /shadowed.js" });
    expect((await gateway.send("GET", "/api/hello", { headers: [HTML] })).json()).toEqual({
      route: "GET /api/hello",
    });
    // A HEAD on a GET route is the route's, not a file's nor the app's.
    const head = await gateway.send("HEAD", "/shadowed.js");
    expect(head.header("content-type")).not.toMatch(/javascript/);
  });

  it("answers a browser's unknown path with the index document (the app reads the URL), anything else as the API", async () => {
    for (const path of ["/coupons/abc", "/deep/link/page", "/missing.html", "/empty/"]) {
      const browser = await gateway.send("GET", path, { headers: [HTML] });
      expect(browser.status).toBe(200);
      expect(browser.text()).toContain("INDEX");
    }
    const script = await gateway.send("GET", "/deep/link/page", { headers: [["Accept", "*/*"]] });
    expect(script.status).toBe(404);
    expect(script.json()).toEqual({ message: "Not Found" });
    // Not GET or HEAD: never the site's.
    const post = await gateway.send("POST", "/deep/link/page", { headers: [HTML], body: "x" });
    expect(post.status).toBe(404);
    expect(post.json()).toEqual({ message: "Not Found" });
    const put = await gateway.send("PUT", "/index.html", { headers: [HTML], body: "x" });
    expect(put.json()).toEqual({ message: "Not Found" });
  });

  const attempts = [
    "/../secret.txt",
    "/../../outside/secret.txt",
    "/docs/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/%2E%2E/outside/secret.txt",
    "/.%2e/secret.txt",
    "/..%2fsecret.txt",
    "/..%2Fsecret.txt",
    "/docs%2f..%2f..%2fsecret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "//secret.txt",
    "/./index.html",
    "/link-out.txt",
    "/link-dir/secret.txt",
    "/link-dir/",
    "/.env",
    "/%2eenv",
    "/index.html%00.js",
    "/%00/secret.txt",
  ];

  it.each(attempts)("refuses %s over a raw socket, with or without Accept: text/html", async (path) => {
    for (const accept of ["*/*", HTML[1]]) {
      const answer = await rawRequest(
        gateway.port,
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: ${accept}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.status, `${path} answered`).not.toBe(0);
      expect(answer.body).not.toContain(SECRET);
      expect(answer.body).not.toContain("INDEX");
      expect(answer.status).not.toBe(200);
    }
  });

  it("takes a doubly encoded name for the literal name it is, which is no file of the site", async () => {
    const answer = await rawRequest(
      gateway.port,
      "GET /%252e%252e/secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain(SECRET);
  });

  it("refuses a request target that is not a path (absolute form)", async () => {
    const answer = await rawRequest(
      gateway.port,
      `GET http://127.0.0.1/../secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(answer.body).not.toContain(SECRET);
    expect(answer.status).not.toBe(200);
  });
});

describe("a site with an error document of its own", () => {
  let gateway: TestGateway;
  let dir: string;
  beforeAll(async () => {
    dir = await siteService("404.html");
    gateway = await startSiteGateway(dir);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it("answers a browser's unknown path with the error document and S3's 404", async () => {
    const response = await gateway.send("GET", "/nowhere", { headers: [HTML] });
    expect(response.status).toBe(404);
    expect(response.header("content-type")).toBe("text/html; charset=utf-8");
    expect(response.text()).toContain("NOT HERE");
    const script = await gateway.send("GET", "/nowhere");
    expect(script.json()).toEqual({ message: "Not Found" });
  });

  it("falls back to the API's answer once the error document is gone", async () => {
    await rm(join(dir, "web", "dist", "404.html"));
    const response = await gateway.send("GET", "/nowhere", { headers: [HTML] });
    expect(response.status).toBe(404);
    expect(response.json()).toEqual({ message: "Not Found" });
  });
});

describe("a Lambkin without a site", () => {
  it("answers / and every path as before: the API Gateway of its routes", async () => {
    const runtime = await startRuntime({
      dir: join(ROOT, "functions", "hello"),
      logger: pino({ level: "silent" }),
      env: {},
    });
    expect(runtime.services.site).toBeUndefined();
    const gateway = await listening(
      runtime,
      await createGateway({ backend: syncOnlyBackend(runtime), logger: pino({ level: "silent" }) }),
    );
    try {
      for (const path of ["/", "/index.html"]) {
        const response = await gateway.send("GET", path, { headers: [HTML] });
        expect(response.status).toBe(403);
        expect(response.json()).toEqual({ message: "Missing Authentication Token" });
      }
    } finally {
      await gateway.close();
    }
  });
});

describe("lambkin dev", () => {
  let dev: DevProcess | undefined;
  afterAll(async () => {
    if (dev && dev.child.exitCode === null) {
      dev.child.kill("SIGTERM");
      await dev.exited;
    }
  });

  it("serves the coupon shop's site at / beside the hello service's routes, and says so", async () => {
    dev = await startDev(join(ROOT, "functions"));
    const index = await fetch(`${dev.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await index.text();
    expect(html).toContain('<form id="coupon-form"');
    const app = await fetch(`${dev.url}/app.js`);
    expect(app.headers.get("content-type")).toMatch(/javascript/);
    const hello = await fetch(`${dev.url}/hello`);
    expect(await hello.json()).toEqual({ message: "Hello Lambda" });
    expect(dev.output()).toMatch(/site of coupon \(serverless-finch\) at http:\/\/127\.0\.0\.1:\d+\//);
    // The serverless.yml, beside the site's folder, is the service's, never the site's.
    const manifest = await fetch(`${dev.url}/../serverless.yml`);
    expect(await manifest.text()).not.toContain("service: coupon");
  });
});
