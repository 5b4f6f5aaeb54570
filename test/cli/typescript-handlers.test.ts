// TypeScript handlers (runtime/bundling/): real esbuild, real `lambkin invoke` processes on a copy of the TS fixture
// service. Source-mapped stack traces, the syntax error's shape, type errors that run, the content cache, NODE_OPTIONS.
import { appendFile, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runLambkin } from "../support/run-lambkin.js";
import { removeTypeScriptServices, typeScriptService } from "../support/typescript-service.js";

function invoke(dir: string, fn: string, data = "{}", env: NodeJS.ProcessEnv = {}) {
  return runLambkin(["invoke", fn, "--dir", dir, "--data", data], env);
}

describe("TypeScript handlers", () => {
  afterAll(removeTypeScriptServices);
  it("bundles a .ts handler that imports another .ts module and a production dependency", async () => {
    const dir = await typeScriptService("ts-hello");
    const run = await invoke(dir, "hello", '{"name":"Ada"}');
    expect(run.stderr).not.toContain("ERROR");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ greeting: "Hello, Ada", text: "HELLO, ADA!" });
    // The bundle lives where the hot-reload helper ignores it, and the external stays an import.
    const [build] = (await readdir(join(dir, ".lambkin", "build", "hello"))).filter((name) =>
      /^[0-9a-f]{16}$/.test(name),
    );
    const bundle = await readFile(
      join(dir, ".lambkin", "build", "hello", build as string, "src", "handler.js"),
      "utf8",
    );
    expect(bundle).toContain('from "greeting-prod"');
    expect(bundle).toContain("sourceMappingURL=handler.js.map");
  });

  it("points the error payload's trace and the logged error at the .ts lines", async () => {
    const dir = await typeScriptService("ts-trace");
    const run = await invoke(dir, "fail", '{"name":"boom"}');
    expect(run.code).toBe(1);
    const payload = JSON.parse(run.stdout) as { errorType: string; errorMessage: string; trace: string[] };
    expect(payload.errorType).toBe("Error");
    expect(payload.errorMessage).toBe("exploded: boom");
    expect(payload.trace[1]).toBe(`    at explode (${join(dir, "src", "format.ts")}:10:9)`);
    expect(payload.trace[2]).toContain(`${join(dir, "src", "handler.ts")}:14:10)`);
    expect(run.stderr).toContain(`"    at explode (${join(dir, "src", "format.ts")}:10:9)"`);
  });

  it("leaves @aws-sdk/* external: resolved at run time, as the Node runtimes provide it", async () => {
    const dir = await typeScriptService("ts-sdk");
    const run = await invoke(dir, "sdk");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ client: "SQSClient", region: "us-east-1" });
    const builds = join(dir, ".lambkin", "build", "sdk");
    const [build] = (await readdir(builds)).filter((name) => /^[0-9a-f]{16}$/.test(name));
    const bundle = await readFile(join(builds, build as string, "src", "sdk.js"), "utf8");
    expect(bundle).toContain('from "@aws-sdk/client-sqs"');
    expect(bundle.length).toBeLessThan(5_000);
  });

  it("runs code with a type error: esbuild strips types, it does not check them", async () => {
    const dir = await typeScriptService("ts-types");
    const run = await invoke(dir, "typeError");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('"count is three"\n');
  });

  it("fails a syntax error's invocations as Runtime.UserCodeSyntaxError naming file:line:column, logged once", async () => {
    const dir = await typeScriptService("ts-syntax");
    await appendFile(join(dir, "src", "format.ts"), "export const broken = (;\n");
    const run = await invoke(dir, "hello");
    expect(run.code).toBe(1);
    const location = `${join(dir, "src", "format.ts")}:12:24`;
    expect(JSON.parse(run.stdout)).toMatchObject({
      errorType: "Runtime.UserCodeSyntaxError",
      errorMessage: `SyntaxError: ${location}: Unexpected ";"`,
    });
    expect(run.stderr.split("[LKN_ERR_TYPESCRIPT_SYNTAX]").length - 1).toBe(1);
    expect(run.stderr).toContain(
      'src/format.ts:12:24: SyntaxError: Unexpected ";"\n    export const broken = (;\n',
    );
    expect(run.stderr).toContain("Uncaught Exception");
    // A fix is picked up by the next environment: the cache follows the content.
    const source = await readFile(join(dir, "src", "format.ts"), "utf8");
    await writeFile(join(dir, "src", "format.ts"), source.replace("export const broken = (;\n", ""));
    const fixed = await invoke(dir, "hello");
    expect(fixed.code).toBe(0);
  });

  it("reuses the stored bundle while no input changed, and rebuilds when one does", async () => {
    const dir = await typeScriptService("ts-cache");
    const first = await invoke(dir, "hello");
    expect(first.stderr).toContain("bundled hello's TypeScript handler");
    const warm = await invoke(dir, "hello");
    expect(warm.code).toBe(0);
    expect(warm.stderr).not.toContain("bundled hello's TypeScript handler");
    const file = join(dir, "src", "format.ts");
    await writeFile(file, (await readFile(file, "utf8")).replace("}!`", "}!!`"));
    const changed = await invoke(dir, "hello", '{"name":"x"}');
    expect(changed.stderr).toContain("bundled hello's TypeScript handler");
    expect(JSON.parse(changed.stdout).text).toBe("HELLO, X!!");
  });

  it("keeps a NODE_OPTIONS the function sets, and says that its traces then point at the bundle", async () => {
    const dir = await typeScriptService("ts-node-options");
    const manifest = join(dir, "serverless.yml");
    await writeFile(
      manifest,
      (await readFile(manifest, "utf8")).replace(
        "    handler: src/handler.fail\n",
        "    handler: src/handler.fail\n    environment:\n      NODE_OPTIONS: --max-old-space-size=200\n",
      ),
    );
    const run = await invoke(dir, "fail");
    expect(run.stderr).toContain("[LKN_WRN_TYPESCRIPT_SOURCE_MAPS_OFF]");
    const payload = JSON.parse(run.stdout) as { trace: string[] };
    expect(payload.trace[1]).toContain("/.lambkin/build/fail/");
  });

  it("warns once, with a code, about a custom.esbuild option it does not apply", async () => {
    const dir = await typeScriptService("ts-options");
    const manifest = join(dir, "serverless.yml");
    await writeFile(
      manifest,
      (await readFile(manifest, "utf8")).replace("  esbuild:\n", "  esbuild:\n    plugins: ./plugins.js\n"),
    );
    const run = await invoke(dir, "hello");
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("[LKN_WRN_ESBUILD_OPTION_IGNORED]");
    expect(run.stderr).toContain("custom.esbuild.plugins");
  });

  it("fails in Lambda's shape, with a code, when the build folder cannot be written", async () => {
    const dir = await typeScriptService("ts-unwritable");
    await writeFile(join(dir, ".lambkin"), "a file where the build folder would go\n");
    const run = await invoke(dir, "hello");
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ errorType: "Runtime.ImportModuleError" });
    expect(run.stderr).toContain("[LKN_ERR_TYPESCRIPT_BUILD_FAILED]");
  });
});
