/**
 * The CheckpointStore conformance suite: one contract, run against every adapter (Redis on a real redis-server,
 * the embedded store on the embedded job queue's real SQLite file) by the test file of each; a fresh store scope
 * (key prefix or state folder) per test.
 */
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { CheckpointStore, ShardKey } from "../../../triggers/streams/interfaces/index.js";
import { eventually } from "../../support/eventually.js";

/** One test's store: open() answers a store on the same state every time (a restart of the process). */
export interface CheckpointScope {
  open(): Promise<CheckpointStore>;
  /** Closes what open() opened (the stores and what they share). */
  dispose(): Promise<void>;
}

export interface CheckpointBackend {
  readonly name: "redis" | "embedded";
  scope(): Promise<CheckpointScope>;
}

export function describeCheckpointStoreConformance(backend: CheckpointBackend): void {
  describe(`CheckpointStore conformance (${backend.name})`, () => {
    let scope: CheckpointScope | undefined;
    afterEach(async () => {
      await scope?.dispose();
      scope = undefined;
    });
    const open = async (): Promise<CheckpointStore> => {
      scope ??= await backend.scope();
      return scope.open();
    };
    const key = (shardId = "shardId-000001"): ShardKey => ({ mappingId: `fn:${randomUUID()}`, shardId });

    it("has no checkpoint for a shard never read, and keeps the last one saved by the lease holder", async () => {
      const store = await open();
      expect(store.backend).toBe(backend.name);
      const shard = key();
      expect(await store.checkpoint(shard)).toBeUndefined();
      expect(await store.acquireLease(shard, "a", 30_000)).toBe(true);
      expect(await store.saveCheckpoint(shard, "a", "100")).toBe(true);
      expect(await store.saveCheckpoint(shard, "a", "200")).toBe(true);
      expect(await store.checkpoint(shard)).toBe("200");
      expect(await store.checkpoint({ ...shard, shardId: "other" })).toBeUndefined();
      expect(await store.checkpoint({ ...shard, mappingId: "other" })).toBeUndefined();
    });

    it("refuses a checkpoint or a finished mark from a process that does not hold the lease", async () => {
      const store = await open();
      const shard = key();
      expect(await store.saveCheckpoint(shard, "a", "1")).toBe(false);
      expect(await store.acquireLease(shard, "a", 30_000)).toBe(true);
      expect(await store.saveCheckpoint(shard, "b", "2")).toBe(false);
      expect(await store.markShardFinished(shard, "b")).toBe(false);
      expect(await store.checkpoint(shard)).toBeUndefined();
      expect(await store.finishedShards(shard.mappingId, [shard.shardId])).toEqual(new Set());
    });

    it("gives a shard's lease to one owner at a time, renews it for its holder, and frees it on release", async () => {
      const store = await open();
      const shard = key();
      const taken = await Promise.all(
        ["a", "b", "c", "d"].map((owner) => store.acquireLease(shard, owner, 30_000)),
      );
      expect(taken.filter(Boolean)).toHaveLength(1);
      const winner = ["a", "b", "c", "d"][taken.indexOf(true)] ?? "";
      expect((await store.lease(shard))?.owner).toBe(winner);
      expect(await store.acquireLease(shard, winner, 30_000)).toBe(true);
      expect(await store.acquireLease(shard, "someone-else", 30_000)).toBe(false);
      await store.releaseLease(shard, "someone-else"); // not theirs: nothing happens
      expect((await store.lease(shard))?.owner).toBe(winner);
      await store.releaseLease(shard, winner);
      expect(await store.lease(shard)).toBeUndefined();
      expect(await store.acquireLease(shard, "someone-else", 30_000)).toBe(true);
    });

    it("lets another owner take a lease its holder stopped renewing, and the old holder can no longer write", async () => {
      const store = await open();
      const shard = key();
      expect(await store.acquireLease(shard, "dead", 300)).toBe(true);
      expect(await store.saveCheckpoint(shard, "dead", "10")).toBe(true);
      const lease = await store.lease(shard);
      expect(lease?.owner).toBe("dead");
      expect(lease?.expiresAt).toBeGreaterThan(Date.now() - 1000);
      await eventually(
        async () => expect(await store.acquireLease(shard, "alive", 30_000)).toBe(true),
        10_000,
      );
      expect(await store.saveCheckpoint(shard, "dead", "11")).toBe(false);
      expect(await store.checkpoint(shard)).toBe("10");
      expect(await store.saveCheckpoint(shard, "alive", "12")).toBe(true);
    });

    it("marks shards finished for their mapping only", async () => {
      const store = await open();
      const a = key("shard-a");
      const b = { ...a, shardId: "shard-b" };
      expect(await store.finishedShards(a.mappingId, [])).toEqual(new Set());
      await store.acquireLease(a, "p", 30_000);
      expect(await store.markShardFinished(a, "p")).toBe(true);
      expect(await store.finishedShards(a.mappingId, ["shard-a", "shard-b", "shard-c"])).toEqual(
        new Set(["shard-a"]),
      );
      expect(await store.finishedShards("another-mapping", ["shard-a"])).toEqual(new Set());
      expect(await store.finishedShards(b.mappingId, ["shard-b"])).toEqual(new Set());
    });

    it("keeps checkpoints and finished marks across a close and a reopen (a restart)", async () => {
      const first = await open();
      const shard = key();
      await first.acquireLease(shard, "p", 30_000);
      await first.saveCheckpoint(shard, "p", "49600000000000000000000000000000000000000000000000000001");
      await first.markShardFinished(shard, "p");
      await first.close();
      const second = await open();
      expect(await second.checkpoint(shard)).toBe("49600000000000000000000000000000000000000000000000000001");
      expect(await second.finishedShards(shard.mappingId, [shard.shardId])).toEqual(new Set([shard.shardId]));
    });

    it("stores hostile ids and sequence numbers as opaque text", async () => {
      const store = await open();
      const shard: ShardKey = {
        mappingId: `m:${randomUUID()}:*?[]'"\\ ü`,
        shardId: "shard'; DROP TABLE x; --*",
      };
      await store.acquireLease(shard, "o'wner", 30_000);
      const long = "9".repeat(2000);
      expect(await store.saveCheckpoint(shard, "o'wner", long)).toBe(true);
      expect(await store.checkpoint(shard)).toBe(long);
      expect(await store.checkpoint({ ...shard, shardId: "shard*" })).toBeUndefined();
    });
  });
}
