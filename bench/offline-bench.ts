/**
 * serverless-offline benchmark (issue #12, its measuring part). In one run, on one machine, `GET /hello` of
 * functions/hello (the `api` function, an `http` event) through:
 *   - a bare fastify route returning the same JSON (the ceiling),
 *   - serverless-offline 13.10 under Serverless Framework 3.40, in its default worker-thread mode and with
 *     `--useInProcess`, as `sls offline` child processes (installed by bench/serverless-offline-install.ts into a
 *     cache, not a dependency of Lambkin),
 *   - Lambkin as a real `lambkin dev` child process, default (process) sandbox: one environment per in-flight
 *     invocation,
 *   - the same with the function on Lambda Managed Instances (`capacityProvider`): several invocations per
 *     environment, over two worker threads.
 * c=1, 10, 50, keep-alive closed loops (bench/http-load.ts), 3 interleaved rounds in rotating order, medians.
 * Prints req/s, p50, p99, the ratios the issue aims at, Lambkin's main-process CPU per invocation at c=1
 * (/proc/<pid>/stat), idle environment memory (RSS and PSS/USS from /proc/<pid>/smaps_rollup) and, with
 * BENCH_DECAY_SECONDS, throughput of the first vs the last 10 s of a long c=50 run.
 * Run: npm run bench:offline   (BENCH_SECONDS=5, BENCH_DECAY_SECONDS=60)
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { PACKAGE_ROOT } from "../runtime/package-paths.js";
import { type LoadResult, load, WARM_UP_SECONDS } from "./http-load.js";
import { cpuSecondsOf } from "./process-cpu.js";
import { freePort } from "./redis-server.js";
import {
  installServerlessOffline,
  SERVERLESS_OFFLINE_VERSION,
  SERVERLESS_VERSION,
} from "./serverless-offline-install.js";
import { median } from "./stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const DECAY_SECONDS = Number(process.env.BENCH_DECAY_SECONDS ?? 0);
const ROUNDS = 3;
const CONCURRENCIES = [1, 10, 50];
const PATH = "/hello";
const BODY = JSON.stringify({ message: "Hello Lambda" });
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;

/** Every child and temp folder this run made, removed on exit or signal. */
const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

function cleanUp(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL"); // its own process group: sls and its workers, lambkin and its environments
      } catch {
        child.kill("SIGKILL");
      }
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}
process.on("exit", cleanUp);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.on(signal, () => {
    cleanUp();
    process.exit(130);
  });

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

interface Target {
  /** What the target printed so far (Lambkin's own targets). */
  readonly output?: () => string;
  readonly name: string;
  readonly port: number;
  readonly pid?: number;
  stop(): Promise<void>;
}

/** Spawns `command` in its own process group and resolves once `ready` matches its output. */
async function startChild(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; ready: RegExp },
): Promise<{ child: ChildProcess; match: RegExpExecArray; output: () => string; stop(): Promise<void> }> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.add(child);
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    // the group may outlive its leader (workers, environments)
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {}
    children.delete(child);
  };
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name}: not ready after ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = options.ready.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited before ready:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { child, match, output: () => output, stop };
}

async function bareFastify(): Promise<Target> {
  const app: FastifyInstance = Fastify();
  app.get(PATH, async (_request, reply) => reply.type("application/json").send(BODY));
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  return {
    name: "bare fastify",
    port: typeof address === "object" && address ? address.port : 0,
    stop: () => app.close(),
  };
}

/** A copy of functions/hello with the serverless-offline plugin added, the cached node_modules linked in. */
function offlineService(cache: string): string {
  const dir = tempDir("lambkin-bench-sls-");
  cpSync(join(PACKAGE_ROOT, "functions", "hello"), dir, { recursive: true });
  const yml = readFileSync(join(dir, "serverless.yml"), "utf8");
  writeFileSync(join(dir, "serverless.yml"), `${yml.trimEnd()}\n\nplugins:\n  - serverless-offline\n`);
  symlinkSync(join(cache, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

async function serverlessOffline(sls: string, service: string, inProcess: boolean): Promise<Target> {
  const [httpPort, lambdaPort, websocketPort, albPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const args = [
    sls,
    "offline",
    "start",
    "--host",
    "127.0.0.1",
    "--httpPort",
    String(httpPort),
    "--lambdaPort",
    String(lambdaPort),
    "--websocketPort",
    String(websocketPort),
    "--albPort",
    String(albPort),
    "--noPrependStageInUrl",
    ...(inProcess ? ["--useInProcess"] : []),
  ];
  const name = inProcess ? "sls-offline in-process" : "sls-offline workers";
  const started = await startChild(name, process.execPath, args, {
    cwd: service,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      AWS_REGION: "us-east-1",
      SLS_TELEMETRY_DISABLED: "1",
      SLS_TRACKING_DISABLED: "1",
      SLS_NOTIFICATIONS_MODE: "off",
      SLS_DEPRECATION_DISABLE: "*",
      SLS_INTERACTIVE_SETUP_DISABLE: "1",
      NO_UPDATE_NOTIFIER: "1",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    },
    ready: /Server ready/,
  });
  return { name, port: httpPort, pid: started.child.pid, stop: started.stop };
}

/**
 * A copy of functions/hello whose `api` function runs on Lambda Managed Instances (docs/lambda-behaviour.md §4a):
 * nodejs22.x, `capacityProvider` with 2 × 2 GiB per vCPU = two worker threads, Node's default 64 invocations per
 * vCPU. Same handler, same answer; several invocations per environment instead of one.
 */
function managedInstancesService(): string {
  const dir = tempDir("lambkin-bench-managed-");
  chmodSync(dir, 0o755); // mkdtemp makes it 0700: the process sandbox runs the function as a user of its own
  cpSync(join(PACKAGE_ROOT, "functions", "hello"), dir, { recursive: true });
  const yml = readFileSync(join(dir, "serverless.yml"), "utf8")
    .replace("runtime: nodejs20.x", "runtime: nodejs22.x")
    .replace(
      "    handler: api.hello\n",
      "    handler: api.hello\n    memorySize: 4096\n    capacityProvider: default\n",
    );
  if (!yml.includes("capacityProvider"))
    throw new Error("functions/hello/serverless.yml changed: update the bench");
  writeFileSync(join(dir, "serverless.yml"), yml);
  return dir;
}

async function lambkinDev(dir = join(PACKAGE_ROOT, "functions", "hello"), name = "Lambkin"): Promise<Target> {
  const started = await startChild(
    `lambkin dev (${name})`,
    process.execPath,
    [join(PACKAGE_ROOT, "bin", "lambkin.js"), "dev", "--dir", dir, "--port", "0", "--log-format", "pretty"],
    {
      cwd: PACKAGE_ROOT,
      env: {
        ...process.env,
        LAMBKIN_ACCESS_KEYS: "",
        NO_COLOR: "1",
        LAMBKIN_STATE_DIR: tempDir("lambkin-bench-offline-state-"),
      },
      ready: /ready on http:\/\/[\d.]+:(\d+)/,
    },
  );
  return {
    name,
    port: Number(started.match[1]),
    pid: started.child.pid,
    stop: started.stop,
    output: started.output,
  };
}

/** Each target must answer 200 with the same body before it is measured. */
async function checkSameAnswer(target: Target): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${target.port}${PATH}`, {
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  if (response.status !== 200 || JSON.stringify(JSON.parse(body)) !== BODY)
    throw new Error(
      `${target.name}: GET ${PATH} answered ${response.status} ${body}, expected 200 ${BODY}\n${target.output?.() ?? ""}`,
    );
}

/** `concurrency` simultaneous requests a few times, so that the environments the loops use have started. */
async function warmEnvironments(target: Target, concurrency: number): Promise<void> {
  for (let round = 0; round < 3; round++)
    await Promise.all(
      Array.from({ length: concurrency }, () =>
        fetch(`http://127.0.0.1:${target.port}${PATH}`).then((response) => response.text()),
      ),
    );
}

interface ProcInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
}

function processes(): ProcInfo[] {
  const list: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      list.push({ pid: Number(entry), ppid, comm });
    } catch {}
  }
  return list;
}

/** The node processes below `root` (environments: bwrap → node bootstrap). */
function nodeDescendants(root: number): number[] {
  const all = processes();
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const child of all.filter((p) => p.ppid === pid)) {
      if (child.comm === "node") found.push(child.pid);
      walk(child.pid);
    }
  };
  walk(root);
  return found;
}

function memoryKb(pid: number): { rss: number; pss: number; uss: number } | undefined {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? Number.NaN);
    return {
      rss: field("Rss"),
      pss: field("Pss"),
      uss: field("Private_Clean") + field("Private_Dirty"),
    };
  } catch {
    return undefined;
  }
}

/**
 * The memory of a node process that loaded nothing: the floor under any environment that runs node. Its RSS is
 * mostly the node binary's own pages (text and read-only data, shared by every node process on the machine).
 */
async function emptyNodeMemory(): Promise<ReturnType<typeof memoryKb>> {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  children.add(child);
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return child.pid === undefined ? undefined : memoryKb(child.pid);
  } finally {
    child.kill("SIGKILL");
    children.delete(child);
  }
}

function mb(kb: number): string {
  return `${(kb / 1024).toFixed(1)} MB`;
}

function verdict(met: boolean): string {
  return met ? "met" : "NOT met";
}

async function decay(target: Target): Promise<void> {
  const windowSeconds = 10;
  const windows: number[] = [];
  const windowCount = Math.max(2, Math.floor(DECAY_SECONDS / windowSeconds));
  for (let index = 0; index < windowCount; index++) {
    const result = await load({
      port: target.port,
      path: PATH,
      concurrency: 50,
      seconds: windowSeconds - WARM_UP_SECONDS,
    });
    windows.push(result.perSecond);
  }
  const first = windows[0] ?? Number.NaN;
  const last = windows[windows.length - 1] ?? Number.NaN;
  console.log(
    `  ${target.name.padEnd(24)} first 10 s ${first.toFixed(0).padStart(6)}/s   last 10 s ${last.toFixed(0).padStart(6)}/s   last/first ${(last / first).toFixed(2)}×   (every window: ${windows.map((w) => w.toFixed(0)).join(", ")})`,
  );
}

async function main(): Promise<void> {
  const { folder, sls } = await installServerlessOffline();
  const service = offlineService(folder);
  console.log("starting bare fastify, serverless-offline (workers, in-process) and lambkin dev…");
  const targets: Target[] = [];
  try {
    targets.push(await bareFastify());
    targets.push(await serverlessOffline(sls, service, false));
    targets.push(await serverlessOffline(sls, service, true));
    targets.push(await lambkinDev());
    targets.push(await lambkinDev(managedInstancesService(), "Lambkin managed inst."));
    for (const target of targets) await checkSameAnswer(target);
    const [bare, workers, inProcess, lambkin, managed] = targets as [Target, Target, Target, Target, Target];
    console.log(
      `\nGET ${PATH} of functions/hello — node ${process.version}, Serverless ${SERVERLESS_VERSION} + serverless-offline ${SERVERLESS_OFFLINE_VERSION}, ` +
        `${ROUNDS} interleaved rounds of ${SECONDS}s loops after ${WARM_UP_SECONDS}s warm-up, medians\n`,
    );
    const results = new Map<string, LoadResult[]>();
    const key = (target: Target, concurrency: number) => `${target.name}@${concurrency}`;
    let lambkinCpu = 0;
    let lambkinRequests = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const concurrency of CONCURRENCIES) {
        const order = targets.map((_, index) => targets[(index + round) % targets.length] as Target);
        for (const target of order) {
          if (target === lambkin || target === managed) await warmEnvironments(target, concurrency);
          const cpuBefore =
            target === lambkin && concurrency === 1 && target.pid ? cpuSecondsOf(target.pid) : 0;
          const started = performance.now();
          const result = await load({ port: target.port, path: PATH, concurrency, seconds: SECONDS });
          if (target === lambkin && concurrency === 1 && target.pid) {
            // CPU over warm-up + measured loops, divided by the requests of both (the rate times the whole time)
            lambkinCpu += cpuSecondsOf(target.pid) - cpuBefore;
            lambkinRequests += result.perSecond * ((performance.now() - started) / 1000);
          }
          results.set(key(target, concurrency), [...(results.get(key(target, concurrency)) ?? []), result]);
          process.stdout.write(".");
        }
      }
    }
    process.stdout.write("\n\n");
    const point = (target: Target, concurrency: number) => {
      const runs = results.get(key(target, concurrency)) ?? [];
      return {
        perSecond: median(runs.map((r) => r.perSecond)),
        p50: median(runs.map((r) => r.p50)),
        p99: median(runs.map((r) => r.p99)),
        errors: runs.reduce((sum, r) => sum + r.errors, 0),
      };
    };
    console.log(
      `${"".padEnd(24)}${CONCURRENCIES.map((c) => `c=${c}: req/s     p50      p99`.padStart(34)).join("")}`,
    );
    for (const target of targets) {
      const cells = CONCURRENCIES.map((c) => {
        const p = point(target, c);
        return `${p.perSecond.toFixed(0).padStart(12)} ${p.p50.toFixed(2).padStart(8)} ${p.p99.toFixed(2).padStart(8)}${p.errors > 0 ? ` (${p.errors} err)` : ""}`.padStart(
          34,
        );
      });
      console.log(`${target.name.padEnd(24)}${cells.join("")}`);
    }
    console.log("(latencies in ms)\n");
    const rate = (target: Target, c: number) => point(target, c).perSecond;
    const aims: [string, number, number, boolean][] = [
      ["Lambkin / bare fastify, c=1", rate(lambkin, 1) / rate(bare, 1), 0.35, true],
      ["Lambkin / sls-offline in-process, c=10", rate(lambkin, 10) / rate(inProcess, 10), 1.0, true],
      ["Lambkin / sls-offline in-process, c=50", rate(lambkin, 50) / rate(inProcess, 50), 1.0, true],
      ["Lambkin p99 / p50, c=50", point(lambkin, 50).p99 / point(lambkin, 50).p50, 2.0, false],
      ["Lambkin managed instances / bare, c=50", rate(managed, 50) / rate(bare, 50), 0.2, true],
    ];
    console.log("ratios (issue #12 aims)");
    for (const [label, value, aim, atLeast] of aims)
      console.log(
        `  ${label.padEnd(42)} ${value.toFixed(2).padStart(6)}×   aim ${atLeast ? "≥" : "≤"} ${aim.toFixed(2)}× → ${verdict(atLeast ? value >= aim : value <= aim)}`,
      );
    console.log("other ratios");
    for (const c of CONCURRENCIES)
      console.log(
        `  c=${String(c).padEnd(3)} Lambkin / bare ${(rate(lambkin, c) / rate(bare, c)).toFixed(2)}×, / sls-offline workers ${(rate(lambkin, c) / rate(workers, c)).toFixed(2)}×, / in-process ${(rate(lambkin, c) / rate(inProcess, c)).toFixed(2)}×; in-process / workers ${(rate(inProcess, c) / rate(workers, c)).toFixed(2)}×`,
      );
    for (const c of CONCURRENCIES)
      console.log(
        `  c=${String(c).padEnd(3)} Lambkin managed instances / bare ${(rate(managed, c) / rate(bare, c)).toFixed(2)}×, / Lambkin ${(rate(managed, c) / rate(lambkin, c)).toFixed(2)}×, / sls-offline in-process ${(rate(managed, c) / rate(inProcess, c)).toFixed(2)}×`,
      );
    const cpuMicros = (lambkinCpu / lambkinRequests) * 1e6;
    console.log(
      `\nLambkin main process (lambkin dev) CPU per invocation at c=1: ${cpuMicros.toFixed(0)} µs ` +
        `(utime+stime ${lambkinCpu.toFixed(2)} s / ${lambkinRequests.toFixed(0)} requests, incl. its HTTP gateway)   aim ≤ 150 µs → ${verdict(cpuMicros <= 150)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 2000)); // idle: every environment back waiting for /next
    const environments = nodeDescendants(lambkin.pid ?? -1)
      .map(memoryKb)
      .filter((m): m is NonNullable<typeof m> => m !== undefined);
    if (environments.length === 0) console.log("idle environments: none found below lambkin dev");
    else {
      const rss = median(environments.map((m) => m.rss));
      const pss = median(environments.map((m) => m.pss));
      const uss = median(environments.map((m) => m.uss));
      console.log(
        `idle environment memory (process sandbox, ${environments.length} environments, median each; from /proc/<pid>/smaps_rollup):\n` +
          `  RSS ${mb(rss)} (counts the node binary's shared file pages)   aim ≤ 25 MB → ${verdict(rss <= 25 * 1024)}\n` +
          `  PSS ${mb(pss)} (shared pages divided among their sharers)      aim ≤ 25 MB → ${verdict(pss <= 25 * 1024)}\n` +
          `  USS ${mb(uss)} (private to the environment)`,
      );
      const floor = await emptyNodeMemory();
      if (floor)
        console.log(
          `  baseline, same run: an empty node process (no module loaded, one timer) RSS ${mb(floor.rss)}, PSS ${mb(floor.pss)}, USS ${mb(floor.uss)}\n` +
            `  environment / empty node: RSS ${(rss / floor.rss).toFixed(2)}×, USS ${(uss / floor.uss).toFixed(2)}×`,
        );
    }
    console.log(
      "  (docker sandbox: dist/bench/docker-bench.js prints the host memory each idle environment takes, in both sandboxes)",
    );
    if (DECAY_SECONDS > 0) {
      console.log(`\ndecay check: c=50 for ${DECAY_SECONDS} s, 10 s windows`);
      await decay(lambkin);
      await decay(workers);
    } else console.log("\ndecay check skipped (BENCH_DECAY_SECONDS=60 npm run bench:offline runs it)");
  } finally {
    for (const target of targets.reverse()) await target.stop();
  }
}

await main();
process.exit(0);
