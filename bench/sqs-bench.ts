/**
 * SQS messages per second through a function — sent in batches of 10 into the SQS store (SendMessageBatch's
 * entries), received by Lambda's event source mapping (batchSize 10), handled by a real function in an execution
 * environment, deleted — divided by raw BullMQ jobs added in bulks of 10 to the same Redis and run by a no-op
 * processor, measured in the same run. Rounds are interleaved so that a noisy neighbour slows every contender
 * alike; the median of each contender's rounds is reported.
 *   node dist/bench/sqs-bench.js        (BENCH_SQS_MESSAGES=2000, BENCH_SQS_CONCURRENCY=10)
 * Contenders: the Redis store (what `lambkin dev` / `lambkin worker` use with REDIS_URL) and the embedded store
 * (`lambkin dev` without Redis). The mapping runs Lambda's five pollers (no maximumConcurrency), so up to 5
 * invocations of 10 messages are in flight; raw BullMQ runs BENCH_SQS_CONCURRENCY jobs at once.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { registryResolver } from "../runtime/invocation/resolve-function.js";
import { startRuntime } from "../runtime/lambkin-runtime.js";
import { silentFunctionLogSink } from "../runtime/logs/function-log-sink.js";
import { startAsyncInvocations } from "../triggers/async/async-invocations.js";
import { retryPolicy } from "../triggers/async/retry-policy.js";
import { BullMqJobQueue } from "../triggers/queue/bullmq/bullmq-job-queue.js";
import { EmbeddedJobQueue } from "../triggers/queue/embedded/embedded-job-queue.js";
import type { JobQueue } from "../triggers/queue/interfaces/job-queue.js";
import { startSqsEventSources } from "../triggers/sqs/event-source/start-sqs-event-sources.js";
import type { SqsStore } from "../triggers/sqs/interfaces/index.js";
import { startRedisServer } from "./redis-server.js";
import { median, ratio } from "./stats.js";

const MESSAGES = Number(process.env.BENCH_SQS_MESSAGES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_SQS_CONCURRENCY ?? 10);
const ROUNDS = 3;
const PRODUCERS = 10;
/** SendMessageBatch's limit, and the mapping's batch size. */
const BATCH = 10;
const PACKAGE_ROOT = join(import.meta.dirname, "..", "..");
const SERVICE = join(PACKAGE_ROOT, "bench", "fixtures", "sqs");
const QUEUE = "bench-messages";

function body(n: number): string {
  return JSON.stringify({ n, message: "Hello Lambda" });
}

/** PRODUCERS loops take `count` message numbers in bulks of BATCH and hand each bulk to `send`. */
async function produce(count: number, send: (numbers: number[]) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < count) {
        const numbers: number[] = [];
        while (numbers.length < BATCH && next < count) numbers.push(next++);
        await send(numbers);
      }
    }),
  );
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
    { connection: consumer, prefix, concurrency: CONCURRENCY, removeOnComplete: { count: 0 } },
  );
  await worker.waitUntilReady();
  const started = performance.now();
  await produce(MESSAGES, (numbers) =>
    queue.addBulk(
      numbers.map((n) => ({ name: "message", data: { body: body(n) }, opts: { removeOnComplete: true } })),
    ),
  );
  while (done < MESSAGES) await new Promise((resolve) => setTimeout(resolve, 2));
  const perSecond = MESSAGES / ((performance.now() - started) / 1000);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  producer.disconnect();
  consumer.disconnect();
  return perSecond;
}

/** Sends `count` messages in batches of 10; resolves with messages/s once the queue holds none of them. */
async function throughput(store: SqsStore, count: number): Promise<number> {
  const started = performance.now();
  await produce(count, async (numbers) => {
    const results = await store.sendMessages(
      QUEUE,
      numbers.map((n) => ({ body: body(n) })),
    );
    const failed = results.find((result) => !result.ok);
    if (failed) throw new Error(`a send failed: ${JSON.stringify(failed)}`);
  });
  for (;;) {
    const counts = await store.counts(QUEUE);
    if (counts.visible + counts.notVisible + counts.delayed === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return count / ((performance.now() - started) / 1000);
}

interface Contender {
  measure(): Promise<number>;
  close(): Promise<void>;
}

/** The service's runtime, its job queue and its SQS event sources in this process, as `lambkin dev` runs them. */
async function lambkin(jobQueue: JobQueue, redis?: { url: string; prefix: string }): Promise<Contender> {
  const runtime = await startRuntime({
    dir: SERVICE,
    logger: pino({ level: "silent" }),
    functionLogs: silentFunctionLogSink,
    env: {},
  });
  const logger = pino({ level: "silent" });
  const async = startAsyncInvocations({ runtime, queue: jobQueue, logger, retries: retryPolicy([0]) });
  const sqs = await startSqsEventSources({
    services: runtime.services,
    jobQueue,
    ...(redis ? { redisUrl: redis.url, prefix: redis.prefix } : {}),
    invocations: async.invocations,
    functions: registryResolver(runtime.registry),
    logger,
  });
  await throughput(sqs.store, 200); // warm the environments
  return {
    measure: () => throughput(sqs.store, MESSAGES),
    async close() {
      await sqs.close();
      await async.consumer.close({ timeoutMs: 0 });
      await jobQueue.close({ timeoutMs: 0 });
      await runtime.close();
    },
  };
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  const stateDir = mkdtempSync(join(tmpdir(), "lambkin-sqs-bench-state-"));
  console.log(
    `Lambkin SQS event source benchmark — node ${process.version}, ${MESSAGES} messages per round sent in batches of ${BATCH} by ${PRODUCERS} producers, mapping batchSize ${BATCH}, raw BullMQ concurrency ${CONCURRENCY}, ${ROUNDS} interleaved rounds\n`,
  );
  const contenders: Record<string, Contender> = {};
  const samples: Record<string, number[]> = { raw: [] };
  try {
    const prefix = `bench-sqs-${randomUUID().slice(0, 8)}`;
    contenders["Redis SQS store"] = await lambkin(
      new BullMqJobQueue({ connection: redis.url, prefix, reporter: () => {} }),
      { url: redis.url, prefix },
    );
    contenders["embedded SQS store"] = await lambkin(new EmbeddedJobQueue({ stateDir, reporter: () => {} }));
    for (const name of Object.keys(contenders)) samples[name] = [];
    await rawBullMq(redis.url); // warm-up: Redis, scripts, JIT
    for (let round = 0; round < ROUNDS; round++) {
      samples.raw?.push(await rawBullMq(redis.url));
      for (const [name, contender] of Object.entries(contenders))
        samples[name]?.push(await contender.measure());
    }
  } finally {
    for (const contender of Object.values(contenders)) await contender.close();
    await redis.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  }
  const raw = median(samples.raw ?? []);
  const rounds = (values: readonly number[]) => values.map((value) => value.toFixed(0)).join(", ");
  console.log(
    `${"raw BullMQ (addBulk 10, no-op)".padEnd(40)} ${raw.toFixed(0).padStart(7)} messages/s   (rounds: ${rounds(samples.raw ?? [])})`,
  );
  for (const name of Object.keys(contenders)) {
    const values = samples[name] ?? [];
    const value = median(values);
    console.log(
      `${`Lambkin, ${name} → function`.padEnd(40)} ${value.toFixed(0).padStart(7)} messages/s   ${ratio(value, raw)} raw BullMQ   (rounds: ${rounds(values)})`,
    );
  }
}

await main();
