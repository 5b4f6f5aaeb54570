/** The Redis CheckpointStore against a real redis-server (append-only file on), each test under its own prefix. */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import { CheckpointStoreUnavailableError } from "../../../triggers/streams/interfaces/index.js";
import { RedisCheckpointStore } from "../../../triggers/streams/redis/redis-checkpoint-store.js";
import { describeCheckpointStoreConformance } from "./checkpoint-store.conformance.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true });
});
afterAll(async () => {
  await redis?.dispose();
});

describeCheckpointStoreConformance({
  name: "redis",
  async scope() {
    const prefix = `t-${randomUUID()}`;
    const stores: RedisCheckpointStore[] = [];
    return {
      async open() {
        const store = await new RedisCheckpointStore({ redisUrl: redis.url, prefix }).connect();
        stores.push(store);
        return store;
      },
      async dispose() {
        await Promise.all(stores.map((store) => store.close()));
      },
    };
  },
});

describe("RedisCheckpointStore (Redis only)", () => {
  it("keeps its keys under <prefix>:streams", async () => {
    const prefix = `t-${randomUUID()}`;
    const store = await new RedisCheckpointStore({ redisUrl: redis.url, prefix }).connect();
    const key = { mappingId: "fn:arn", shardId: "s1" };
    await store.acquireLease(key, "p", 30_000);
    await store.saveCheckpoint(key, "p", "5");
    await store.markShardFinished(key, "p");
    const probe = new Redis(redis.url);
    try {
      const keys = (await probe.keys(`${prefix}*`)).sort();
      expect(keys).toEqual([
        `${prefix}:streams:cp:fn:arn`,
        `${prefix}:streams:done:fn:arn`,
        `${prefix}:streams:lease:fn:arn:s1`,
      ]);
    } finally {
      probe.disconnect();
      await store.close();
    }
  });

  it("keeps checkpoints across a restart of Redis itself (append-only file)", async () => {
    const prefix = `t-${randomUUID()}`;
    const store = await new RedisCheckpointStore({ redisUrl: redis.url, prefix }).connect();
    const key = { mappingId: "fn:arn", shardId: "s1" };
    await store.acquireLease(key, "p", 30_000);
    await store.saveCheckpoint(key, "p", "77");
    await store.close();
    await redis.stop();
    await redis.start();
    const reopened = await new RedisCheckpointStore({ redisUrl: redis.url, prefix }).connect();
    expect(await reopened.checkpoint(key)).toBe("77");
    await reopened.close();
  });

  it("rejects with CheckpointStoreUnavailableError while Redis is down, and works again after", async () => {
    const prefix = `t-${randomUUID()}`;
    const store = await new RedisCheckpointStore({
      redisUrl: redis.url,
      prefix,
      commandTimeoutMs: 500,
    }).connect();
    const key = { mappingId: "m", shardId: "s" };
    await redis.stop();
    try {
      await expect(store.checkpoint(key)).rejects.toBeInstanceOf(CheckpointStoreUnavailableError);
    } finally {
      await redis.start();
    }
    const { eventually } = await import("../../support/eventually.js");
    await eventually(async () => expect(await store.acquireLease(key, "p", 1000)).toBe(true), 10_000);
    await store.close();
  });
});
