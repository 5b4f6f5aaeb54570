import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { BullMqJobQueue } from "../triggers/queue/bullmq/bullmq-job-queue.js";
import { EmbeddedJobQueue } from "../triggers/queue/embedded/embedded-job-queue.js";
import { type JobQueue, outcome } from "../triggers/queue/interfaces/job-queue.js";
import type { QueuedInvocation } from "../triggers/queue/interfaces/queued-invocation.js";
import { startRedisServer } from "./redis-server.js";
import { median, ratio } from "./stats.js";

const JOBS = Number(process.env.BENCH_QUEUE_JOBS ?? 3000);
const PRODUCERS = 20;
const CONCURRENCY = 10;
const ROUNDS = 3;

function invocation(n: number): QueuedInvocation {
  return {
    version: 1,
    functionName: "bench-dev-noop",
    qualifier: "$LATEST",
    invocationType: "Event",
    payload: JSON.stringify({ n, message: "Hello Lambda" }),
    payloadEncoding: "utf8",
    requestId: randomUUID(),
    source: "bench",
    enqueuedAt: Date.now(),
  };
}

/** PRODUCERS loops enqueue JOBS jobs in all; resolves with jobs/s once `processed()` reaches JOBS. */
async function measure(enqueue: (n: number) => Promise<unknown>, processed: () => number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < JOBS) await enqueue(next++);
    }),
  );
  while (processed() < JOBS) await new Promise((resolve) => setTimeout(resolve, 2));
  return JOBS / ((performance.now() - started) / 1000);
}

async function rawBullMq(url: string): Promise<number> {
  const prefix = `bench-raw-${randomUUID().slice(0, 8)}`;
  const producer = new Redis(url);
  const consumer = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue("raw", { connection: producer, prefix });
  let done = 0;
  const worker = new Worker(
    "raw",
    async () => {
      done++;
    },
    { connection: consumer, prefix, concurrency: CONCURRENCY },
  );
  await worker.waitUntilReady();
  const perSecond = await measure(
    (n) => queue.add("invocation", invocation(n), { removeOnComplete: true }),
    () => done,
  );
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  producer.disconnect();
  consumer.disconnect();
  return perSecond;
}

async function throughPort(queue: JobQueue): Promise<number> {
  await queue.ready();
  let done = 0;
  queue.process(
    async () => {
      done++;
      return outcome.done();
    },
    { concurrency: CONCURRENCY },
  );
  const perSecond = await measure(
    (n) => queue.enqueue(invocation(n)),
    () => done,
  );
  await queue.close();
  return perSecond;
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const { url } = redis;
  try {
    console.log(
      `job queue: ${JOBS} jobs, ${PRODUCERS} producers, consumer concurrency ${CONCURRENCY}, no-op handler`,
    );
    await rawBullMq(url); // warm-up: Redis, scripts, JIT
    const embedded = async (synchronous: "FULL" | "NORMAL") => {
      const stateDir = mkdtempSync(join(tmpdir(), "lambkin-queue-bench-state-"));
      try {
        return await throughPort(new EmbeddedJobQueue({ stateDir, synchronous, reporter: () => {} }));
      } finally {
        rmSync(stateDir, { recursive: true, force: true });
      }
    };
    // Interleaved rounds, so that load from elsewhere on the machine weighs on all of them alike; each
    // round's ratio is against that round's raw BullMQ, and the median ratio is reported.
    const rounds: { raw: number; bullmq: number; full: number; normal: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const raw = await rawBullMq(url);
      const bullmq = await throughPort(
        new BullMqJobQueue({
          connection: url,
          prefix: `bench-${randomUUID().slice(0, 8)}`,
          reporter: () => {},
        }),
      );
      rounds.push({ raw, bullmq, full: await embedded("FULL"), normal: await embedded("NORMAL") });
    }
    const line = (label: string, key: "raw" | "bullmq" | "full" | "normal") => {
      const rates = rounds.map((round) => round[key]);
      const ratios = rounds.map((round) => round[key] / round.raw);
      console.log(
        `${label.padEnd(30)} ${median(rates).toFixed(0).padStart(7)} jobs/s   ÷ raw BullMQ ${ratio(median(ratios), 1)}` +
          `   (rounds: ${ratios.map((value) => value.toFixed(2)).join(", ")})`,
      );
      return median(ratios);
    };
    line("raw BullMQ (Queue + Worker)", "raw");
    const bullmq = line("BullMQ adapter", "bullmq");
    line("embedded, synchronous=FULL", "full");
    line("embedded, synchronous=NORMAL", "normal");
    console.log(`  target: BullMQ adapter ≥ 0.5× raw BullMQ → ${bullmq >= 0.5 ? "met" : "NOT met"}`);
  } finally {
    await redis.dispose();
  }
}

await main();
