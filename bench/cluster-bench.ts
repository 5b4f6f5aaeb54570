/**
 * Cluster benchmark (issue #8). Measures, in one run on one machine, synchronous `GET /hello` of functions/hello
 * through `lambkin gateway` + one `lambkin worker` (the request crosses Redis to the worker and its reply comes
 * back on the gateway's channel) against `lambkin dev` all-in-one, at concurrency 1 and 50, in interleaved rounds
 * (each round measures every setup once, in turn, so that drift of the machine hits all of them alike), and prints
 * the medians over the rounds of requests/s and p50 with their ratios and the p50 the split adds.
 * A third setup, `lambkin dev` with REDIS_URL (its concurrency caps in Redis, as a worker's are), tells the cost of
 * the sync channel from the cost of cluster-wide caps.
 * Aim: the split adds ≤ 1 ms p50. Every process is real and logs at warn (no per-invocation log lines).
 * Run: npm run bench:cluster   (BENCH_SECONDS=3, BENCH_ROUNDS=3 by default)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PACKAGE_ROOT } from "../runtime/package-paths.js";
import { type LoadResult, load, WARM_UP_SECONDS } from "./http-load.js";
import { freePort, startRedisServer } from "./redis-server.js";
import { median, ms, ratio } from "./stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCIES = [1, 50];
const DIR = join(PACKAGE_ROOT, "functions", "hello");

interface Setup {
  readonly name: string;
  readonly port: number;
  readonly processes: ChildProcess[];
}

function lambkin(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, "bin", "lambkin.js"), ...args, "--dir", DIR], {
    env: {
      ...process.env,
      LAMBKIN_ACCESS_KEYS: "",
      LAMBKIN_LOG_LEVEL: "warn",
      NO_COLOR: "1",
      LAMBKIN_STATE_DIR: mkdtempSync(join(tmpdir(), "lambkin-bench-state-")),
      ...env,
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let errors = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  child.once("exit", (code, signal) => {
    if (!stopping) console.error(`lambkin ${args[0]} exited (${code ?? signal}):\n${errors}`);
  });
  return child;
}

let stopping = false;

/** Waits until GET /hello answers 200: the gateway listens and (for a cluster) a worker takes its calls. */
async function ready(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const status = await fetch(`http://127.0.0.1:${port}/hello`)
      .then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      })
      .catch(() => 0);
    if (status === 200) return;
    await sleep(100);
  }
  throw new Error(`nothing answers GET /hello on port ${port}`);
}

/** `concurrency` simultaneous requests, a few times: every environment the loops use has had its cold start. */
async function startEnvironments(port: number, concurrency: number): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      Array.from({ length: concurrency }, () =>
        fetch(`http://127.0.0.1:${port}/hello`).then((response) => response.arrayBuffer()),
      ),
    );
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

function line(label: string, cluster: string, dev: string, versus: string): void {
  console.log(`${label.padEnd(26)} ${cluster.padStart(12)}   dev ${dev.padStart(12)}   ${versus}`);
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const setups: Setup[] = [];
  try {
    const devPort = await freePort();
    setups.push({ name: "dev", port: devPort, processes: [lambkin(["dev", "--port", String(devPort)], {})] });
    const redisDevPort = await freePort();
    setups.push({
      name: "dev+redis caps",
      port: redisDevPort,
      processes: [
        lambkin(["dev", "--port", String(redisDevPort)], {
          REDIS_URL: redis.url,
          LAMBKIN_REDIS_PREFIX: "bench-dev",
        }),
      ],
    });
    const clusterPort = await freePort();
    const clusterEnv = { REDIS_URL: redis.url, LAMBKIN_REDIS_PREFIX: "bench-cluster" };
    setups.push({
      name: "gateway+worker",
      port: clusterPort,
      processes: [
        lambkin(["worker"], clusterEnv),
        lambkin(["gateway", "--port", String(clusterPort)], clusterEnv),
      ],
    });
    for (const setup of setups) await ready(setup.port);
    console.log(
      `Lambkin cluster benchmark — node ${process.version}, GET /hello, ${ROUNDS} interleaved rounds of ${SECONDS}s loops after ${WARM_UP_SECONDS}s warm-up\n`,
    );
    for (const concurrency of CONCURRENCIES) {
      for (const setup of setups) await startEnvironments(setup.port, concurrency);
      const results = new Map<string, LoadResult[]>(setups.map((setup) => [setup.name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate who goes first, so that no setup always runs right after another's load.
        for (let i = 0; i < setups.length; i++) {
          const setup = setups[(round + i) % setups.length] as Setup;
          const result = await load({ port: setup.port, path: "/hello", concurrency, seconds: SECONDS });
          results.get(setup.name)?.push(result);
        }
      }
      const summary = (name: string) => {
        const runs = results.get(name) ?? [];
        return {
          perSecond: median(runs.map((run) => run.perSecond)),
          p50: median(runs.map((run) => run.p50)),
          p99: median(runs.map((run) => run.p99)),
          errors: runs.reduce((sum, run) => sum + run.errors, 0),
        };
      };
      const dev = summary("dev");
      console.log(`concurrency ${concurrency}`);
      for (const name of ["gateway+worker", "dev+redis caps"]) {
        const other = summary(name);
        console.log(`  ${name}`);
        line(
          "    requests/s",
          other.perSecond.toFixed(0),
          dev.perSecond.toFixed(0),
          `ratio ${ratio(other.perSecond, dev.perSecond)}`,
        );
        line(
          "    p50",
          ms(other.p50),
          ms(dev.p50),
          `ratio ${ratio(other.p50, dev.p50)} (adds ${ms(other.p50 - dev.p50)})`,
        );
        line("    p99", ms(other.p99), ms(dev.p99), `ratio ${ratio(other.p99, dev.p99)}`);
        if (other.errors + dev.errors > 0)
          console.log(`    errors: ${name} ${other.errors}, dev ${dev.errors}`);
      }
      const cluster = summary("gateway+worker");
      console.log(
        `  aim: the split adds ≤ 1 ms p50 → adds ${ms(cluster.p50 - dev.p50)}: ${cluster.p50 - dev.p50 <= 1 ? "met" : "NOT met"}\n`,
      );
    }
  } finally {
    stopping = true;
    await Promise.all(setups.flatMap((setup) => setup.processes.map(stop)));
    await redis.dispose();
  }
}

await main();
