/**
 * Asynchronous invocations end to end — enqueued, run in an execution environment, finished — per second, for
 * the embedded queue (everything in one process, as `lambkin dev`) and for BullMQ with one and two
 * `lambkin worker` processes, each divided by raw BullMQ (a no-op processor, same Redis, same concurrency)
 * measured in the same run. Rounds are interleaved so that a noisy neighbour slows every contender alike.
 *   node dist/bench/async-bench.js        (BENCH_ASYNC_EVENTS=2000, BENCH_ASYNC_CONCURRENCY=10)
 * A last contender sends the events to the same handler on Lambda Managed Instances (`capacityProvider`,
 * docs/lambda-behaviour.md §4a) through one worker: one environment runs up to ten at a time.
 * BENCH_ASYNC_ONLY=embedded|bullmq runs raw BullMQ and only those contenders (faster iteration on one path).
 * BENCH_ASYNC_TRANSPORTS=channel,tcp runs each Lambkin contender once per LAMBKIN_RUNTIME_API_CHANNEL value, in the
 * same interleaved rounds (the process sandbox's Runtime API channel against TCP).
 * A floor runs beside raw BullMQ: the same no-op jobs, each handed to one of CONCURRENCY plain Node child processes
 * and answered over a pipe (processFloor) — what one process per in-flight event costs before any Lambda semantics;
 * every Lambkin contender is also divided by it.
 * Last, where each event's CPU goes, summed over the measured rounds (/proc, bench/process-cpu.ts): this process
 * (the producer, and for raw BullMQ its worker too; for embedded the whole of `lambkin dev`), Redis, the
 * `lambkin worker` processes and the execution environments.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { startRuntime } from "../runtime/lambkin-runtime.js";
import { silentFunctionLogSink } from "../runtime/logs/function-log-sink.js";
import { startAsyncInvocations } from "../triggers/async/async-invocations.js";
import { retryPolicy } from "../triggers/async/retry-policy.js";
import { BullMqJobQueue } from "../triggers/queue/bullmq/bullmq-job-queue.js";
import { EmbeddedJobQueue } from "../triggers/queue/embedded/embedded-job-queue.js";
import type { JobQueue } from "../triggers/queue/interfaces/job-queue.js";
import type { QueuedInvocation } from "../triggers/queue/interfaces/queued-invocation.js";
import { cpuSecondsOf, descendantsCpu } from "./process-cpu.js";
import { type RedisServer, startRedisServer } from "./redis-server.js";
import { median, ratio } from "./stats.js";

const EVENTS = Number(process.env.BENCH_ASYNC_EVENTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_ASYNC_CONCURRENCY ?? 10);
const ROUNDS = Number(process.env.BENCH_ASYNC_ROUNDS ?? 3);
const PRODUCERS = 20;
const ONLY = process.env.BENCH_ASYNC_ONLY;
const TRANSPORTS = process.env.BENCH_ASYNC_TRANSPORTS?.split(",").filter(Boolean);
if (ONLY !== undefined && ONLY !== "embedded" && ONLY !== "bullmq")
  throw new Error(`BENCH_ASYNC_ONLY must be embedded or bullmq, not ${ONLY}`);
const PACKAGE_ROOT = join(import.meta.dirname, "..", "..");
const SERVICE = join(PACKAGE_ROOT, "bench", "fixtures", "echo");
const FUNCTION = "bench-dev-echo";
/** The same handler on Lambda Managed Instances (capacityProvider, maxConcurrency 10: one environment for all). */
const MANAGED_FUNCTION = "bench-dev-echoManaged";

function event(n: number, functionName: string): QueuedInvocation {
  return {
    version: 1,
    functionName,
    qualifier: "$LATEST",
    invocationType: "Event",
    payload: JSON.stringify({ n }),
    payloadEncoding: "utf8",
    requestId: randomUUID(),
    source: "bench",
    enqueuedAt: Date.now(),
  };
}

/** Enqueues `count` events from PRODUCERS loops; resolves with events/s once the queue holds none of them. */
async function throughput(queue: JobQueue, count: number, functionName = FUNCTION): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < count) await queue.enqueue(event(next++, functionName));
    }),
  );
  for (;;) {
    const counts = await queue.counts();
    if (counts.dead > 0)
      throw new Error(`${counts.dead} events were dead-lettered: the benchmark function failed`);
    if (counts.ready + counts.delayed + counts.running === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return count / ((performance.now() - started) / 1000);
}

/** `spent` gains the CPU seconds of this process (producer and worker) and Redis over the measured part. */
function rawBullMq(redis: RedisServer, spent: CpuReading): Promise<number> {
  return bullMqJobs(redis, spent, "raw", async () => {});
}

/**
 * EVENTS jobs through a BullMQ queue and Worker (concurrency CONCURRENCY) whose processor is `work`, in events/s;
 * `spent` gains this process's and Redis's CPU seconds, and `other`'s (more processes `work` uses), over the run.
 */
async function bullMqJobs(
  redis: RedisServer,
  spent: CpuReading,
  name: string,
  work: (job: Job) => Promise<void>,
  other?: { readonly name: string; readonly seconds: () => number },
): Promise<number> {
  const { url } = redis;
  const prefix = `bench-${name}-${randomUUID().slice(0, 8)}`;
  const producer = new Redis(url);
  const consumer = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection: producer, prefix });
  let done = 0;
  const worker = new Worker(
    name,
    async (job) => {
      await work(job);
      done++;
    },
    { connection: consumer, prefix, concurrency: CONCURRENCY, removeOnComplete: { count: 0 } },
  );
  // A job whose work failed is never done: the round fails with it rather than waiting for it forever.
  let failure: Error | undefined;
  worker.on("failed", (_job, error) => {
    failure ??= error;
  });
  await worker.waitUntilReady();
  const before = { own: ownCpuSeconds(), redis: redisCpuSeconds(redis), other: other?.seconds() ?? 0 };
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < EVENTS) await queue.add("job", event(next++, FUNCTION), { removeOnComplete: true });
    }),
  );
  while (done < EVENTS) {
    if (failure) throw new Error(`a ${name} job failed: ${failure.message}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const perSecond = EVENTS / ((performance.now() - started) / 1000);
  addTo(spent, "this process (producer + worker)", ownCpuSeconds() - before.own);
  addTo(spent, "Redis", redisCpuSeconds(redis) - before.redis);
  if (other) addTo(spent, other.name, other.seconds() - before.other);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  producer.disconnect();
  consumer.disconnect();
  return perSecond;
}

/**
 * The floor of one isolated process per event: raw BullMQ whose processor hands each job to one of CONCURRENCY
 * plain Node child processes (the most recently freed first, as Lambkin's pool) over a pipe and awaits its answer —
 * one JSON line each way, no Runtime API, no logs, no timeouts, no memory readings. What an event costs here is
 * what any design that runs each in-flight event in a process of its own pays before doing anything else;
 * Lambkin's contenders are divided by it too, to tell that cost from Lambkin's own.
 */
const ECHO_CHILD = `let rest = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  rest += chunk;
  for (let end = rest.indexOf("\\n"); end >= 0; end = rest.indexOf("\\n")) {
    const event = JSON.parse(rest.slice(0, end));
    rest = rest.slice(end + 1);
    process.stdout.write(JSON.stringify({ ok: true, n: JSON.parse(event.payload).n }) + "\\n");
  }
});`;

interface EchoChild {
  readonly process: ChildProcess;
  ask(line: string): Promise<string>;
}

/** One child; a child that dies fails the job it holds and every later one (the round then fails, never hangs). */
function echoChild(): EchoChild {
  const child = spawn(process.execPath, ["-e", ECHO_CHILD], { stdio: ["pipe", "pipe", "inherit"] });
  let waiting: { resolve: (line: string) => void; reject: (error: Error) => void } | undefined;
  let exited: Error | undefined;
  let rest = "";
  const gone = (error: Error) => {
    exited ??= error;
    waiting?.reject(exited);
    waiting = undefined;
  };
  child.once("exit", (code, signal) => gone(new Error(`a floor child process exited (${signal ?? code})`)));
  child.stdin?.on("error", (error) => gone(new Error(`a floor child process is gone (${error.message})`)));
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    rest += chunk;
    const end = rest.indexOf("\n");
    if (end < 0) return;
    const line = rest.slice(0, end);
    rest = rest.slice(end + 1);
    const answer = waiting;
    waiting = undefined;
    answer?.resolve(line);
  });
  return {
    process: child,
    ask(line) {
      return new Promise((resolve, reject) => {
        if (exited) return reject(exited);
        waiting = { resolve, reject };
        child.stdin?.write(`${line}\n`);
      });
    },
  };
}

/** `spent` gains the CPU seconds of this process (producer and worker), Redis and the children. */
function processFloor(
  redis: RedisServer,
  children: readonly EchoChild[],
  spent: CpuReading,
): Promise<number> {
  const free = [...children];
  const seconds = () => children.reduce((sum, child) => sum + cpuSecondsOf(child.process.pid ?? 0), 0);
  return bullMqJobs(
    redis,
    spent,
    "floor",
    async (job) => {
      const child = free.pop();
      if (!child) throw new Error("more jobs at once than children: the worker's concurrency is CONCURRENCY");
      try {
        await child.ask(JSON.stringify(job.data));
      } finally {
        free.push(child);
      }
    },
    { name: "child processes", seconds },
  );
}

/** CPU seconds of each kind of process a contender's events cost: so far (Contender.cpu), or summed over rounds. */
type CpuReading = Record<string, number>;

interface Contender {
  measure(): Promise<number>;
  /** CPU seconds so far, by kind of process (read before and after each measured round). */
  cpu(): CpuReading;
  close(): Promise<void>;
}

function addTo(reading: CpuReading, name: string, seconds: number): void {
  reading[name] = (reading[name] ?? 0) + seconds;
}

/** This process's own CPU seconds (user + system). */
function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function redisCpuSeconds(redis: RedisServer): number {
  return redis.pid === undefined ? 0 : cpuSecondsOf(redis.pid);
}

/** The processes this process started for other contenders (Redis, worker processes), left out of "environments". */
const notEnvironments = new Set<number>();

/** The embedded queue and the consumer in this process, as `lambkin dev` runs them. */
async function embedded(): Promise<Contender> {
  const stateDir = mkdtempSync(join(tmpdir(), "lambkin-bench-state-"));
  // The sandbox reads LAMBKIN_RUNTIME_API_CHANNEL when it starts: set (or not) by withTransport below.
  const runtime = await startRuntime({
    dir: SERVICE,
    logger: pino({ level: "silent" }),
    functionLogs: silentFunctionLogSink,
    env: {},
  });
  const queue = new EmbeddedJobQueue({ stateDir, reporter: () => {} });
  const async = startAsyncInvocations({
    runtime,
    queue,
    logger: pino({ level: "silent" }),
    retries: retryPolicy([0]),
    concurrency: CONCURRENCY,
  });
  await throughput(queue, 200); // warm environments
  return {
    measure: () => throughput(queue, EVENTS),
    cpu: () => ({
      "this process (lambkin dev)": ownCpuSeconds(),
      environments: environmentsCpu(process.pid),
    }),
    async close() {
      await async.consumer.close({ timeoutMs: 0 });
      await queue.close({ timeoutMs: 0 });
      await runtime.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** `workers` lambkin worker processes on one Redis prefix, and a producer's handle on their queue. */
async function cluster(redis: RedisServer, workers: number, functionName = FUNCTION): Promise<Contender> {
  const { url } = redis;
  const prefix = `bench-${workers}w-${randomUUID().slice(0, 8)}`;
  const children = await Promise.all(Array.from({ length: workers }, () => startWorker(url, prefix)));
  const pids = children.flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  for (const pid of pids) notEnvironments.add(pid);
  const queue = new BullMqJobQueue({ connection: url, prefix, reporter: () => {} });
  await queue.ready();
  await throughput(queue, 200, functionName);
  return {
    measure: () => throughput(queue, EVENTS, functionName),
    cpu: () => ({
      "this process (producer)": ownCpuSeconds(),
      Redis: redisCpuSeconds(redis),
      "lambkin worker": pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
      environments: pids.reduce((sum, pid) => sum + environmentsCpu(pid), 0),
    }),
    async close() {
      await queue.close({ timeoutMs: 0 });
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}

function startWorker(url: string, prefix: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      // BENCH_WORKER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the worker processes.
      ...(process.env.BENCH_WORKER_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      join(PACKAGE_ROOT, "bin", "lambkin.js"),
      "worker",
      "--dir",
      SERVICE,
      "--log-format",
      "json",
    ],
    {
      env: {
        ...process.env,
        REDIS_URL: url,
        LAMBKIN_REDIS_PREFIX: prefix,
        LAMBKIN_ASYNC_CONCURRENCY: String(CONCURRENCY),
        LAMBKIN_ASYNC_RETRY_DELAYS: "0",
        LAMBKIN_STATE_DIR: mkdtempSync(join(tmpdir(), "lambkin-bench-state-")),
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  return new Promise((resolve, reject) => {
    let output = "";
    let ready = false;
    // Read until "ready", then only drain: the worker logs three lines per event (START/END/REPORT), and
    // scanning everything it ever wrote on every chunk cost this process more CPU than the worker itself.
    child.stderr?.on("data", (chunk: Buffer) => {
      if (ready) return;
      output += chunk.toString();
      if (/"msg":"[^"]*ready/.test(output)) {
        ready = true;
        output = "";
        resolve(child);
      }
    });
    child.once("exit", (code) => reject(new Error(`lambkin worker exited (${code}):\n${output}`)));
  });
}

/**
 * CPU seconds so far of the execution environments below `root`: every process under it but the other ones in
 * notEnvironments (Redis, worker processes: `root` may be one) and theirs. Environments that ended are not counted (none do here).
 */
function environmentsCpu(root: number): number {
  const below = descendantsCpu(root);
  const excluded = new Set<number>();
  for (const pid of notEnvironments) {
    if (pid === root) continue;
    excluded.add(pid);
    for (const child of descendantsCpu(pid).keys()) excluded.add(child);
  }
  let total = 0;
  for (const [pid, seconds] of below) if (!excluded.has(pid)) total += seconds;
  return total;
}

/** Starts a contender with LAMBKIN_RUNTIME_API_CHANNEL=`transport` (worker processes inherit it). */
async function withTransport<T>(transport: string | undefined, start: () => Promise<T>): Promise<T> {
  if (transport === undefined) return start();
  const before = process.env.LAMBKIN_RUNTIME_API_CHANNEL;
  process.env.LAMBKIN_RUNTIME_API_CHANNEL = transport;
  try {
    return await start();
  } finally {
    if (before === undefined) delete process.env.LAMBKIN_RUNTIME_API_CHANNEL;
    else process.env.LAMBKIN_RUNTIME_API_CHANNEL = before;
  }
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  if (redis.pid !== undefined) notEnvironments.add(redis.pid);
  console.log(
    `Lambkin asynchronous-invocation benchmark — node ${process.version}, ${EVENTS} events per round, consumer concurrency ${CONCURRENCY}, ${ROUNDS} interleaved rounds\n`,
  );
  const contenders: Record<string, Contender> = {};
  for (const transport of TRANSPORTS ?? [undefined]) {
    const suffix = transport === undefined ? "" : ` (${transport})`;
    const start = (contender: () => Promise<Contender>) => withTransport(transport, contender);
    if (ONLY !== "bullmq") contenders[`embedded${suffix}`] = await start(() => embedded());
    if (ONLY !== "embedded") {
      contenders[`BullMQ, 1 worker${suffix}`] = await start(() => cluster(redis, 1));
      contenders[`BullMQ, 2 workers${suffix}`] = await start(() => cluster(redis, 2));
      // Not the issue's measure (one environment per event, as Lambda's default): the same events to a function
      // on Lambda Managed Instances, whose one environment runs them ten at a time.
      contenders[`BullMQ, 1 worker, managed inst.${suffix}`] = await start(() =>
        cluster(redis, 1, MANAGED_FUNCTION),
      );
    }
  }
  const children = Array.from({ length: CONCURRENCY }, () => echoChild());
  for (const child of children) if (child.process.pid !== undefined) notEnvironments.add(child.process.pid);
  const samples: Record<string, number[]> = { raw: [], floor: [] };
  const cpu: Record<string, CpuReading> = { raw: {}, floor: {} };
  for (const name of Object.keys(contenders)) {
    samples[name] = [];
    cpu[name] = {};
  }
  try {
    for (let round = 0; round < ROUNDS; round++) {
      samples.raw?.push(await rawBullMq(redis, cpu.raw ?? {}));
      samples.floor?.push(await processFloor(redis, children, cpu.floor ?? {}));
      for (const [name, contender] of Object.entries(contenders)) {
        const before = contender.cpu();
        samples[name]?.push(await contender.measure());
        const after = contender.cpu();
        for (const [kind, seconds] of Object.entries(after))
          addTo(cpu[name] ?? {}, kind, seconds - (before[kind] ?? 0));
      }
    }
  } finally {
    for (const contender of Object.values(contenders)) await contender.close();
    for (const child of children) child.process.kill();
    await redis.dispose();
  }
  const raw = median(samples.raw ?? []);
  const floor = median(samples.floor ?? []);
  console.log(`${"raw BullMQ (no-op processor)".padEnd(44)} ${raw.toFixed(0).padStart(7)} events/s`);
  console.log(
    `${"floor: BullMQ + a child process per job".padEnd(44)} ${floor.toFixed(0).padStart(7)} events/s   ${ratio(floor, raw)} raw BullMQ`,
  );
  for (const name of Object.keys(contenders)) {
    const value = median(samples[name] ?? []);
    console.log(
      `${`Lambkin ${name}`.padEnd(44)} ${value.toFixed(0).padStart(7)} events/s   ${ratio(value, raw)} raw BullMQ   ${ratio(value, floor)} the floor`,
    );
  }
  console.log("\nCPU per event (µs, all measured rounds; /proc utime + stime, 10 ms ticks)");
  for (const [name, reading] of Object.entries(cpu)) {
    const events = EVENTS * ROUNDS;
    const parts = Object.entries(reading).map(
      ([kind, seconds]) => `${kind} ${((seconds / events) * 1e6).toFixed(0)}`,
    );
    const total = Object.values(reading).reduce((sum, seconds) => sum + seconds, 0);
    const label =
      name === "raw" ? "raw BullMQ" : name === "floor" ? "floor (child process per job)" : `Lambkin ${name}`;
    console.log(
      `  ${label.padEnd(42)} total ${((total / events) * 1e6).toFixed(0).padStart(5)}: ${parts.join(", ")}`,
    );
  }
}

await main();
