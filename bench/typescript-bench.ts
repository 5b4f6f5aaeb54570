/**
 * TypeScript handler benchmark (runtime/bundling/). From one run, interleaved rounds on the TS fixture service
 * (test/fixtures/typescript/, a handler importing another .ts module and a production dependency):
 *  - plain JS cold start: the same function already compiled to JavaScript (esbuild's output, loaded as it is);
 *  - the same with NODE_OPTIONS=--enable-source-maps, which Lambkin sets for bundled functions: its share apart;
 *  - first bundle: a cold start whose environment bundles the handler (its stored build removed first);
 *  - cached bundle: a cold start whose stored build is still good (inputs hashed, no esbuild run);
 * each as a median and divided by the plain JS cold start measured in the same rounds; and the preparation step
 * alone (TypeScriptBundler.prepare: esbuild's build, or the stored build's check), which a loaded machine's
 * cold-start noise would otherwise hide.
 * Run: npm run bench:typescript
 */
import { randomBytes } from "node:crypto";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { build } from "esbuild";
import { pino } from "pino";
import { TypeScriptBundler } from "../runtime/bundling/typescript-bundler.js";
import { type LambkinRuntime, startRuntime } from "../runtime/lambkin-runtime.js";
import { PACKAGE_ROOT } from "../runtime/package-paths.js";
import { median, ms, percentile, ratio } from "./stats.js";

const ROUNDS = Number(process.env.BENCH_TYPESCRIPT_ROUNDS ?? 10);

async function prepareService(): Promise<string> {
  const dir = join(PACKAGE_ROOT, "test-output", `bench-typescript-${randomBytes(4).toString("hex")}`);
  await mkdir(dir, { recursive: true });
  await cp(join(PACKAGE_ROOT, "test", "fixtures", "typescript"), dir, { recursive: true });
  await cp(join(dir, "vendor"), join(dir, "node_modules"), { recursive: true });
  // The same handler as JavaScript, compiled once ahead: what a plain JS service runs.
  await build({
    absWorkingDir: dir,
    entryPoints: [join(dir, "src", "handler.ts")],
    outfile: join(dir, "plainjs", "handler.js"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["@aws-sdk/*", "greeting-prod"],
    logLevel: "silent",
  });
  const manifest = join(dir, "serverless.yml");
  await writeFile(
    manifest,
    `${await readFile(manifest, "utf8")}  plain:\n    handler: plainjs/handler.hello\n  plainMaps:\n    handler: plainjs/handler.hello\n    environment:\n      NODE_OPTIONS: --enable-source-maps\n`,
  );
  return dir;
}

async function cold(runtime: LambkinRuntime, fn: string, before?: () => Promise<void>): Promise<number> {
  await Promise.all(runtime.pool.list().map((environment) => environment.destroy()));
  await before?.();
  const started = performance.now();
  const result = await runtime.invoker.invoke(fn, '{"name":"bench"}');
  const elapsed = performance.now() - started;
  if (result.functionError) throw new Error(`${fn} failed: ${result.payload.toString()}`);
  return elapsed;
}

async function main(): Promise<void> {
  const dir = await prepareService();
  const runtime = await startRuntime({ dir, logger: pino({ level: "silent" }), env: {} });
  const buildDir = join(dir, ".lambkin", "build", "hello");
  const samples = {
    plain: [] as number[],
    maps: [] as number[],
    first: [] as number[],
    cached: [] as number[],
  };
  const step = { first: [] as number[], cached: [] as number[] };
  const bundler = new TypeScriptBundler({ warn: () => {}, error: () => {}, info: () => {} });
  try {
    await cold(runtime, "plain"); // warm the page cache and esbuild's service once, for every series alike
    await cold(runtime, "hello");
    for (let round = 0; round < ROUNDS; round++) {
      samples.plain.push(await cold(runtime, "plain"));
      samples.maps.push(await cold(runtime, "plainMaps"));
      samples.first.push(await cold(runtime, "hello", () => rm(buildDir, { recursive: true, force: true })));
      samples.cached.push(await cold(runtime, "hello"));
      const fn = runtime.registry.resolve("hello");
      if (!fn) throw new Error("no hello function");
      await rm(buildDir, { recursive: true, force: true });
      let started = performance.now();
      await bundler.prepare(fn);
      step.first.push(performance.now() - started);
      started = performance.now();
      await bundler.prepare(fn);
      step.cached.push(performance.now() - started);
    }
  } finally {
    await runtime.close();
    await rm(dir, { recursive: true, force: true });
  }
  const baseline = median(samples.plain);
  console.log(`TypeScript handlers: cold starts of one function, ${ROUNDS} interleaved rounds`);
  for (const [label, series] of [
    ["plain JS cold start (baseline)", samples.plain],
    ["plain JS, --enable-source-maps", samples.maps],
    ["TypeScript, first bundle", samples.first],
    ["TypeScript, cached bundle", samples.cached],
  ] as const) {
    console.log(
      `  ${label.padEnd(32)} p50 ${ms(median(series)).padStart(10)}  p95 ${ms(percentile(series, 95)).padStart(10)}  ${ratio(median(series), baseline)}`,
    );
  }
  console.log(
    `  the preparation step alone: first bundle p50 ${ms(median(step.first))}, cached p50 ${ms(median(step.cached))} (${ratio(median(step.first), median(step.cached))} the cached check)`,
  );
  console.log(
    `  what bundling adds to a cold start: first ${ms(median(samples.first) - baseline)}, cached ${ms(median(samples.cached) - baseline)} (p50)`,
  );
}

await main();
