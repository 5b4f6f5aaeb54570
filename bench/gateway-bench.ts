/**
 * Gateway benchmark (issue #3). Measures, in one run on one machine, `GET /hello` of functions/hello through
 * Lambkin (gateway → Invoker → warm environment → REST proxy response) against a bare fastify route returning
 * the same JSON, at concurrency 1 and 50, and prints requests/s, p50 and p99 with their ratios.
 * Targets: at concurrency 50, Lambkin ≥ 1/3 of the bare rate; at concurrency 1, p50 adds < 1 ms.
 * The load generator (http-load.ts) runs in a worker thread (its own event loop), with keep-alive connections, closed loops.
 * Run: npm run bench   (BENCH_SECONDS=5 for longer loops)
 */
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { pino } from "pino";
import { createGateway } from "../gateway/gateway-app.js";
import type { InvocationRequest } from "../runtime/invocation/invocation-request.js";
import { type LambkinRuntime, startRuntime } from "../runtime/lambkin-runtime.js";
import { silentFunctionLogSink } from "../runtime/logs/function-log-sink.js";
import { PACKAGE_ROOT } from "../runtime/package-paths.js";
import { type LoadResult, load, WARM_UP_SECONDS } from "./http-load.js";
import { closedLoops, ms, ratio } from "./stats.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCIES = [1, 50];
const BODY = JSON.stringify({ message: "Hello Lambda" });
const FUNCTION = "hello-dev-api";

/** The ceiling the gateway works under: the same function through the Invoker alone, no HTTP, same loops. */
async function invokerLoad(runtime: LambkinRuntime, concurrency: number): Promise<LoadResult> {
  const result = await closedLoops(concurrency, SECONDS, () => runtime.invoker.invoke(FUNCTION, "{}"));
  return { ...result, errors: 0 };
}

async function bareFastify(): Promise<FastifyInstance> {
  const app = Fastify();
  app.get("/hello", async (_request, reply) => reply.type("application/json").send(BODY));
  await app.listen({ port: 0, host: "127.0.0.1" });
  return app;
}

/**
 * Concurrency means environments: `concurrency` simultaneous requests, a few times over, so that every
 * environment the measured loops use has had its cold start before they begin.
 */
async function startEnvironments(port: number, concurrency: number): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      Array.from({ length: concurrency }, () =>
        fetch(`http://127.0.0.1:${port}/hello`).then((response) => response.text()),
      ),
    );
  }
}

function portOf(app: FastifyInstance): number {
  return (app.server.address() as AddressInfo).port;
}

function line(label: string, value: string, baseline: string, versus: string): void {
  console.log(
    `${label.padEnd(22)} ${value.padStart(12)}   bare fastify ${baseline.padStart(12)}   ratio ${versus}`,
  );
}

async function main(): Promise<void> {
  const runtime = await startRuntime({
    dir: join(PACKAGE_ROOT, "functions", "hello"),
    logger: pino({ level: "silent" }),
    functionLogs: silentFunctionLogSink,
    env: {},
    freezeIdle: process.env.LAMBKIN_FREEZE_IDLE !== "false",
  });
  const backend = {
    registry: runtime.registry,
    invocations: {
      run: (request: InvocationRequest) => runtime.invoker.run(request),
      // GET /hello is synchronous; nothing in this benchmark queues an event.
      enqueue: () => Promise.reject(new Error("the gateway benchmark queues no events")),
    },
  };
  const gateway = await createGateway({ backend, logger: pino({ level: "silent" }) });
  await gateway.listen({ port: 0, host: "127.0.0.1" });
  const bare = await bareFastify();
  try {
    console.log(
      `Lambkin gateway benchmark — node ${process.version}, GET /hello, ${SECONDS}s loops after ${WARM_UP_SECONDS}s warm-up\n`,
    );
    for (const concurrency of CONCURRENCIES) {
      const job = { path: "/hello", concurrency, seconds: SECONDS };
      const baseline = await load({ ...job, port: portOf(bare) });
      await startEnvironments(portOf(gateway), concurrency);
      const lambkin = await load({ ...job, port: portOf(gateway) });
      const environments = runtime.pool.list().length;
      console.log(`concurrency ${concurrency} (${environments} environment${environments === 1 ? "" : "s"})`);
      line(
        "  requests/s",
        lambkin.perSecond.toFixed(0),
        baseline.perSecond.toFixed(0),
        ratio(lambkin.perSecond, baseline.perSecond),
      );
      line(
        "  p50",
        ms(lambkin.p50),
        ms(baseline.p50),
        `${ratio(lambkin.p50, baseline.p50)} (+${ms(lambkin.p50 - baseline.p50)})`,
      );
      line("  p99", ms(lambkin.p99), ms(baseline.p99), ratio(lambkin.p99, baseline.p99));
      const invoker = await invokerLoad(runtime, concurrency);
      console.log(
        `  (the Invoker alone, no HTTP: ${invoker.perSecond.toFixed(0)}/s, p50 ${ms(invoker.p50)}, p99 ${ms(invoker.p99)})`,
      );
      if (lambkin.errors + baseline.errors > 0)
        console.log(`  errors: lambkin ${lambkin.errors}, bare ${baseline.errors}`);
      if (concurrency === 1)
        console.log(`  target: p50 adds < 1 ms → ${lambkin.p50 - baseline.p50 < 1 ? "met" : "NOT met"}`);
      else
        console.log(
          `  target: ≥ 0.33× the bare rate → ${lambkin.perSecond / baseline.perSecond >= 1 / 3 ? "met" : "NOT met"}`,
        );
      console.log("");
    }
  } finally {
    await bare.close();
    await gateway.close();
    await runtime.close();
  }
}

await main();
