/**
 * Runtime benchmark (issue #2). Prints, from one run, ratios against baselines measured in the same
 * run on the same machine (shared, noisy machines make absolute numbers meaningless):
 *  - cold start: first invocation in a new environment ÷ a bare `node -e` spawn-to-first-output;
 *  - warm invocations: req/s and p50/p99 through one environment and through several, ÷ a plain
 *    loopback HTTP round trip at the same concurrency;
 *  - log line splitting: CPU to split one 40 MB line into log events ÷ CPU to decode those bytes once
 *    (linear splitting stays a small multiple of it; the quadratic splitter took 9 s).
 * Run: npm run bench
 */
import { spawn } from "node:child_process";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pino } from "pino";
import { type LambkinRuntime, startRuntime } from "../runtime/lambkin-runtime.js";
import { PACKAGE_ROOT } from "../runtime/package-paths.js";
import { splitLines } from "../runtime/sandbox/line-splitter.js";
import { closedLoops, type LoopResult, median, ms, ratio } from "./stats.js";

const COLD_ROUNDS = Number(process.env.BENCH_COLD_ROUNDS ?? 20);
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 3);
const SEVERAL = Number(process.env.BENCH_CONCURRENCY ?? 4);

async function bareNodeSpawn(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", "process.stdout.write('x')"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    child.stdout.once("data", () => resolve(performance.now() - started));
    child.once("error", reject);
  });
}

async function coldInvoke(runtime: LambkinRuntime): Promise<number> {
  await Promise.all(runtime.pool.list().map((environment) => environment.destroy()));
  const started = performance.now();
  await runtime.invoker.invoke("hello", "{}");
  return performance.now() - started;
}

/** Runs `concurrency` closed loops of `call` for WARM_SECONDS, after a warm-up. */
async function load(concurrency: number, call: () => Promise<unknown>): Promise<LoopResult> {
  for (let i = 0; i < 50; i++) await call(); // warm-up
  await Promise.all(Array.from({ length: concurrency }, () => call()));
  return closedLoops(concurrency, WARM_SECONDS, call);
}

async function loopbackBaseline(): Promise<{ call: () => Promise<unknown>; close: () => void }> {
  const body = JSON.stringify({ ok: true });
  const server = createServer((_request, response) => {
    _request.resume();
    response.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true });
  const call = () =>
    new Promise<void>((resolve, reject) => {
      const outgoing = request({ host: "127.0.0.1", port, method: "POST", path: "/", agent }, (response) => {
        response.resume();
        response.on("end", () => resolve());
      });
      outgoing.on("error", reject);
      outgoing.end('{"n":1}');
    });
  return {
    call,
    close: () => {
      server.close();
      agent.destroy();
    },
  };
}

/** CPU (user + system, ms) to feed one `megabytes` line in 64 KB chunks to `sink`. */
function cpuForOneLine(megabytes: number, sink: { write(chunk: Buffer): void; end(): void }): number {
  const chunk = Buffer.alloc(64 * 1024, "a");
  const before = process.cpuUsage();
  for (let sent = 0; sent < megabytes * 1024 * 1024; sent += chunk.length) sink.write(chunk);
  sink.write(Buffer.from("\n"));
  sink.end();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Decodes every chunk once: the least any splitter has to do with the bytes. */
function decodeOnly(): { write(chunk: Buffer): void; end(): void } {
  let characters = 0;
  return {
    write(chunk) {
      characters += chunk.toString("utf8").length;
    },
    end() {
      if (characters < 0) throw new Error("unreachable: keeps the decoding observable");
    },
  };
}

function logSplitting(): void {
  const split = () => splitLines(() => undefined);
  cpuForOneLine(4, split()); // warm-up
  const splitMs = median([1, 2, 3].map(() => cpuForOneLine(40, split())));
  const decodeMs = median([1, 2, 3].map(() => cpuForOneLine(40, decodeOnly())));
  line("\nlog: one 40 MB line, CPU", ms(splitMs), ms(decodeMs), ratio(splitMs, decodeMs));
}

function line(label: string, value: string, baseline: string, versus: string): void {
  console.log(
    `${label.padEnd(34)} ${value.padStart(14)}   baseline ${baseline.padStart(14)}   ratio ${versus}`,
  );
}

async function main(): Promise<void> {
  const runtime = await startRuntime({
    dir: join(PACKAGE_ROOT, "bench", "fixtures", "echo"),
    logger: pino({ level: "silent" }),
    env: {},
    freezeIdle: process.env.LAMBKIN_FREEZE_IDLE !== "false",
  });
  try {
    console.log(
      `Lambkin runtime benchmark — node ${process.version}, ${COLD_ROUNDS} cold rounds, ${WARM_SECONDS}s warm loops\n`,
    );
    const bare: number[] = [];
    const cold: number[] = [];
    for (let round = 0; round < COLD_ROUNDS; round++) {
      bare.push(await bareNodeSpawn());
      cold.push(await coldInvoke(runtime));
    }
    line(
      "cold start (median)",
      ms(median(cold)),
      ms(median(bare)),
      `${ratio(median(cold), median(bare))} (target ≤ 1.30×)`,
    );

    const baseline = await loopbackBaseline();
    const invoke = () => runtime.invoker.invoke("echo", '{"n":1}');
    for (const concurrency of [1, SEVERAL]) {
      const http = await load(concurrency, baseline.call);
      const lambkin = await load(concurrency, invoke);
      const environments = runtime.pool.list().length;
      console.log(
        `\nwarm, concurrency ${concurrency} (${environments} environment${environments === 1 ? "" : "s"})`,
      );
      line(
        "  invocations/s",
        lambkin.perSecond.toFixed(0),
        http.perSecond.toFixed(0),
        ratio(lambkin.perSecond, http.perSecond),
      );
      line("  p50", ms(lambkin.p50), ms(http.p50), ratio(lambkin.p50, http.p50));
      line("  p99", ms(lambkin.p99), ms(http.p99), ratio(lambkin.p99, http.p99));
    }
    baseline.close();
    logSplitting();
  } finally {
    await runtime.close();
  }
}

await main();
