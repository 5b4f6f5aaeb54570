/** The embedded CheckpointStore on the embedded job queue's real SQLite file, in a fresh state folder per test. */
import { rmSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EmbeddedJobQueue } from "../../../triggers/queue/index.js";
import { EmbeddedCheckpointStore } from "../../../triggers/streams/embedded/embedded-checkpoint-store.js";
import { CheckpointStoreUnavailableError } from "../../../triggers/streams/interfaces/index.js";
import { freshStateDir } from "../../support/state-dir.js";
import { describeCheckpointStoreConformance } from "./checkpoint-store.conformance.js";

describeCheckpointStoreConformance({
  name: "embedded",
  async scope() {
    const stateDir = freshStateDir();
    let queue: EmbeddedJobQueue | undefined;
    return {
      async open() {
        // A reopen is a restart: the queue (which owns the file) is closed and opened again.
        await queue?.close();
        queue = new EmbeddedJobQueue({ stateDir });
        return new EmbeddedCheckpointStore({ database: queue.database });
      },
      async dispose() {
        await queue?.close();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  },
});

describe("EmbeddedCheckpointStore (embedded only)", () => {
  it("shares the queue's connection, drops leases a previous process held, and never closes the file", async () => {
    const stateDir = freshStateDir();
    let queue = new EmbeddedJobQueue({ stateDir });
    try {
      let store = new EmbeddedCheckpointStore({ database: queue.database });
      const key = { mappingId: "m", shardId: "s" };
      expect(await store.acquireLease(key, "old-process", 600_000)).toBe(true);
      await store.saveCheckpoint(key, "old-process", "9");
      await store.close();
      expect(queue.database.open).toBe(true);
      await queue.close();
      queue = new EmbeddedJobQueue({ stateDir });
      store = new EmbeddedCheckpointStore({ database: queue.database });
      expect(await store.lease(key)).toBeUndefined();
      expect(await store.acquireLease(key, "new-process", 600_000)).toBe(true);
      expect(await store.checkpoint(key)).toBe("9");
      const version = queue.database.prepare("SELECT version FROM stream_schema").get() as {
        version: number;
      };
      expect(version.version).toBe(1);
    } finally {
      await queue.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("refuses a table of another schema version, and rejects once the database is closed", async () => {
    const stateDir = freshStateDir();
    const queue = new EmbeddedJobQueue({ stateDir });
    try {
      const store = new EmbeddedCheckpointStore({ database: queue.database });
      queue.database.prepare("UPDATE stream_schema SET version = 99").run();
      expect(() => new EmbeddedCheckpointStore({ database: queue.database })).toThrow(/schema version 99/);
      await queue.close();
      await expect(store.checkpoint({ mappingId: "m", shardId: "s" })).rejects.toBeInstanceOf(
        CheckpointStoreUnavailableError,
      );
    } finally {
      await queue.close().catch(() => {});
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
