/**
 * The embedded SQS store on a real embedded job-queue file in a fresh state folder per test: the conformance
 * suite, then what only the embedded store has — its tables living beside the job queue's in one file, with their
 * own schema version.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedJobQueue } from "../../../triggers/queue/index.js";
import { EmbeddedSqsStore } from "../../../triggers/sqs/embedded/embedded-sqs-store.js";
import { isSqsError, type SqsStore } from "../../../triggers/sqs/interfaces/index.js";
import {
  describeSqsStoreConformance,
  type OpenOptions,
  type SqsStoreScope,
} from "./sqs-store.conformance.js";

const REGION = "eu-west-1";

function embeddedScope(): SqsStoreScope {
  const stateDir = mkdtempSync(join(tmpdir(), "lambkin-sqs-store-"));
  const queues = new Map<SqsStore, EmbeddedJobQueue>();
  const open = async (options: OpenOptions = {}): Promise<SqsStore> => {
    const jobs = new EmbeddedJobQueue({ stateDir });
    // A long slice: only a wake-up (not the periodic look) can end a long poll early in these tests.
    const store = new EmbeddedSqsStore({
      database: jobs.database,
      region: REGION,
      pollSliceMs: 60_000,
      ...options,
    });
    queues.set(store, jobs);
    return store;
  };
  const shut = async (store: SqsStore) => {
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
    async age(store, queue, ms) {
      queues
        .get(store)
        ?.database.prepare(
          `UPDATE sqs_messages SET enqueued_ms = enqueued_ms - ?, sent_ms = sent_ms - ?
           WHERE queue_id = (SELECT id FROM sqs_queues WHERE name = ?)`,
        )
        .run(ms, ms, queue);
    },
    async dispose() {
      for (const store of [...queues.keys()]) await shut(store);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

describeSqsStoreConformance({ name: "embedded", scope: async () => embeddedScope() });

describe("EmbeddedSqsStore", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps its tables in the job queue's file, with its own schema version, and leaves the job queue working", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "lambkin-sqs-store-"));
    dirs.push(stateDir);
    const jobs = new EmbeddedJobQueue({ stateDir });
    const store = new EmbeddedSqsStore({ database: jobs.database, region: REGION });
    await store.createQueue("beside-jobs");
    await store.sendMessages("beside-jobs", [{ body: "kept" }]);
    expect(await jobs.counts()).toEqual({ ready: 0, delayed: 0, running: 0, dead: 0 });
    await store.close();
    await jobs.close();
    const file = new Database(join(stateDir, "async-invocations.sqlite"), { readonly: true });
    try {
      expect(file.prepare("SELECT version FROM sqs_schema").get()).toEqual({ version: 1 });
      expect(file.prepare("SELECT body FROM sqs_messages").all()).toEqual([{ body: "kept" }]);
      expect(file.pragma("user_version", { simple: true })).toBe(1); // the job queue's, untouched
    } finally {
      file.close();
    }
  });

  it("answers ServiceUnavailable (LKN_ERR_SQS_STORE_UNAVAILABLE) once the job queue closed the file", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), "lambkin-sqs-store-"));
    dirs.push(stateDir);
    const jobs = new EmbeddedJobQueue({ stateDir });
    const store = new EmbeddedSqsStore({ database: jobs.database, region: REGION });
    await store.createQueue("q");
    await jobs.close();
    const error = await store.sendMessages("q", [{ body: "x" }]).catch((e: unknown) => e);
    expect(isSqsError(error, "ServiceUnavailable")).toBe(true);
    expect((error as Error).message).toContain("LKN_ERR_SQS_STORE_UNAVAILABLE");
    expect(isSqsError(error) && error.shape.httpStatus).toBe(503);
  });
});
