// `lambkin dev`'s hot reload, on real processes and real files: a save gives the edited service a new code
// revision while the other services' environments stay warm; invocations under way finish on the old code; the
// revision shows in x-lambkin-code-revision and GetFunction's CodeSha256; manifest edits add routes and functions;
// service folders come and go; a syntax error is printed once and fails invocations as Lambda does, until fixed;
// a bad manifest keeps the last good one serving; an editor's burst of writes is one reload.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { afterEach, describe, expect, it } from "vitest";
import {
  eventually,
  get,
  handlerSource,
  manifestSource,
  removeFolder,
  saveByRename,
  serviceFolder,
  writeService,
} from "../../bench/hot-reload-services.js";
import { stopLambkin } from "./cluster-process.js";
import { type DevProcess, startDev } from "./dev-process.js";

let dev: DevProcess | undefined;
let root: string | undefined;
const outsideFiles: string[] = [];

afterEach(async () => {
  await stopLambkin(dev);
  dev = undefined;
  await removeFolder(root);
  root = undefined;
  for (const file of outsideFiles.splice(0)) await rm(file, { force: true });
});

function lambda(url: string): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDLAMBKIN", secretAccessKey: "lambkin" },
  });
}

/** The live child processes of `pid`, from /proc (state Z, a zombie, counts as gone). */
function childrenOf(pid: number): { pid: number; command: string }[] {
  const children: { pid: number; command: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== pid || fields[0] === "Z") continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      children.push({ pid: Number(entry), command });
    } catch {}
  }
  return children;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] !== "Z";
  } catch {
    return false;
  }
}

/** Waits until the dev process's output shows `expected`. */
async function outputShows(expected: string | RegExp): Promise<void> {
  await eventually(
    async () => {
      const output = dev?.output() ?? "";
      return (typeof expected === "string" ? output.includes(expected) : expected.test(output)) || undefined;
    },
    `output shows ${String(expected)}`,
  );
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe("lambkin dev hot reload", () => {
  it("recycles only the edited service: the other stays warm, header and CodeSha256 change", async () => {
    root = await serviceFolder("hr-basic", [{ name: "alpha" }, { name: "beta" }]);
    // JSON log records: the START line's record carries the revision (codeRevision) beside the line.
    dev = await startDev(root, {}, ["--verbose", "--log-format", "json"]);
    const url = dev.url;
    const alpha1 = await get(`${url}/alpha`);
    const beta1 = await get(`${url}/beta`);
    expect(alpha1).toMatchObject({ status: 200, version: "v1", served: 1 });
    expect(beta1).toMatchObject({ status: 200, version: "v1", served: 1 });
    expect(alpha1.revision).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const client = lambda(url);
    const before = await client.send(new GetFunctionCommand({ FunctionName: "alpha-dev-alpha" }));
    expect(before.Configuration?.CodeSha256).toBe(alpha1.revision);

    saveByRename(join(root, "alpha", "handler.js"), handlerSource("v2"));
    const alpha2 = await eventually(async () => {
      const answer = await get(`${url}/alpha`);
      return answer.version === "v2" ? answer : undefined;
    }, "alpha answers v2");
    // A new environment: its module state starts again.
    expect(alpha2.served).toBe(1);
    expect(alpha2.revision).not.toBe(alpha1.revision);
    const after = await client.send(new GetFunctionCommand({ FunctionName: "alpha-dev-alpha" }));
    expect(after.Configuration?.CodeSha256).toBe(alpha2.revision);

    // beta's environment is the same one: same process, its counter goes on, its revision is unchanged.
    const beta2 = await get(`${url}/beta`);
    expect(beta2).toMatchObject({ version: "v1", served: 2, pid: beta1.pid, revision: beta1.revision });
    const invoked = await client.send(new InvokeCommand({ FunctionName: "beta-dev-beta", LogType: "Tail" }));
    const tail = Buffer.from(invoked.LogResult ?? "", "base64").toString();
    expect(tail).toMatch(/REPORT RequestId/);
    expect(tail).not.toMatch(/Init Duration/);
    // Log records reach the output a few milliseconds after they are written (batched): polled for.
    await outputShows(/reloaded alpha: revision \S+; 1 function\(s\) on the new code/);
    // The revision is logged beside the START line of the invocation it ran.
    await eventually(
      async () =>
        dev
          ?.output()
          .split("\n")
          .some(
            (line) =>
              line.includes("START RequestId") && line.includes(`"codeRevision":"${alpha2.revision}"`),
          ) || undefined,
      "START record with the new revision",
    );
    expect(dev.output()).not.toMatch(/reloaded beta/);
  });

  it("lets an invocation under way finish on the old code while the next one runs the new", async () => {
    root = await serviceFolder("hr-inflight", [{ name: "slow" }]);
    dev = await startDev(root, {}, ["--verbose"]);
    const url = dev.url;
    const first = await get(`${url}/slow`);
    const slow = get(`${url}/slow?wait=3000`);
    // The slow invocation is running (its environment is busy) before the save.
    await eventually(
      async () => (dev?.output().match(/START RequestId/g)?.length ?? 0) >= 2 || undefined,
      "second START",
    );
    saveByRename(join(root, "slow", "handler.js"), handlerSource("v2"));
    const fresh = await eventually(async () => {
      const answer = await get(`${url}/slow`);
      return answer.version === "v2" ? answer : undefined;
    }, "slow answers v2");
    const old = await slow;
    expect(old).toMatchObject({ status: 200, version: "v1", served: 2, revision: first.revision });
    expect(fresh.revision).not.toBe(first.revision);
    // A new environment (its module state starts again), while the old one finished the slow request.
    expect(fresh.served).toBe(1);
  });

  it("adds a route and a function from a manifest edit, and keeps the last good manifest on a bad one", async () => {
    root = await serviceFolder("hr-manifest", [{ name: "gamma" }, { name: "delta" }]);
    dev = await startDev(root);
    const url = dev.url;
    expect((await get(`${url}/gamma-two`)).status).toBe(404);
    const delta1 = await get(`${url}/delta`);
    const manifest = join(root, "gamma", "serverless.yml");
    saveByRename(manifest, manifestSource({ name: "gamma", extraFunctions: { two: "/gamma-two" } }));
    await eventually(
      async () => ((await get(`${url}/gamma-two`)).status === 200 ? true : undefined),
      "route added",
    );
    const client = lambda(url);
    const two = await client.send(new GetFunctionCommand({ FunctionName: "gamma-dev-two" }));
    expect(two.Configuration?.FunctionName).toBe("gamma-dev-two");

    // A bad manifest: reported once, the last good one keeps serving (routes and functions).
    saveByRename(
      manifest,
      "service: gamma\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  gamma:\n    timeout: 9999\n    handler: handler.handler\n",
    );
    await eventually(
      async () => (dev?.output().includes("LKN_WRN_RELOAD_KEPT_PREVIOUS") ? true : undefined),
      "refusal printed",
    );
    expect(dev.output()).toMatch(/LKN_ERR_MANIFEST_INVALID.*timeout/);
    expect((await get(`${url}/gamma-two`)).status).toBe(200);
    expect((await get(`${url}/gamma`)).status).toBe(200);
    // The other service was never touched.
    expect(await get(`${url}/delta`)).toMatchObject({ served: 2, pid: delta1.pid });
    // The same mistake saved again is not printed again.
    saveByRename(join(root, "gamma", "handler.js"), handlerSource("v1 again"));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(count(dev.output(), "LKN_WRN_RELOAD_KEPT_PREVIOUS")).toBe(1);
    // Meanwhile the other service reloads as usual.
    saveByRename(join(root, "delta", "handler.js"), handlerSource("delta-2"));
    await eventually(
      async () => ((await get(`${url}/delta`)).version === "delta-2" ? true : undefined),
      "delta reloads while gamma's manifest is refused",
    );

    // Fixed: the route declared no more is gone, the function answers again.
    saveByRename(manifest, manifestSource({ name: "gamma" }));
    await eventually(
      async () => ((await get(`${url}/gamma-two`)).status === 404 ? true : undefined),
      "route removed",
    );
    expect((await get(`${url}/gamma`)).version).toBe("v1 again");
  });

  it("serves a service folder added while it runs, and stops serving one removed", async () => {
    root = await serviceFolder("hr-folders", [{ name: "first" }]);
    dev = await startDev(root);
    const url = dev.url;
    expect((await get(`${url}/second`)).status).toBe(404);
    await writeService(root, { name: "second", version: "s1" });
    const second = await eventually(async () => {
      const answer = await get(`${url}/second`);
      return answer.status === 200 ? answer : undefined;
    }, "second served");
    expect(second.version).toBe("s1");
    await rm(join(root, "second"), { recursive: true, force: true });
    await eventually(
      async () => ((await get(`${url}/second`)).status === 404 ? true : undefined),
      "second gone",
    );
    await outputShows(/reloaded second: removed; removed second-dev-second/);
    expect((await get(`${url}/first`)).status).toBe(200);
  });

  it("prints a syntax error once, fails invocations with Runtime.UserCodeSyntaxError, then serves the fix", async () => {
    root = await serviceFolder("hr-syntax", [{ name: "broken" }]);
    dev = await startDev(root);
    const url = dev.url;
    await get(`${url}/broken`);
    const file = join(root, "broken", "handler.js");
    saveByRename(file, "exports.handler = async () => {\n  return { statusCode: 200, body: 'x' ;\n};\n");
    await eventually(
      async () => (dev?.output().includes("LKN_ERR_RELOAD_SYNTAX") ? true : undefined),
      "syntax error printed",
    );
    expect(dev.output()).toContain(`${file}:2:`);
    expect(dev.output()).toContain("  return { statusCode: 200, body: 'x' ;");
    const client = lambda(url);
    const failed = await eventually(async () => {
      const result = await client.send(new InvokeCommand({ FunctionName: "broken-dev-broken" }));
      return result.FunctionError ? result : undefined;
    }, "invocation fails");
    const payload = JSON.parse(Buffer.from(failed.Payload ?? new Uint8Array()).toString()) as {
      errorType: string;
    };
    expect(payload.errorType).toBe("Runtime.UserCodeSyntaxError");
    expect((await get(`${url}/broken`)).status).toBeGreaterThanOrEqual(500);
    expect(count(dev.output(), "[LKN_ERR_RELOAD_SYNTAX]")).toBe(1);

    saveByRename(file, handlerSource("fixed"));
    const fixed = await eventually(async () => {
      const answer = await get(`${url}/broken`);
      return answer.version === "fixed" ? answer : undefined;
    }, "fixed code served");
    expect(fixed.status).toBe(200);
    expect(count(dev.output(), "[LKN_ERR_RELOAD_SYNTAX]")).toBe(1);
  });

  it("makes one reload of a burst of writes and renames", async () => {
    root = await serviceFolder("hr-burst", [{ name: "burst" }]);
    dev = await startDev(root);
    const url = dev.url;
    await get(`${url}/burst`);
    const file = join(root, "burst", "handler.js");
    // Format-on-save: the file written several times within a few milliseconds, then a safe-write rename.
    for (let write = 0; write < 5; write++) writeFileSync(file, handlerSource(`draft ${write}`));
    saveByRename(file, handlerSource("final"));
    await eventually(
      async () => ((await get(`${url}/burst`)).version === "final" ? true : undefined),
      "final served",
    );
    // Another save later makes one more reload, so the count below is not a quiet-period artefact.
    await writeFile(file, handlerSource("later"));
    await eventually(
      async () => ((await get(`${url}/burst`)).version === "later" ? true : undefined),
      "later served",
    );
    await eventually(
      async () => (count(dev?.output() ?? "", "reloaded burst:") >= 2 ? true : undefined),
      "second reload logged",
    );
    expect(count(dev.output(), "reloaded burst:")).toBe(2);
  });

  it("reloads on an edit to a module the handler imports, and recomputes concurrency settings", async () => {
    root = await serviceFolder("hr-import", [{ name: "importer" }]);
    const dir = join(root, "importer");
    await writeFile(join(dir, "lib.js"), 'exports.version = "lib-1";\n');
    await writeFile(
      join(dir, "handler.js"),
      'const lib = require("./lib.js");\nexports.handler = async () => ({ statusCode: 200, body: JSON.stringify({ version: lib.version }) });\n',
    );
    dev = await startDev(root);
    const url = dev.url;
    expect((await get(`${url}/importer`)).version).toBe("lib-1");
    saveByRename(join(dir, "lib.js"), 'exports.version = "lib-2";\n');
    await eventually(
      async () => ((await get(`${url}/importer`)).version === "lib-2" ? true : undefined),
      "lib-2 served",
    );

    // reservedConcurrency: 0 throttles every invocation (Lambda's TooManyRequestsException) once reloaded.
    saveByRename(
      join(dir, "serverless.yml"),
      manifestSource({ name: "importer" }).replace(
        "    handler:",
        "    reservedConcurrency: 0\n    handler:",
      ),
    );
    const throttled = await eventually(async () => {
      const response = await fetch(`${url}/2015-03-31/functions/importer-dev-importer/invocations`, {
        method: "POST",
        body: "{}",
      });
      await response.text();
      return response.status === 429 ? response : undefined;
    }, "throttled");
    expect(throttled.status).toBe(429);
  });

  it("declares schedules again when a manifest edit adds one", async () => {
    root = await serviceFolder("hr-schedule", [{ name: "ticker" }]);
    dev = await startDev(root);
    const manifest = join(root, "ticker", "serverless.yml");
    saveByRename(
      manifest,
      manifestSource({ name: "ticker" }).replace(
        "      - httpApi:",
        "      - schedule: rate(1 hour)\n      - httpApi:",
      ),
    );
    await eventually(
      async () =>
        dev?.output().includes("schedules: 1 rule(s) declared again after a reload") ? true : undefined,
      "schedule declared",
    );
    // A code-only edit leaves the rules (and their timers) alone.
    saveByRename(join(root, "ticker", "handler.js"), handlerSource("v2"));
    await eventually(
      async () => ((await get(`${dev?.url}/ticker`)).version === "v2" ? true : undefined),
      "v2 served",
    );
    expect(count(dev.output(), "declared again after a reload")).toBe(1);
  });

  it("leaves no syntax-checker or esbuild process behind when killed", async () => {
    root = await serviceFolder("hr-orphans", [{ name: "orphans" }]);
    dev = await startDev(root);
    saveByRename(join(root, "orphans", "handler.js"), handlerSource("v2"));
    await eventually(
      async () => ((await get(`${dev?.url}/orphans`)).version === "v2" ? true : undefined),
      "v2 served",
    );
    const checker = await eventually(
      async () =>
        childrenOf(dev?.child.pid ?? -1).find((child) => /syntax-check-process/.test(child.command)),
      "checker running",
    );
    const esbuild = await eventually(
      async () => childrenOf(checker.pid).find((child) => /esbuild/.test(child.command)),
      "esbuild running",
    );
    dev.child.kill("SIGKILL");
    await dev.exited;
    await eventually(
      async () => (alive(checker.pid) || alive(esbuild.pid) ? undefined : true),
      "checker and esbuild gone",
    );
  });

  it("reloads a service when a file its manifest reads from outside its folder changes", async () => {
    root = await serviceFolder("hr-outside", [{ name: "reader" }]);
    const shared = join(root, "..", `${root.split("/").pop()}-shared.yml`);
    outsideFiles.push(shared);
    await writeFile(shared, "greeting: first\n");
    const dir = join(root, "reader");
    await writeFile(
      join(dir, "handler.js"),
      "exports.handler = async () => ({ statusCode: 200, body: JSON.stringify({ version: process.env.GREETING }) });\n",
    );
    await writeFile(
      join(dir, "serverless.yml"),
      manifestSource({ name: "reader" }).replace(
        "  runtime: nodejs20.x\n",
        `  runtime: nodejs20.x\n  environment:\n    GREETING: \${file(../../${shared.split("/").pop()}):greeting}\n`,
      ),
    );
    dev = await startDev(root);
    const first = await get(`${dev.url}/reader`);
    expect(first.version).toBe("first");
    saveByRename(shared, "greeting: second\n");
    const second = await eventually(async () => {
      const answer = await get(`${dev?.url}/reader`);
      return answer.version === "second" ? answer : undefined;
    }, "the new value served");
    expect(second.revision).not.toBe(first.revision);
  });

  it("does not watch with --no-watch", async () => {
    root = await serviceFolder("hr-nowatch", [{ name: "still" }]);
    dev = await startDev(root, {}, ["--no-watch"]);
    expect(dev.output()).not.toContain("hot reload: watching");
    const first = await get(`${dev.url}/still`);
    saveByRename(join(root, "still", "handler.js"), handlerSource("v2"));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The warm environment goes on with the code it loaded, under the same revision: nothing was reloaded.
    expect(await get(`${dev.url}/still`)).toMatchObject({
      version: "v1",
      served: 2,
      revision: first.revision,
    });
    expect(dev.output()).not.toContain("reloaded still");
  });
});
