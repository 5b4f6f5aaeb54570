/**
 * The embedded (SQLite) adapter in real folders, one per test: the conformance suite, then what only the
 * embedded queue has — jobs surviving a SIGKILL of the process that accepted them, one process per state
 * folder, and the durability settings it opens the file with.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import {
  EmbeddedJobQueue,
  type JobQueue,
  outcome,
  type QueueReport,
  QueueStateLockedError,
} from "../../../triggers/queue/index.js";
import {
  describeJobQueueConformance,
  invocation,
  kill,
  type OpenOptions,
  type QueueBackend,
  type QueueScope,
  spawnChild,
  waitFor,
} from "./job-queue.conformance.js";

const QUEUE_FILE = "async-invocations.sqlite";
const CHILD = join(import.meta.dirname, "..", "..", "fixtures", "queue", "queue-child.mjs");

function hasStrace(): boolean {
  return spawnSync("strace", ["-V"], { stdio: "ignore" }).status === 0;
}

/** Runs queue-child.mjs under strace and counts the syncs (fsync, fdatasync) of the whole process. */
function syncsOf(config: Record<string, unknown>): number {
  const dir = mkdtempSync(join(tmpdir(), "lambkin-strace-"));
  try {
    const summary = join(dir, "summary");
    const run = spawnSync(
      "strace",
      [
        "-f",
        "-c",
        "-e",
        "trace=fsync,fdatasync",
        "-o",
        summary,
        process.execPath,
        CHILD,
        JSON.stringify(config),
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    if (run.status !== 0) throw new Error(`queue-child failed (${run.status}): ${run.stdout}${run.stderr}`);
    let syncs = 0;
    for (const line of readFileSync(summary, "utf8").split("\n")) {
      // % time, seconds, usecs/call, calls, [errors,] syscall
      const columns = line.trim().split(/\s+/);
      if (columns.at(-1) === "fsync" || columns.at(-1) === "fdatasync") syncs += Number(columns[3]);
    }
    return syncs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function stateDir(): string {
  return mkdtempSync(join(tmpdir(), "lambkin-state-"));
}

function queueOptions(dir: string, options: OpenOptions = {}) {
  return {
    stateDir: dir,
    leaseMs: options.lockMs ?? 5000,
    ...(options.maxStalls === undefined ? {} : { maxStalls: options.maxStalls }),
  };
}

/** Writes rows straight into the jobs table, as another program could; the queue must be closed. */
function insertRows(dir: string, rows: readonly [id: string, data: string][]): void {
  const db = new Database(join(dir, QUEUE_FILE));
  const insert = db.prepare(
    `INSERT INTO jobs (id, data, state, run_at, enqueued_at) VALUES (?, ?, 'waiting', 0, ?)`,
  );
  for (const [id, data] of rows) insert.run(id, data, Date.now());
  db.close();
}

const backend: QueueBackend = {
  name: "embedded",
  async scope(): Promise<QueueScope> {
    const dir = stateDir();
    const reports: QueueReport[] = [];
    return {
      reports,
      open: (options) =>
        new EmbeddedJobQueue({ ...queueOptions(dir, options), reporter: (report) => reports.push(report) }),
      childConfig: (options) => ({ backend: "embedded", options: queueOptions(dir, options) }),
      async writeMalformedJobs(queue: JobQueue) {
        await queue.close();
        const ids = ["bad-json-1", "bad-version-1"];
        insertRows(dir, [
          [ids[0] as string, "not json {"],
          [ids[1] as string, JSON.stringify({ version: 99, hello: "world" })],
        ]);
        return {
          queue: new EmbeddedJobQueue({ ...queueOptions(dir), reporter: (report) => reports.push(report) }),
          ids,
        };
      },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  async down() {
    // A state folder on a full disk: a 1 MiB tmpfs, filled once the queue is open. Mounting needs root.
    const dir = stateDir();
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], { stdio: "ignore" });
    } catch {
      rmSync(dir, { recursive: true, force: true });
      return "mounting a small tmpfs (to fill the state folder's disk) needs root";
    }
    const queue = new EmbeddedJobQueue({ stateDir: dir, reporter: () => {} });
    try {
      for (let i = 0; ; i++) writeFileSync(join(dir, `filler-${i}`), Buffer.alloc(64 * 1024));
    } catch {
      // ENOSPC: the disk is full
    }
    const stored = async () => {
      const counts = await queue.counts();
      return counts.ready + counts.delayed + counts.running + counts.dead;
    };
    return {
      queue,
      storedJobs: stored,
      async restore() {
        try {
          await queue.close({ timeoutMs: 1000 });
        } catch {
          // closing checkpoints, which a full disk may refuse; the folder goes anyway
        }
        execFileSync("umount", ["-l", dir], { stdio: "ignore" });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

describeJobQueueConformance(backend);

describe("embedded job queue and its state folder", () => {
  const dirs: string[] = [];
  const queues: JobQueue[] = [];
  afterEach(async () => {
    for (const queue of queues.splice(0)) await queue.close({ timeoutMs: 1000 });
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const folder = () => {
    const dir = stateDir();
    dirs.push(dir);
    return dir;
  };

  it("runs the jobs a SIGKILLed Lambkin had accepted once the folder is opened again", async () => {
    const dir = folder();
    const ids = Array.from({ length: 25 }, (_, i) => `queued-${i}`);
    const { child, line, exited } = spawnChild({
      backend: "embedded",
      options: queueOptions(dir),
      mode: "enqueue",
      jobIds: ids,
    });
    try {
      await line("enqueued"); // then it SIGKILLs itself in the same turn: no close, no checkpoint
      expect(await exited).toBeNull();
      expect(child.signalCode).toBe("SIGKILL");
    } finally {
      await kill(child, exited);
    }
    const queue = new EmbeddedJobQueue({ stateDir: dir, reporter: () => {} });
    queues.push(queue);
    const seen: string[] = [];
    queue.process(
      async (job) => {
        seen.push(job.id);
        return outcome.done();
      },
      { concurrency: 4 },
    );
    await waitFor(() => seen.length === ids.length, "every job the killed process had accepted");
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it("refuses a second queue on the same state folder, in this process and in another, with LKN_ERR_QUEUE_STATE_LOCKED", async () => {
    const dir = folder();
    const first = new EmbeddedJobQueue({ stateDir: dir, reporter: () => {} });
    queues.push(first);
    expect(() => new EmbeddedJobQueue({ stateDir: dir })).toThrow(QueueStateLockedError);
    try {
      new EmbeddedJobQueue({ stateDir: dir });
    } catch (error) {
      expect(error).toMatchObject({ code: "LKN_ERR_QUEUE_STATE_LOCKED" });
      expect((error as Error).message).toContain(dir);
      expect((error as Error).message).toContain(`pid ${process.pid}`);
    }
    const other = spawnChild({ backend: "embedded", options: { stateDir: dir }, mode: "hold" });
    expect(await other.line("error ")).toMatch(/^error LKN_ERR_QUEUE_STATE_LOCKED .*another Lambkin process/);
    expect(await other.exited).toBe(3);

    await first.close();
    queues.splice(0);
    const next = spawnChild({ backend: "embedded", options: { stateDir: dir }, mode: "hold" });
    try {
      expect(await next.line("opened")).toBe("opened");
    } finally {
      await kill(next.child, next.exited);
    }
    // The lock died with the SIGKILLed holder: no stale lock is left behind.
    const after = new EmbeddedJobQueue({ stateDir: dir, reporter: () => {} });
    queues.push(after);
    await after.enqueue(invocation());
  });

  // Counting system calls needs strace (a Debian package that scripts/prepare-test-host.sh installs).
  it("syncs every acknowledged enqueue to disk, but not the leases and outcomes of the jobs it runs", () => {
    expect(hasStrace(), "strace is missing: run scripts/prepare-test-host.sh").toBe(true);
    const ids = (prefix: string) => Array.from({ length: 40 }, (_, i) => `${prefix}-${i}`);
    // 40 enqueues awaited one by one: 40 commits a caller was told about, each synced.
    const enqueued = syncsOf({
      backend: "embedded",
      options: { stateDir: folder() },
      mode: "enqueue-each",
      jobIds: ids("each"),
    });
    expect(enqueued).toBeGreaterThanOrEqual(40);
    // 40 enqueues in one batch (one sync), then 40 jobs leased and finished one at a time: the leases and
    // outcomes ride on later syncs, not one or two each (80 more). Opening and closing the file (schema,
    // checkpoint) take about a dozen of their own.
    const drained = syncsOf({
      backend: "embedded",
      options: { stateDir: folder() },
      mode: "drain",
      jobIds: ids("drain"),
    });
    expect(drained).toBeLessThan(25);
  });

  it("keeps its jobs in WAL mode with synchronous=FULL", () => {
    const queue = new EmbeddedJobQueue({ stateDir: folder(), reporter: () => {} });
    queues.push(queue);
    expect(queue.database.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(queue.database.pragma("synchronous", { simple: true })).toBe(2); // FULL
    expect(queue.database.pragma("locking_mode", { simple: true })).toBe("exclusive");
  });
});
