/**
 * Process sandbox isolation benchmark (issue 7). Prints, from one run on one machine, the isolated
 * sandbox (bwrap, a uid per environment) against the unisolated one (LAMBKIN_PROCESS_ISOLATION=off):
 *  - cold start (first invocation in a new environment), median of BENCH_COLD_ROUNDS;
 *  - idle memory per environment: the proportional set size (Pss) of every process in its cgroup,
 *    bwrap's own processes included;
 *  - warm invocation latency (p50), one at a time;
 *  - the Runtime API's peer check: one /proc/net/tcp lookup, and a request on a new connection with
 *    and without the check.
 * Needs root and bubblewrap for the isolated half.
 * Run: npm run build && node dist/bench/process-isolation-bench.js
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { type LambkinRuntime, startRuntime } from "../runtime/lambkin-runtime.js";
import { peerUid } from "../runtime/runtime-api/peer-credentials.js";
import { RuntimeApiServer } from "../runtime/runtime-api/runtime-api-server.js";
import { median, ms, ratio } from "./stats.js";

const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 15);
const IDLE_ENVIRONMENTS = Number(process.env.BENCH_IDLE_ENVIRONMENTS ?? 6);
const WARM_INVOCATIONS = Number(process.env.BENCH_WARM_INVOCATIONS ?? 300);
const PEER_LOOKUPS = 2000;
const KB = 1024;

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), "lambkin-isolation-bench-"));
  chmodSync(dir, 0o755);
  writeFileSync(
    join(dir, "serverless.yml"),
    "service: bench\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  memorySize: 256\nfunctions:\n  echo:\n    handler: handler.echo\n  hold:\n    handler: handler.hold\n",
  );
  writeFileSync(join(dir, "package.json"), '{ "type": "commonjs" }');
  writeFileSync(
    join(dir, "handler.js"),
    "exports.echo = async (event) => event;\nexports.hold = (event) => new Promise((resolve) => setTimeout(resolve, event.ms));\n",
  );
  return dir;
}

async function start(dir: string, isolation: "on" | "off"): Promise<LambkinRuntime> {
  process.env.LAMBKIN_PROCESS_ISOLATION = isolation;
  return startRuntime({ dir, logger: pino({ level: "silent" }), env: {}, sandbox: "process" });
}

async function coldStarts(runtime: LambkinRuntime): Promise<number[]> {
  const samples: number[] = [];
  await runtime.invoker.invoke("echo", "{}");
  for (let round = 0; round < COLD_ROUNDS; round++) {
    await Promise.all(runtime.pool.list().map((environment) => environment.destroy()));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    await runtime.invoker.invoke("echo", "{}");
    samples.push(performance.now() - started);
  }
  return samples;
}

async function warm(runtime: LambkinRuntime): Promise<number> {
  for (let i = 0; i < 30; i++) await runtime.invoker.invoke("echo", "{}");
  const samples: number[] = [];
  for (let i = 0; i < WARM_INVOCATIONS; i++) {
    const started = performance.now();
    await runtime.invoker.invoke("echo", "{}");
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/** Pss (kB) of every process in this Lambkin's environment cgroups, per environment. */
function pssPerEnvironment(): number[] {
  const mine = readFileSync("/proc/self/cgroup", "utf8").match(/:memory:(.*)/)?.[1] ?? "/";
  const parent = join("/sys/fs/cgroup/memory", mine);
  return readdirSync(parent)
    .filter((entry) => entry.startsWith(`lambkin-${process.pid}-`))
    .map((group) =>
      readFileSync(join(parent, group, "cgroup.procs"), "utf8")
        .split("\n")
        .filter(Boolean)
        .reduce((sum, pid) => {
          const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
          return sum + Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
        }, 0),
    );
}

async function idleMemory(runtime: LambkinRuntime): Promise<number> {
  await Promise.all(runtime.pool.list().map((environment) => environment.destroy()));
  await Promise.all(
    Array.from({ length: IDLE_ENVIRONMENTS }, () => runtime.invoker.invoke("hold", '{"ms":300}')),
  );
  await new Promise((resolve) => setTimeout(resolve, 500)); // idle and frozen
  return median(pssPerEnvironment());
}

async function peerCheck(): Promise<void> {
  const server = new RuntimeApiServer({
    nextRequested() {},
    response() {},
    error() {},
    initError() {},
    responseTooLarge() {},
  });
  const port = await server.listen("127.0.0.1");
  const agent = new Agent({ keepAlive: true });
  const get = () =>
    new Promise<Socket>((resolve, reject) => {
      const call = request({ host: "127.0.0.1", port, path: "/nope", agent }, (response) => {
        response.resume();
        response.on("end", () => resolve(call.socket as Socket));
      });
      call.on("error", reject);
      call.end();
    });
  // One lookup, on an open connection (the server's end is what the server looks up).
  const open = await get();
  const serverSide = new Promise<Socket>((resolve) => {
    (server as unknown as { server: { once(e: string, l: (s: Socket) => void): void } }).server.once(
      "connection",
      resolve,
    );
  });
  const fresh = new Agent({ keepAlive: true });
  const held = request({ host: "127.0.0.1", port, path: "/nope", agent: fresh }, (r) => r.resume());
  held.end();
  const socket = await serverSide;
  let started = performance.now();
  for (let i = 0; i < PEER_LOOKUPS; i++) await peerUid(socket);
  const lookupMs = (performance.now() - started) / PEER_LOOKUPS;
  const rows = readFileSync("/proc/net/tcp", "utf8").split("\n").length - 2;
  // A request on a new connection each time, without and with the check.
  const newConnections = async () => {
    const samples: number[] = [];
    for (let i = 0; i < 300; i++) {
      const once = new Agent({ keepAlive: false });
      const t = performance.now();
      await new Promise<void>((resolve) =>
        request({ host: "127.0.0.1", port, path: "/nope", agent: once }, (response) => {
          response.resume();
          response.on("end", () => resolve());
        }).end(),
      );
      samples.push(performance.now() - t);
    }
    return median(samples);
  };
  const unchecked = await newConnections();
  server.restrictToUid(process.getuid?.() ?? 0);
  const checked = await newConnections();
  started = performance.now();
  for (let i = 0; i < 300; i++) await get(); // kept alive: checked once
  const keptAlive = (performance.now() - started) / 300;
  console.log(
    `peer check: one /proc/net/tcp lookup ${ms(lookupMs)} (${rows} sockets); a request on a new connection ${ms(unchecked)} unchecked, ${ms(checked)} checked (${ratio(checked, unchecked)}); on a kept-alive connection ${ms(keptAlive)}`,
  );
  void open;
  held.destroy();
  agent.destroy();
  fresh.destroy();
  server.close();
}

const dir = fixture();
try {
  const results: Record<string, { cold: number; pss: number; warm: number }> = {};
  for (const isolation of ["off", "on"] as const) {
    const runtime = await start(dir, isolation);
    try {
      const cold = median(await coldStarts(runtime));
      const warmP50 = await warm(runtime);
      const pss = await idleMemory(runtime);
      results[isolation] = { cold, pss, warm: warmP50 };
      console.log(
        `isolation ${isolation}: cold start ${ms(cold)}, warm p50 ${ms(warmP50)}, idle Pss per environment ${(pss / KB).toFixed(1)} MB`,
      );
    } finally {
      await runtime.close();
    }
  }
  const { on, off } = results as Record<"on" | "off", { cold: number; pss: number; warm: number }>;
  console.log(
    `isolated ÷ unisolated: cold start ${ratio(on.cold, off.cold)} (+${ms(on.cold - off.cold)}), warm ${ratio(on.warm, off.warm)}, idle memory ${ratio(on.pss, off.pss)} (+${((on.pss - off.pss) / KB).toFixed(1)} MB)`,
  );
  await peerCheck();
} finally {
  delete process.env.LAMBKIN_PROCESS_ISOLATION;
  rmSync(dir, { recursive: true, force: true });
}
