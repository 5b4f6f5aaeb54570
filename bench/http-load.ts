/**
 * The HTTP load generator of the benchmarks: `concurrency` closed loops of GET requests over keep-alive
 * connections for `seconds` after a warm-up, in a worker thread (its own event loop, so the measuring side is not
 * slowed by what it measures in the same process), with latencies in ms.
 */
import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { percentile } from "./stats.js";

export const WARM_UP_SECONDS = 1;

export interface LoadJob {
  readonly port: number;
  readonly path: string;
  readonly concurrency: number;
  readonly seconds: number;
}

export interface LoadResult {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

/** Runs `job` in a worker thread. */
export function load(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { httpLoad: job } });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

/** Worker side: `concurrency` closed loops of GET requests for `seconds`, latencies in ms. */
async function runLoad(job: LoadJob): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  let errors = 0;
  const get = () =>
    new Promise<void>((resolve) => {
      const outgoing = request({ host: "127.0.0.1", port: job.port, path: job.path, agent }, (response) => {
        if (response.statusCode !== 200) errors++;
        response.resume();
        response.on("end", resolve);
      });
      outgoing.on("error", () => {
        errors++;
        resolve();
      });
      outgoing.end();
    });
  const loops = async (seconds: number, latencies: number[] | undefined) => {
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (performance.now() < deadline) {
          const started = performance.now();
          await get();
          latencies?.push(performance.now() - started);
        }
      }),
    );
  };
  await loops(WARM_UP_SECONDS, undefined);
  errors = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await loops(job.seconds, latencies);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    perSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

const job = (workerData as { httpLoad?: LoadJob } | null)?.httpLoad;
if (!isMainThread && job !== undefined) parentPort?.postMessage(await runLoad(job));
