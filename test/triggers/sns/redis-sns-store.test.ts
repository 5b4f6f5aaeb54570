/**
 * The Redis SNS store against a real redis-server (the conformance suite, each test under its own key prefix),
 * and what only Redis has: two stores (two Lambkin processes) sharing topics and FIFO claims, keys under the
 * cluster's prefix, and InternalError — never a hang — while Redis is down.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import { isSnsError, type SnsStore, topicArn } from "../../../triggers/sns/interfaces/index.js";
import { RedisSnsStore } from "../../../triggers/sns/redis/redis-sns-store.js";
import { describeSnsStoreConformance, type SnsStoreScope } from "./sns-store.conformance.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true });
});
afterAll(async () => {
  await redis?.dispose();
});

function redisScope(prefix = `test-${randomUUID().slice(0, 8)}`): SnsStoreScope {
  const stores = new Set<SnsStore>();
  const open = async () => {
    const store = await RedisSnsStore.connect({ redisUrl: redis.url, prefix });
    stores.add(store);
    return store;
  };
  return {
    open,
    async reopen(store) {
      await store.close();
      stores.delete(store);
      return open();
    },
    async dispose() {
      for (const store of stores) await store.close();
    },
  };
}

describeSnsStoreConformance("redis", () => redisScope());

describe("RedisSnsStore", () => {
  it("shares topics, subscriptions and FIFO claims between two stores, under <prefix>:sns", async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const scope = redisScope(prefix);
    try {
      const one = await scope.open();
      const two = await scope.open();
      const arn = topicArn("eu-west-1", "000000000000", "shared.fifo");
      await one.createTopic({
        name: "shared.fifo",
        arn,
        fifo: true,
        attributes: { FifoTopic: "true" },
        createdMs: 1,
      });
      expect((await two.getTopic(arn))?.name).toBe("shared.fifo");
      const claims = await Promise.all([
        one.claimFifoMessage(arn, "same", "m1"),
        two.claimFifoMessage(arn, "same", "m2"),
      ]);
      expect(claims.filter((claim) => !claim.duplicate)).toHaveLength(1);
      expect(new Set(claims.map((claim) => claim.messageId)).size).toBe(1);
      const client = new Redis(redis.url);
      try {
        const keys = await client.keys(`${prefix}:*`);
        expect(keys.length).toBeGreaterThan(0);
        expect(keys.every((key) => key.startsWith(`${prefix}:sns:`))).toBe(true);
      } finally {
        client.disconnect();
      }
    } finally {
      await scope.dispose();
    }
  });

  it("cannot connect to a Redis that is not there: InternalError (LKN_ERR_SNS_STORE_UNAVAILABLE)", async () => {
    const error = await RedisSnsStore.connect({
      redisUrl: "redis://127.0.0.1:1",
      commandTimeoutMs: 500,
    }).catch((e: unknown) => e);
    expect(isSnsError(error, "InternalError")).toBe(true);
    expect((error as Error).message).toContain("LKN_ERR_SNS_STORE_UNAVAILABLE");
  });
});
