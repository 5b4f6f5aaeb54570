// `lambkin package` (runtime/packaging/): a real CLI process writes the zips; yauzl lists them; the packaged code
// then runs in Lambkin from the zip alone, unzipped into an empty folder.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { ZipFile } from "yazl";
import { runLambkin } from "../support/run-lambkin.js";
import { removeTypeScriptServices, typeScriptService } from "../support/typescript-service.js";

interface Listed {
  readonly name: string;
  readonly content: Buffer;
  readonly mtime: Date;
}

function readZip(path: string): Promise<Listed[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const entries: Listed[] = [];
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("end", () => {
            entries.push({
              name: entry.fileName,
              content: Buffer.concat(chunks),
              mtime: entry.getLastModDate(),
            });
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(entries));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

async function unzipInto(entries: readonly Listed[], dir: string): Promise<void> {
  for (const entry of entries) {
    const path = join(dir, entry.name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, entry.content);
  }
}

describe("lambkin package", () => {
  afterAll(removeTypeScriptServices);
  it("writes the service's zip with its production dependencies only, TypeScript bundled, and it runs alone", async () => {
    const dir = await typeScriptService("pkg-service");
    const run = await runLambkin(["package", "--dir", dir]);
    expect(run.stderr).not.toContain("LKN_ERR");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /tsfixture\.zip\t\d+ files\t[\d.]+ KB of 50\.00 MB zipped\t[\d.]+ KB of 250\.00 MB unzipped/,
    );
    const entries = await readZip(join(dir, ".serverless", "tsfixture.zip"));
    const names = entries.map((entry) => entry.name);
    // The devDependency (test tooling) is installed in node_modules, and absent from the zip.
    expect(await readFile(join(dir, "node_modules", "test-tool-dev", "index.js"), "utf8")).toContain(
      "devOnly",
    );
    expect(names.filter((name) => name.includes("test-tool-dev"))).toEqual([]);
    // The external production dependency and its own dependency are in; the bundles stand for the .ts sources.
    expect(names).toEqual(
      expect.arrayContaining([
        "node_modules/greeting-prod/index.js",
        "node_modules/greeting-words/index.js",
        "package.json",
        "src/handler.js",
        "src/sdk.js",
      ]),
    );
    expect(names.filter((name) => /\.ts$|^vendor\/|^\.lambkin\/|^\.git\//.test(name))).toEqual([]);
    expect([...names].sort()).toEqual(names);
    expect(new Set(entries.map((entry) => entry.mtime.getFullYear()))).toEqual(new Set([1980]));

    const alone = join(dirname(dir), `${dir.split("/").pop()}-unzipped`);
    await unzipInto(entries, alone);
    const invoked = await runLambkin(["invoke", "hello", "--dir", alone, "--data", '{"name":"zip"}']);
    expect(invoked.code).toBe(0);
    expect(JSON.parse(invoked.stdout)).toEqual({ greeting: "Hello, zip", text: "HELLO, ZIP!" });
  });

  it("writes one zip per function with package.individually, into --out, byte for byte the same twice", async () => {
    const dir = await typeScriptService("pkg-individually");
    const manifest = join(dir, "serverless.yml");
    await writeFile(
      manifest,
      (await readFile(manifest, "utf8")).replace("package:\n", "package:\n  individually: true\n"),
    );
    const out = join(dir, "artifacts");
    const first = await runLambkin(["package", "tsfixture", "--dir", dir, "--out", out]);
    expect(first.code).toBe(0);
    for (const key of ["hello", "fail", "sdk", "typeError"]) expect(first.stdout).toContain(`${key}.zip`);
    const hello = await readFile(join(out, "hello.zip"));
    const second = await runLambkin(["package", "--dir", dir, "--out", out]);
    expect(second.code).toBe(0);
    expect((await readFile(join(out, "hello.zip"))).equals(hello)).toBe(true);
    const names = (await readZip(join(out, "hello.zip"))).map((entry) => entry.name);
    expect(names).toContain("src/handler.js");
    expect(names).not.toContain("src/sdk.js");
  });

  it("refuses an unknown service by name, exit 2", async () => {
    const dir = await typeScriptService("pkg-unknown");
    const run = await runLambkin(["package", "nope", "--dir", dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no service named "nope" (services found: tsfixture)');
  });

  it("runs a function from the zip its package.artifact names, extracted once per content", async () => {
    const dir = await typeScriptService("pkg-artifact");
    expect((await runLambkin(["package", "--dir", dir])).code).toBe(0);
    const consumer = `${dir}-consumer`;
    await mkdir(consumer, { recursive: true });
    await writeFile(
      join(consumer, "serverless.yml"),
      `service: deployed\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  hello:\n    handler: src/handler.hello\n    package:\n      artifact: ${join(dir, ".serverless", "tsfixture.zip")}\n`,
    );
    const run = await runLambkin(["invoke", "hello", "--dir", consumer, "--data", '{"name":"artifact"}']);
    expect(run.stderr).not.toContain("LKN_ERR");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ greeting: "Hello, artifact", text: "HELLO, ARTIFACT!" });
    expect((await runLambkin(["invoke", "hello", "--dir", consumer])).code).toBe(0);
    const extracted = await readdir(join(consumer, ".lambkin", "artifacts"));
    expect(extracted.filter((name) => /^[0-9a-f]{16}$/.test(name))).toHaveLength(1);
  });

  it("refuses an artifact whose entry would land outside its folder, in Lambda's shape, with a code", async () => {
    const dir = await typeScriptService("pkg-slip");
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from("exports.hello = async () => 'pwned';\n"), "xx/evil.js");
    zip.addBuffer(Buffer.from("exports.hello = async () => 'ok';\n"), "handler.js");
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    // yazl refuses `..` itself: the name is rewritten in place (same length) in both headers.
    const hostile = Buffer.from(
      Buffer.concat(chunks).toString("latin1").replaceAll("xx/evil.js", "../evil.js"),
      "latin1",
    );
    await writeFile(join(dir, "slip.zip"), hostile);
    await writeFile(
      join(dir, "serverless.yml"),
      "service: slip\nprovider:\n  name: aws\nfunctions:\n  hello:\n    handler: handler.hello\n    package:\n      artifact: slip.zip\n",
    );
    const run = await runLambkin(["invoke", "hello", "--dir", dir]);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ errorType: "Runtime.ImportModuleError" });
    expect(run.stderr).toContain("[LKN_ERR_PACKAGE_ARTIFACT_INVALID]");
    expect(run.stderr).toContain('"../evil.js"');
    await expect(readFile(join(dir, ".lambkin", "evil.js"))).rejects.toThrow();
  });
});
