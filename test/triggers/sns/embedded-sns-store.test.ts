/**
 * The embedded SNS store on a real embedded job queue's SQLite file (the conformance suite), and what only it
 * has: its tables live in the job queue's file next to the queue's own, and a file of another schema version is
 * refused rather than misread.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedJobQueue } from "../../../triggers/queue/index.js";
import { EmbeddedSnsStore } from "../../../triggers/sns/embedded/embedded-sns-store.js";
import { isSnsError, type SnsStore } from "../../../triggers/sns/interfaces/index.js";
import { describeSnsStoreConformance, type SnsStoreScope } from "./sns-store.conformance.js";

function embeddedScope(): SnsStoreScope {
  const stateDir = mkdtempSync(join(tmpdir(), "lambkin-sns-store-"));
  const queues = new Map<SnsStore, EmbeddedJobQueue>();
  const open = async (): Promise<SnsStore> => {
    const jobs = new EmbeddedJobQueue({ stateDir });
    const store = new EmbeddedSnsStore({ database: jobs.database });
    queues.set(store, jobs);
    return store;
  };
  const shut = async (store: SnsStore) => {
    await store.close();
    await queues.get(store)?.close();
    queues.delete(store);
  };
  return {
    open,
    async reopen(store) {
      await shut(store);
      return open();
    },
    async dispose() {
      for (const store of [...queues.keys()]) await shut(store);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

describeSnsStoreConformance("embedded", embeddedScope);

describe("EmbeddedSnsStore", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses tables of another schema version (InternalError), and answers InternalError once closed", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "lambkin-sns-store-"));
    dirs.push(stateDir);
    const jobs = new EmbeddedJobQueue({ stateDir });
    try {
      const store = new EmbeddedSnsStore({ database: jobs.database });
      await store.close();
      expect(isSnsError(await store.listTopics().catch((e: unknown) => e), "InternalError")).toBe(true);
      jobs.database.prepare("UPDATE sns_schema SET version = 99").run();
      let error: unknown;
      try {
        new EmbeddedSnsStore({ database: jobs.database });
      } catch (caught) {
        error = caught;
      }
      expect(isSnsError(error, "InternalError")).toBe(true);
      expect((error as Error).message).toContain("LKN_ERR_SNS_STORE_UNAVAILABLE");
    } finally {
      await jobs.close();
    }
  });
});
