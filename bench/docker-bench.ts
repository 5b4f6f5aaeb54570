/**
 * Docker sandbox benchmark (issue #4). Prints, from one run, ratios against baselines measured in the
 * same run on the same machine:
 *  - cold start (first invocation in a new environment) ÷ `docker run --rm <image> node -e 0`, with the
 *    standby pool (the default) and without it (LAMBKIN_DOCKER_STANDBY=0), at 1,769 MB (one vCPU, as
 *    the unlimited `docker run`) and at 128 MB (Lambda's CPU share for 128 MB: 0.07 vCPU);
 *  - warm invocation latency (p50, p99, one at a time) ÷ the process sandbox's;
 *  - idle memory per environment: the host's used memory (MemAvailable) per idle, frozen environment.
 * Needs a Docker engine and the runtime images (built offline here when missing).
 * Run: npm run bench (or node dist/bench/docker-bench.js after npm run build)
 */
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { type LambkinRuntime, startRuntime } from "../runtime/lambkin-runtime.js";
import { connectDocker } from "../runtime/sandbox/docker/docker-engine.js";
import { ensureRuntimeImages } from "../runtime/sandbox/docker/images/ensure-images.js";
import type { SandboxKind } from "../runtime/sandbox/sandbox-factory.js";
import { median, ms, percentile, ratio } from "./stats.js";

const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 10);
const WARM_INVOCATIONS = Number(process.env.BENCH_WARM_INVOCATIONS ?? 400);
const IDLE_ENVIRONMENTS = Number(process.env.BENCH_IDLE_ENVIRONMENTS ?? 8);
const IMAGE = "lambkin/runtime:nodejs20.x";
const MB = 1024 * 1024;

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), "lambkin-docker-bench-"));
  chmodSync(dir, 0o755); // the code must be readable by the sandbox's unprivileged user, as on Lambda
  const functions = (memory: number) => `    handler: handler.echo\n    memorySize: ${memory}\n`;
  writeFileSync(
    join(dir, "serverless.yml"),
    `service: bench\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  timeout: 30\nfunctions:\n  vcpu:\n${functions(1769)}  small:\n${functions(128)}  hold:\n    handler: handler.hold\n    memorySize: 128\n`,
  );
  writeFileSync(join(dir, "package.json"), '{ "type": "commonjs" }');
  writeFileSync(
    join(dir, "handler.js"),
    "exports.echo = async (event) => ({ ok: true, n: event.n });\nexports.hold = (event) => new Promise((resolve) => setTimeout(resolve, event.ms));\n",
  );
  return dir;
}

function timeCommand(command: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) =>
    execFile(command, args, (error) => (error ? reject(error) : resolve(performance.now() - started))),
  );
}

async function start(dir: string, sandbox: SandboxKind, standby = "1"): Promise<LambkinRuntime> {
  process.env.LAMBKIN_DOCKER_STANDBY = standby;
  return startRuntime({ dir, logger: pino({ level: "silent" }), env: {}, sandbox });
}

async function coldStarts(runtime: LambkinRuntime, fn: string): Promise<number[]> {
  const samples: number[] = [];
  await runtime.invoker.invoke(fn, "{}"); // the function's first cold start fills its standby pool
  for (let round = 0; round < COLD_ROUNDS; round++) {
    await Promise.all(runtime.pool.list().map((environment) => environment.destroy()));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // cold starts come after a while
    const started = performance.now();
    await runtime.invoker.invoke(fn, "{}");
    samples.push(performance.now() - started);
  }
  return samples;
}

async function warmLatencies(runtime: LambkinRuntime, fn: string): Promise<number[]> {
  for (let i = 0; i < 50; i++) await runtime.invoker.invoke(fn, '{"n":1}');
  const samples: number[] = [];
  for (let i = 0; i < WARM_INVOCATIONS; i++) {
    const started = performance.now();
    await runtime.invoker.invoke(fn, '{"n":1}');
    samples.push(performance.now() - started);
  }
  return samples;
}

function availableBytes(): number {
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Host memory taken per idle environment: IDLE_ENVIRONMENTS environments made at once, then left idle. */
async function idleMemoryPerEnvironment(runtime: LambkinRuntime): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const before = availableBytes();
  await Promise.all(
    Array.from({ length: IDLE_ENVIRONMENTS }, () => runtime.invoker.invoke("hold", '{"ms":300}')),
  );
  await new Promise((resolve) => setTimeout(resolve, 2000)); // idle, frozen, standbys settled
  const environments = runtime.pool.list().length;
  return (before - availableBytes()) / environments;
}

function line(label: string, value: string, baseline: string, versus: string): void {
  console.log(
    `${label.padEnd(44)} ${value.padStart(11)}   baseline ${baseline.padStart(11)}   ratio ${versus}`,
  );
}

async function main(): Promise<void> {
  await ensureRuntimeImages(connectDocker(), { offline: true });
  const dir = fixture();
  try {
    console.log(
      `Lambkin docker sandbox benchmark — ${COLD_ROUNDS} cold rounds, ${WARM_INVOCATIONS} warm invocations\n`,
    );
    const dockerRun: number[] = [];
    for (let round = 0; round < COLD_ROUNDS; round++) {
      dockerRun.push(await timeCommand("docker", ["run", "--rm", IMAGE, "node", "-e", "0"]));
    }
    const baseline = median(dockerRun);
    for (const standby of ["1", "0"]) {
      const runtime = await start(dir, "docker", standby);
      try {
        for (const fn of ["vcpu", "small"]) {
          const cold = median(await coldStarts(runtime, fn));
          const label = `cold start, ${fn === "vcpu" ? "1769 MB" : "128 MB"}, ${standby === "1" ? "standby" : "no standby"}`;
          line(label, ms(cold), ms(baseline), `${ratio(cold, baseline)} (target ≤ 1.00×)`);
        }
      } finally {
        await runtime.close();
      }
    }

    const processRuntime = await start(dir, "process");
    const dockerRuntime = await start(dir, "docker");
    try {
      console.log("");
      for (const fn of ["vcpu", "small"]) {
        const local = await warmLatencies(processRuntime, fn);
        const contained = await warmLatencies(dockerRuntime, fn);
        for (const p of [50, 99]) {
          const label = `warm p${p}, ${fn === "vcpu" ? "1769 MB" : "128 MB"} (docker vs process)`;
          line(
            label,
            ms(percentile(contained, p)),
            ms(percentile(local, p)),
            ratio(percentile(contained, p), percentile(local, p)),
          );
        }
      }
      console.log("");
      const processIdle = await idleMemoryPerEnvironment(processRuntime);
      const dockerIdle = await idleMemoryPerEnvironment(dockerRuntime);
      line(
        "idle memory per environment (host)",
        `${(dockerIdle / MB).toFixed(1)} MB`,
        `${(processIdle / MB).toFixed(1)} MB`,
        ratio(dockerIdle, processIdle),
      );
    } finally {
      await dockerRuntime.close();
      await processRuntime.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
