/** The factory picks the SQS store on the job queue's backend: Redis with a URL, else the embedded file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import { BullMqJobQueue, EmbeddedJobQueue } from "../../../triggers/queue/index.js";
import { isSqsError, openSqsStore } from "../../../triggers/sqs/index.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.dispose();
});

describe("openSqsStore", () => {
  it("opens the embedded store on the embedded job queue's file without a Redis URL", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "lambkin-sqs-open-"));
    const jobQueue = new EmbeddedJobQueue({ stateDir });
    try {
      const store = await openSqsStore({ jobQueue, region: "us-east-1" });
      expect(store.backend).toBe("embedded");
      expect((await store.createQueue("q")).arn).toBe("arn:aws:sqs:us-east-1:000000000000:q");
      await store.close();
    } finally {
      await jobQueue.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("opens the Redis store with a Redis URL, under the cluster's prefix", async () => {
    const jobQueue = new BullMqJobQueue({ connection: redis.url, prefix: "open-test" });
    try {
      const store = await openSqsStore({
        jobQueue,
        redisUrl: redis.url,
        prefix: "open-test",
        region: "us-east-1",
      });
      expect(store.backend).toBe("redis");
      await store.createQueue("q");
      expect((await store.listQueues()).queues.map((q) => q.name)).toEqual(["q"]);
      await store.close();
    } finally {
      await jobQueue.close();
    }
  });

  it("refuses a BullMQ job queue without a Redis URL, and answers ServiceUnavailable when Redis is unreachable", async () => {
    const jobQueue = new BullMqJobQueue({ connection: redis.url, prefix: "open-test-2" });
    try {
      const refused = await openSqsStore({ jobQueue, region: "us-east-1" }).catch((e: unknown) => e);
      expect(isSqsError(refused, "ServiceUnavailable")).toBe(true);
      const unreachable = await openSqsStore({
        jobQueue,
        redisUrl: "redis://127.0.0.1:1",
        region: "us-east-1",
      }).catch((e: unknown) => e);
      expect(isSqsError(unreachable, "ServiceUnavailable")).toBe(true);
    } finally {
      await jobQueue.close();
    }
  });
});
