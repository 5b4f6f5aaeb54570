/**
 * The Redis SQS store against a real redis-server (one per file, append-only file on), each test under its own
 * key prefix: the conformance suite, then what only Redis has — two stores (two Lambkin processes) sharing the
 * queues, keys under the cluster's prefix, and Redis stopped and started again.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import { isSqsError, type SqsStore } from "../../../triggers/sqs/interfaces/index.js";
import { RedisSqsStore } from "../../../triggers/sqs/redis/redis-sqs-store.js";
import { eventually } from "../../support/eventually.js";
import {
  describeSqsStoreConformance,
  type OpenOptions,
  type SqsStoreScope,
} from "./sqs-store.conformance.js";

const REGION = "eu-west-1";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true });
});
afterAll(async () => {
  await redis?.dispose();
});

function open(prefix: string, options: OpenOptions = {}): Promise<RedisSqsStore> {
  // A long slice: only a wake-up (not the periodic look) can end a long poll early in these tests.
  return RedisSqsStore.connect({
    redisUrl: redis.url,
    prefix,
    region: REGION,
    pollSliceMs: 60_000,
    ...options,
  });
}

function redisScope(): SqsStoreScope {
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  const stores = new Set<SqsStore>();
  const track = async (options?: OpenOptions) => {
    const store = await open(prefix, options);
    stores.add(store);
    return store;
  };
  return {
    open: track,
    async reopen(store) {
      await store.close();
      stores.delete(store);
      return track();
    },
    async age(_store, queue, ms) {
      const client = new Redis(redis.url);
      try {
        const id = await client.hget(`${prefix}:sqs:queue-ids`, queue);
        const ages = await client.zrange(`${prefix}:sqs:q:${id}:age`, "0", "-1", "WITHSCORES");
        for (let i = 0; i < ages.length; i += 2) {
          const member = ages[i] as string;
          const older = Number(ages[i + 1]) - ms;
          await client.zadd(`${prefix}:sqs:q:${id}:age`, older, member);
          await client.hset(`${prefix}:sqs:q:${id}:m:${member}`, "e", String(older), "t", String(older));
        }
      } finally {
        client.disconnect();
      }
    },
    async dispose() {
      for (const store of stores) await store.close();
    },
  };
}

describeSqsStoreConformance({ name: "redis", scope: async () => redisScope() });

describe("RedisSqsStore", () => {
  it("shares queues between two stores: a long poll in one is woken by a send from the other", async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const [a, b] = await Promise.all([open(prefix), open(prefix)]);
    try {
      await a.createQueue("shared");
      const started = Date.now();
      const pending = b.receiveMessages("shared", { waitTimeSeconds: 20 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await a.sendMessages("shared", [{ body: "across" }]);
      const [message] = await pending;
      expect(message?.body).toBe("across");
      expect(Date.now() - started).toBeLessThan(15_000);
      await a.deleteMessage("shared", message?.receiptHandle ?? "");
      expect(await b.counts("shared")).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("keeps its keys under <prefix>:sqs and drops a purged queue's keys", async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const store = await open(prefix);
    const client = new Redis(redis.url);
    try {
      await store.createQueue("keys");
      await store.sendMessages("keys", [{ body: "1" }, { body: "2" }]);
      const keys = await client.keys("*");
      const mine = keys.filter((key) => key.startsWith(`${prefix}:`));
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((key) => key.startsWith(`${prefix}:sqs:`))).toBe(true);
      await store.purgeQueue("keys");
      const messageKeys = (await client.keys(`${prefix}:sqs:q:*`)).filter((key) => !key.includes(":dedup:"));
      expect(messageKeys).toEqual([]);
    } finally {
      client.disconnect();
      await store.close();
    }
  });

  it("answers ServiceUnavailable while Redis is down, and has every message once it is back", async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const store = await open(prefix);
    try {
      await store.createQueue("outage");
      await store.sendMessages("outage", [{ body: "before" }]);
      await redis.stop();
      const error = await store.sendMessages("outage", [{ body: "during" }]).catch((e: unknown) => e);
      expect(isSqsError(error, "ServiceUnavailable")).toBe(true);
      expect((error as Error).message).toContain("LKN_ERR_SQS_STORE_UNAVAILABLE");
      await redis.start();
      const messages = await eventually(async () => {
        const received = await store.receiveMessages("outage", { maxNumberOfMessages: 10 });
        if (received.length === 0) throw new Error("nothing yet");
        return received;
      });
      expect(messages.map((m) => m.body)).toEqual(["before"]);
    } finally {
      if (!redis.running) await redis.start();
      await store.close();
    }
  });
});
