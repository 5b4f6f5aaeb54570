/**
 * The BullMQ adapter against a real redis-server (one per file, append-only file on, so a stop and a start
 * keep the jobs), each test under its own key prefix: the conformance suite, then what only Redis has — a
 * server stopped and started again while jobs flow.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import { BullMqJobQueue, outcome, type QueueReport } from "../../../triggers/queue/index.js";
import {
  describeJobQueueConformance,
  invocation,
  type OpenOptions,
  type QueueBackend,
  type QueueScope,
  waitFor,
} from "./job-queue.conformance.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true });
});
afterAll(async () => {
  await redis?.dispose();
});

const QUEUE_NAME = "async-invocations";

function queueOptions(prefix: string, options: OpenOptions = {}) {
  const lockDurationMs = options.lockMs ?? 5000;
  return {
    connection: redis.url,
    prefix,
    lockDurationMs,
    stalledIntervalMs: Math.min(lockDurationMs, 1000),
    enqueueTimeoutMs: 3000,
    ...(options.maxStalls === undefined ? {} : { maxStalls: options.maxStalls }),
  };
}

const backend: QueueBackend = {
  name: "bullmq",
  async scope(): Promise<QueueScope> {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const reports: QueueReport[] = [];
    return {
      reports,
      open: (options) =>
        new BullMqJobQueue({ ...queueOptions(prefix, options), reporter: (report) => reports.push(report) }),
      childConfig: (options) => ({ backend: "bullmq", options: queueOptions(prefix, options) }),
      async writeMalformedJobs(queue) {
        // Straight into the queue's keys, as another program or redis-cli could: a job hash and its id on
        // the wait list, then BullMQ's marker that wakes blocked workers.
        const client = new Redis(redis.url);
        const ids = [`bad-json-${randomUUID().slice(0, 8)}`, `bad-version-${randomUUID().slice(0, 8)}`];
        const data = ["not json {", JSON.stringify({ version: 99, hello: "world" })];
        for (const [index, id] of ids.entries()) {
          await client.hset(`${prefix}:${QUEUE_NAME}:${id}`, {
            name: "invocation",
            data: data[index] as string,
            opts: JSON.stringify({ attempts: 1 }),
            timestamp: Date.now(),
            delay: 0,
            priority: 0,
          });
          await client.lpush(`${prefix}:${QUEUE_NAME}:wait`, id);
        }
        await client.zadd(`${prefix}:${QUEUE_NAME}:marker`, 0, "0");
        client.disconnect();
        return { queue, ids };
      },
      async dispose() {
        const client = new Redis(redis.url);
        const keys = await client.keys(`${prefix}:*`);
        if (keys.length > 0) await client.del(...keys);
        client.disconnect();
      },
    };
  },
  async down() {
    const queue = new BullMqJobQueue({
      ...queueOptions(`t-${randomUUID().slice(0, 8)}`),
      reporter: () => {},
    });
    await queue.ready();
    await redis.stop();
    return {
      queue,
      storedJobs: async () => undefined, // Redis is down: nothing to read (the restart test checks what it kept)
      async restore() {
        await queue.close({ timeoutMs: 1000 });
        if (!redis.running) await redis.start();
      },
    };
  },
};

describeJobQueueConformance(backend);

describe("BullMQ job queue and Redis", () => {
  it("reconnects by itself when Redis is stopped and started again, and runs every job it accepted", async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const reports: QueueReport[] = [];
    const queue = new BullMqJobQueue({ ...queueOptions(prefix), reporter: (report) => reports.push(report) });
    try {
      await queue.ready();
      const processed = new Set<string>();
      queue.process(
        async (job) => {
          processed.add(job.invocation.requestId);
          return outcome.done();
        },
        { concurrency: 4 },
      );
      const accepted: string[] = [];
      let acceptedAfterRestart = 0;
      let refused = 0;
      let restarted = false;
      const produce = (async () => {
        const until = Date.now() + 6000;
        while (Date.now() < until) {
          const sent = invocation();
          try {
            await queue.enqueue(sent);
            accepted.push(sent.requestId);
            if (restarted) acceptedAfterRestart++;
          } catch (error) {
            expect(error).toMatchObject({ code: "LKN_ERR_QUEUE_UNAVAILABLE" });
            refused++;
          }
          await sleep(20);
        }
      })();
      await sleep(1500);
      await redis.stop();
      await sleep(1500);
      await redis.start();
      restarted = true;
      await produce;
      expect(refused).toBeGreaterThan(0); // it was really down
      expect(acceptedAfterRestart).toBeGreaterThan(0); // the producer reconnected by itself
      await waitFor(
        () => accepted.every((id) => processed.has(id)),
        "every accepted job to be processed after the restart",
        60_000,
      );
      expect(reports.map((report) => report.code)).toContain("LKN_WRN_QUEUE_BACKEND");
    } finally {
      await queue.close({ timeoutMs: 2000 });
      if (!redis.running) await redis.start();
    }
  });

  it("keeps nothing of an enqueue refused while Redis was down", async () => {
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const queue = new BullMqJobQueue({ ...queueOptions(prefix), reporter: () => {} });
    try {
      await queue.ready();
      await redis.stop();
      await expect(queue.enqueue(invocation(), { jobId: "refused-1" })).rejects.toMatchObject({
        code: "LKN_ERR_QUEUE_UNAVAILABLE",
      });
      await redis.start();
      await queue.ready();
      await sleep(500);
      expect(await queue.counts()).toEqual({ ready: 0, delayed: 0, running: 0, dead: 0 });
    } finally {
      await queue.close({ timeoutMs: 2000 });
      if (!redis.running) await redis.start();
    }
  });
});
