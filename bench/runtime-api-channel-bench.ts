/**
 * The private Runtime API channel of Lambkin's Node bootstrap (issue 12; runtime/runtime-api/runtime-api-channel.ts)
 * against the TCP Runtime API it replaces (LAMBKIN_RUNTIME_API_CHANNEL=tcp), measured in one run: `GET /hello` of
 * functions/hello through `lambkin dev`'s gateway at concurrency 1, 10 and 50 (one environment per request in
 * flight), with requests/s, p50, the main process's CPU per invocation (gateway → invoker → pool → Runtime API →
 * back) and the environments' CPU per invocation, for each transport, and bare fastify returning the same JSON as
 * the baseline. Rounds alternate the transports, so a noisy neighbour slows both alike.
 * The load generator is autocannon in a process of its own, so that the main process's CPU is Lambkin's alone.
 * `unpipelined` (LAMBKIN_RUNTIME_API_CHANNEL=unpipelined) is the channel as it was before the bootstrap sent its
 * `/next` in the same write as its answer, and Lambkin its 202 with the next event: the gain of one write and one
 * wake-up per invocation each way, measured in the same run.
 * First, the Runtime API path alone: one Node bootstrap (bench/fixtures/echo's async handler) answering sequential
 * invocations handed to its Runtime API server, nothing else in either process — the CPU each side spends per
 * invocation on the transport and the bootstrap, with no gateway, pool or freezing around it. There the channel is
 * run as the process sandbox runs it (blocking: the bootstrap waits for answers in read(2)) and, as `evented`, with
 * the bootstrap's socket that Managed Instances and inspected environments use: what the blocking wait saves.
 *   npm run bench:channel        (BENCH_SECONDS=3, BENCH_CHANNEL_ROUNDS=2)
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import Fastify from "fastify";
import { pino } from "pino";
import { createGateway } from "../gateway/gateway-app.js";
import type { InvocationRequest } from "../runtime/invocation/invocation-request.js";
import { startRuntime } from "../runtime/lambkin-runtime.js";
import { silentFunctionLogSink } from "../runtime/logs/function-log-sink.js";
import { nodeBootstrapPath, PACKAGE_ROOT } from "../runtime/package-paths.js";
import { RuntimeApiServer } from "../runtime/runtime-api/runtime-api-server.js";
import { cpuSecondsOf, descendantsCpu } from "./process-cpu.js";
import { closedLoops, median, ratio } from "./stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_CHANNEL_ROUNDS ?? 2);
const CONCURRENCIES = [1, 10, 50];
const FUNCTION = "hello-dev-api";
const BODY = JSON.stringify({ message: "Hello Lambda" });
const AUTOCANNON = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
/** `unpipelined`: the channel with the bootstrap's `/next` sent after its 202, not in the same write. */
type Transport = "channel" | "unpipelined" | "tcp";
const TRANSPORTS: readonly Transport[] = ["channel", "unpipelined", "tcp"];

interface Measure {
  readonly perSecond: number;
  readonly p50: number;
  /** CPU µs per request: Lambkin's process, and its environments. */
  readonly mainCpuUs: number;
  readonly envCpuUs: number;
}

interface Autocannon {
  requests: { average: number; total: number };
  latency: { p50: number };
  errors: number;
  non2xx: number;
}

function autocannon(port: number, concurrency: number, seconds: number): Promise<Autocannon> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [AUTOCANNON, "-j", "-c", String(concurrency), "-d", String(seconds), `http://127.0.0.1:${port}/hello`],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    child.once("error", reject);
    child.once("exit", () => {
      try {
        resolve(JSON.parse(out) as Autocannon);
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** CPU seconds of every process below this one (the environments: bwrap, setpriv, node), from /proc. */
function descendantsCpuSeconds(): number {
  let total = 0;
  for (const seconds of descendantsCpu(process.pid).values()) total += seconds;
  return total;
}

const PATH_INVOCATIONS = Number(process.env.BENCH_CHANNEL_INVOCATIONS ?? 20_000);
const PATH_WARM_UP = 1000;

/** The path alone also measures the channel with the bootstrap's evented socket instead of its blocking wait. */
type PathTransport = Transport | "evented";
const PATH_TRANSPORTS: readonly PathTransport[] = ["channel", "evented", "unpipelined", "tcp"];

/** One bootstrap, PATH_INVOCATIONS sequential invocations: CPU µs per invocation on each side, invocations/s. */
async function pathAlone(transport: PathTransport): Promise<Measure> {
  let delivered = 0;
  let started: { at: number; main: NodeJS.CpuUsage; env: number } | undefined;
  let finish: (measure: Measure) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const finished = new Promise<Measure>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  let childPid = 0;
  const server: RuntimeApiServer = new RuntimeApiServer({
    nextRequested: () => {
      if (delivered === PATH_WARM_UP)
        started = { at: performance.now(), main: process.cpuUsage(), env: cpuSecondsOf(childPid) };
      if (delivered === PATH_WARM_UP + PATH_INVOCATIONS && started) {
        const main = process.cpuUsage(started.main);
        finish({
          perSecond: PATH_INVOCATIONS / ((performance.now() - started.at) / 1000),
          p50: Number.NaN,
          mainCpuUs: (main.user + main.system) / PATH_INVOCATIONS,
          envCpuUs: ((cpuSecondsOf(childPid) - started.env) * 1e6) / PATH_INVOCATIONS,
        });
        return;
      }
      delivered++;
      server.deliver({
        requestId: `request-${delivered}`,
        payload: Buffer.from(`{"n":${delivered}}`),
        deadlineMs: Date.now() + 3000,
        invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:bench-dev-echo",
        traceId: "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
      });
    },
    response: () => {},
    error: () => {},
    initError: () => {},
    responseTooLarge: () => {},
  });
  const port = await server.listen("127.0.0.1");
  const nodeArgs = process.env.BENCH_CHILD_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, nodeBootstrapPath()], {
    cwd: join(PACKAGE_ROOT, "bench", "fixtures", "echo"),
    env: {
      PATH: process.env.PATH,
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
      _HANDLER: "handler.async",
      LAMBDA_TASK_ROOT: join(PACKAGE_ROOT, "bench", "fixtures", "echo"),
      AWS_LAMBDA_FUNCTION_NAME: "bench-dev-echo",
      ...(transport !== "tcp" ? { _LAMBKIN_RUNTIME_API_FD: "3" } : {}),
      ...(transport === "unpipelined" ? { _LAMBKIN_RUNTIME_API_PIPELINE: "off" } : {}),
      // As the process sandbox sets it (process-sandbox.ts): one invocation at a time, frozen between them.
      ...(transport === "channel" || transport === "unpipelined"
        ? { _LAMBKIN_RUNTIME_API_BLOCKING: "on" }
        : {}),
    },
    // Its one line at the end ("Runtime API … failed … Exiting.": its server was closed) is not news.
    stdio: transport !== "tcp" ? ["ignore", "ignore", "ignore", "pipe"] : ["ignore", "ignore", "ignore"],
  });
  childPid = child.pid ?? 0;
  // A bootstrap that dies early ends the measurement instead of leaving it waiting.
  child.once("exit", (code, signal) => fail(new Error(`the bootstrap exited (${code ?? signal})`)));
  if (transport !== "tcp") server.attachChannel(child.stdio[3] as Duplex);
  try {
    return await finished;
  } finally {
    // Closing its Runtime API makes the bootstrap exit on its own (what BENCH_CHILD_NODE_ARGS=--cpu-prof needs).
    const exited = new Promise((resolve) => child.once("exit", resolve));
    server.close();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
    child.kill("SIGKILL");
  }
}

/** Measures one load against `port`, Lambkin's CPU beside it. */
async function measure(port: number, concurrency: number): Promise<Measure> {
  await autocannon(port, concurrency, 1); // warm-up: every environment started and warm
  const envBefore = descendantsCpuSeconds();
  const mainBefore = process.cpuUsage();
  const result = await autocannon(port, concurrency, SECONDS);
  const main = process.cpuUsage(mainBefore);
  const env = descendantsCpuSeconds() - envBefore;
  if (result.errors + result.non2xx > 0)
    console.log(`    (errors ${result.errors}, non-2xx ${result.non2xx})`);
  const requests = Math.max(1, result.requests.total);
  return {
    perSecond: result.requests.average,
    p50: result.latency.p50,
    mainCpuUs: (main.user + main.system) / requests,
    envCpuUs: (env * 1e6) / requests,
  };
}

/** The same function through the Invoker alone, no HTTP: the Runtime API path with less around it. */
async function invokerOnly(invoke: () => Promise<unknown>, concurrency: number): Promise<Measure> {
  const envBefore = descendantsCpuSeconds();
  const mainBefore = process.cpuUsage();
  let requests = 0;
  const result = await closedLoops(concurrency, SECONDS, () => {
    requests++;
    return invoke();
  });
  const main = process.cpuUsage(mainBefore);
  const env = descendantsCpuSeconds() - envBefore;
  return {
    perSecond: result.perSecond,
    p50: result.p50,
    mainCpuUs: (main.user + main.system) / requests,
    envCpuUs: (env * 1e6) / requests,
  };
}

async function lambkin(transport: Transport, concurrency: number): Promise<[Measure, Measure]> {
  process.env.LAMBKIN_RUNTIME_API_CHANNEL = transport;
  const runtime = await startRuntime({
    dir: join(PACKAGE_ROOT, "functions", "hello"),
    logger: pino({ level: "silent" }),
    functionLogs: silentFunctionLogSink,
    env: {},
  }).finally(() => {
    delete process.env.LAMBKIN_RUNTIME_API_CHANNEL;
  });
  const backend = {
    registry: runtime.registry,
    invocations: {
      run: (request: InvocationRequest) => runtime.invoker.run(request),
      enqueue: () => Promise.reject(new Error("this benchmark queues no events")),
    },
  };
  const gateway = await createGateway({ backend, logger: pino({ level: "silent" }) });
  await gateway.listen({ port: 0, host: "127.0.0.1" });
  try {
    const viaGateway = await measure((gateway.server.address() as AddressInfo).port, concurrency);
    return [viaGateway, await invokerOnly(() => runtime.invoker.invoke(FUNCTION, "{}"), concurrency)];
  } finally {
    await gateway.close();
    await runtime.close();
  }
}

async function bare(concurrency: number): Promise<Measure> {
  const app = Fastify();
  app.get("/hello", async (_request, reply) => reply.type("application/json").send(BODY));
  await app.listen({ port: 0, host: "127.0.0.1" });
  try {
    return await measure((app.server.address() as AddressInfo).port, concurrency);
  } finally {
    await app.close();
  }
}

/** The transports in an order that turns each round, so that a noisy neighbour slows each alike. */
function alternating<T>(round: number, transports: readonly T[]): T[] {
  const shift = round % transports.length;
  return [...transports.slice(shift), ...transports.slice(0, shift)];
}

function medianOf(measures: Measure[]): Measure {
  return {
    perSecond: median(measures.map((m) => m.perSecond)),
    p50: median(measures.map((m) => m.p50)),
    mainCpuUs: median(measures.map((m) => m.mainCpuUs)),
    envCpuUs: median(measures.map((m) => m.envCpuUs)),
  };
}

async function main(): Promise<void> {
  // Every runtime started here adds an 'exit' listener (the process sandbox's last-resort kill), removed at close.
  process.setMaxListeners(0);
  console.log(
    `Runtime API channel benchmark — node ${process.version}, GET /hello via the gateway, ${SECONDS}s loops, ` +
      `median of ${ROUNDS} alternating rounds\n`,
  );
  const alone: Record<PathTransport, Measure[]> = { channel: [], evented: [], unpipelined: [], tcp: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const transport of alternating(round, PATH_TRANSPORTS))
      alone[transport].push(await pathAlone(transport));
  }
  console.log(`the Runtime API path alone (one bootstrap, ${PATH_INVOCATIONS} sequential invocations)`);
  for (const transport of PATH_TRANSPORTS) {
    const m = medianOf(alone[transport]);
    console.log(
      `  ${transport.padEnd(11)} ${m.perSecond.toFixed(0).padStart(6)} invocations/s  main CPU ${m.mainCpuUs.toFixed(1).padStart(5)} µs/inv` +
        `  environment CPU ${m.envCpuUs.toFixed(1).padStart(5)} µs/inv`,
    );
  }
  {
    const [channel, evented, unpipelined, tcp] = PATH_TRANSPORTS.map((transport) =>
      medianOf(alone[transport]),
    ) as [Measure, Measure, Measure, Measure];
    const versus = (label: string, m: Measure, base: Measure) =>
      console.log(
        `  ${label}: ${ratio(m.perSecond, base.perSecond)} throughput, ${ratio(m.mainCpuUs, base.mainCpuUs)} main CPU, ` +
          `${ratio(m.envCpuUs, base.envCpuUs)} environment CPU`,
      );
    versus("channel ÷ tcp        ", channel, tcp);
    versus("channel ÷ unpipelined", channel, unpipelined);
    versus("channel ÷ evented    ", channel, evented);
    console.log("");
  }
  if (process.env.BENCH_CHANNEL_PATH_ONLY === "true") return;
  for (const concurrency of CONCURRENCIES) {
    const runs: Record<Transport | "bare", Measure[]> = { channel: [], unpipelined: [], tcp: [], bare: [] };
    const invoker: Record<Transport, Measure[]> = { channel: [], unpipelined: [], tcp: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.bare.push(await bare(concurrency));
      for (const transport of alternating(round, TRANSPORTS)) {
        const [viaGateway, alone] = await lambkin(transport, concurrency);
        runs[transport].push(viaGateway);
        invoker[transport].push(alone);
      }
    }
    const baseline = medianOf(runs.bare);
    console.log(`concurrency ${concurrency} (bare fastify ${baseline.perSecond.toFixed(0)} req/s)`);
    const row = (label: string, m: Measure, versus?: Measure) =>
      console.log(
        `  ${label.padEnd(22)} ${m.perSecond.toFixed(0).padStart(6)}/s` +
          (versus ? ` ${ratio(m.perSecond, versus.perSecond).padStart(6)} bare` : "            ") +
          `  p50 ${m.p50.toFixed(2).padStart(6)} ms  main CPU ${m.mainCpuUs.toFixed(0).padStart(4)} µs/inv` +
          `  environment CPU ${m.envCpuUs.toFixed(0).padStart(4)} µs/inv`,
      );
    const compare = (label: string, channel: Measure, base: Measure, baseName: string) =>
      console.log(
        `  ${label} channel ÷ ${baseName}: ${ratio(channel.perSecond, base.perSecond)} throughput, ` +
          `${ratio(channel.mainCpuUs, base.mainCpuUs)} main CPU, ${ratio(channel.envCpuUs, base.envCpuUs)} environment CPU`,
      );
    const [channel, unpipelined, tcp] = TRANSPORTS.map((transport) => medianOf(runs[transport])) as [
      Measure,
      Measure,
      Measure,
    ];
    const [channelAlone, unpipelinedAlone, tcpAlone] = TRANSPORTS.map((transport) =>
      medianOf(invoker[transport]),
    ) as [Measure, Measure, Measure];
    row("gateway, channel", channel, baseline);
    row("gateway, unpipelined", unpipelined, baseline);
    row("gateway, tcp", tcp, baseline);
    row("invoker alone, channel", channelAlone);
    row("invoker alone, unpipel.", unpipelinedAlone);
    row("invoker alone, tcp", tcpAlone);
    compare("gateway:", channel, tcp, "tcp");
    compare("gateway:", channel, unpipelined, "unpipelined");
    compare("invoker alone:", channelAlone, tcpAlone, "tcp");
    compare("invoker alone:", channelAlone, unpipelinedAlone, "unpipelined");
    console.log("");
  }
}

await main();
