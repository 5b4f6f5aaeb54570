/**
 * The JobQueue conformance suite: one contract, run against every adapter (BullMQ on a real redis-server,
 * the embedded SQLite queue in a real folder) by the test file of each, as BullMQ's own tests do — a
 * connection factory per backend, a unique queue prefix or state folder per test. Consumers that die are real
 * child processes (test/fixtures/queue/queue-child.mjs, on the built dist/) killed with SIGKILL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ClaimedJob,
  DeadLetterNotFoundError,
  InvalidJobError,
  type JobHandler,
  type JobQueue,
  outcome,
  type QueuedInvocation,
  type QueueReport,
  QueueUnavailableError,
} from "../../../triggers/queue/index.js";

export interface OpenOptions {
  /** The lock / lease duration of running jobs (ms); short in the crash tests. */
  readonly lockMs?: number;
  /** Stalls a job survives before it is dead-lettered (`Stalled`). */
  readonly maxStalls?: number;
}

/** One test's queue: the same store (prefix, folder) every time it is opened. */
export interface QueueScope {
  open(options?: OpenOptions): JobQueue;
  /** The reports of every queue this scope opened. */
  readonly reports: QueueReport[];
  /** The child fixture's `{ backend, options }` for this scope's store. */
  childConfig(options?: OpenOptions): { backend: string; options: Record<string, unknown> };
  /**
   * Writes two jobs straight into the store, bypassing enqueue: one whose data is not JSON, one of an unknown
   * version. Returns the queue to go on with (the embedded store must be closed to be written to).
   */
  writeMalformedJobs(queue: JobQueue): Promise<{ queue: JobQueue; ids: string[] }>;
  dispose(): Promise<void>;
}

export interface DownBackend {
  readonly queue: JobQueue;
  /** Counts of the store while down, when it can still be read (to show nothing was stored). */
  storedJobs(): Promise<number | undefined>;
  restore(): Promise<void>;
}

export interface QueueBackend {
  readonly name: "bullmq" | "embedded";
  scope(): Promise<QueueScope>;
  /** A queue whose backend cannot store jobs (Redis stopped, the state folder's disk full), or a reason why not. */
  down(): Promise<DownBackend | string>;
}

const ROOT = join(import.meta.dirname, "..", "..", "..");
const CHILD = join(ROOT, "test", "fixtures", "queue", "queue-child.mjs");

let sequence = 0;
export function invocation(overrides: Partial<QueuedInvocation> = {}): QueuedInvocation {
  sequence++;
  return {
    version: 1,
    functionName: "svc-dev-worker",
    qualifier: "$LATEST",
    invocationType: "Event",
    payload: JSON.stringify({ n: sequence }),
    payloadEncoding: "utf8",
    requestId: `req-${process.pid}-${sequence}-${Date.now()}`,
    traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    source: "invoke-api",
    enqueuedAt: Date.now(),
    ...overrides,
  };
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A child process running the fixture; `line(prefix)` resolves with the first stdout line starting so. */
export function spawnChild(config: Record<string, unknown>): {
  child: ChildProcess;
  line(prefix: string, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(config)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const waiters: (() => void)[] = [];
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters.splice(0)) waiter();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const line = (prefix: string, timeoutMs = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the child did not print "${prefix}…"; it printed: ${output}`)),
        timeoutMs,
      );
      const check = () => {
        const found = output.split("\n").find((candidate) => candidate.startsWith(prefix));
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`the child exited (${child.exitCode}) without printing "${prefix}…": ${output}`));
        } else waiters.push(check);
      };
      check();
      child.once("exit", check);
    });
  return { child, line, exited };
}

export async function kill(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await exited;
}

/** Records what a handler saw. */
function recorder(decide: (job: ClaimedJob) => ReturnType<JobHandler> = async () => outcome.done()) {
  const seen: ClaimedJob[] = [];
  const handler: JobHandler = async (job) => {
    seen.push(job);
    return decide(job);
  };
  return { seen, handler };
}

export function describeJobQueueConformance(backend: QueueBackend): void {
  describe(`JobQueue conformance: ${backend.name}`, () => {
    const cleanups: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function scope(): Promise<QueueScope> {
      const created = await backend.scope();
      cleanups.push(() => created.dispose());
      return created;
    }

    async function opened(options?: OpenOptions): Promise<{ queue: JobQueue; scope: QueueScope }> {
      const created = await scope();
      const queue = created.open(options);
      cleanups.push(() => queue.close({ timeoutMs: 2000 }));
      await queue.ready();
      return { queue, scope: created };
    }

    it("processes an enqueued job exactly once when the handler succeeds", async () => {
      const { queue } = await opened();
      const sent = invocation({ clientContext: Buffer.from('{"custom":{"a":1}}').toString("base64") });
      const { id } = await queue.enqueue(sent);
      const { seen, handler } = recorder();
      queue.process(handler, { concurrency: 2 });
      await waitFor(() => seen.length === 1, "the job to be processed");
      await sleep(500); // a second delivery would come now
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ id, invocation: sent, attempt: 1, deliveries: 1, errors: [] });
      await waitFor(async () => (await queue.counts()).running === 0, "the job to be settled");
      expect(await queue.counts()).toEqual({ ready: 0, delayed: 0, running: 0, dead: 0 });
    });

    it("keeps the same job once when it is enqueued twice with one jobId", async () => {
      const { queue } = await opened();
      const first = await queue.enqueue(invocation(), { jobId: "same-event-1" });
      const second = await queue.enqueue(invocation(), { jobId: "same-event-1" });
      expect(second.id).toBe(first.id);
      expect((await queue.counts()).ready).toBe(1);
    });

    it("hands jobs out in the order they were enqueued (one consumer, concurrency 1)", async () => {
      const { queue } = await opened();
      const ids: string[] = [];
      for (let i = 0; i < 15; i++) ids.push((await queue.enqueue(invocation())).id);
      const { seen, handler } = recorder();
      queue.process(handler, { concurrency: 1 });
      await waitFor(() => seen.length === ids.length, "all jobs");
      expect(seen.map((job) => job.id)).toEqual(ids);
    });

    it("does not hand a delayed job out before its delay", async () => {
      const { queue } = await opened();
      const { seen, handler } = recorder();
      queue.process(handler, { concurrency: 1 });
      const before = Date.now();
      await queue.enqueue(invocation(), { delayMs: 1500 });
      await sleep(300);
      expect((await queue.counts()).delayed).toBe(1);
      await waitFor(() => seen.length === 1, "the delayed job", 15_000);
      const waited = Date.now() - before;
      expect(waited).toBeGreaterThanOrEqual(1500);
      expect(waited).toBeLessThan(12_000);
    });

    it("counts a retry as an attempt and gives the handler the attempt number and earlier errors", async () => {
      const { queue } = await opened();
      const sent = invocation();
      await queue.enqueue(sent);
      const { seen, handler } = recorder(async (job) =>
        job.attempt < 3
          ? outcome.retry(100, { errorType: "Unhandled", errorMessage: `boom ${job.attempt}` })
          : outcome.done(),
      );
      queue.process(handler, { concurrency: 1 });
      await waitFor(() => seen.length === 3, "three attempts");
      expect(seen.map((job) => job.attempt)).toEqual([1, 2, 3]);
      expect(seen[2]?.errors.map((error) => [error.attempt, error.errorMessage, error.requestId])).toEqual([
        [1, "boom 1", sent.requestId],
        [2, "boom 2", sent.requestId],
      ]);
      expect(seen[2]?.invocation).toEqual(sent);
    });

    it("does not count a postponement as an attempt", async () => {
      const { queue } = await opened();
      await queue.enqueue(invocation());
      const { seen, handler } = recorder(async (job) =>
        job.deliveries < 3 ? outcome.postpone(100, "TooManyRequestsException") : outcome.done(),
      );
      queue.process(handler, { concurrency: 1 });
      await waitFor(() => seen.length === 3, "three deliveries");
      expect(seen.map((job) => [job.attempt, job.deliveries])).toEqual([
        [1, 1],
        [1, 2],
        [1, 3],
      ]);
      expect(seen[2]?.errors).toEqual([]);
    });

    it("keeps dead letters with their attempts' errors, and lists, shows, redrives and purges them", async () => {
      const { queue } = await opened();
      const failing = invocation({ payload: '{"fail":true}' });
      const tooOld = invocation({ payload: '{"old":true}' });
      const failingId = (await queue.enqueue(failing)).id;
      const tooOldId = (await queue.enqueue(tooOld)).id;
      let redriven: ClaimedJob | undefined;
      const handler: JobHandler = async (job) => {
        if (job.invocation.source.startsWith("redrive:")) {
          redriven = job;
          return outcome.done();
        }
        if (job.invocation.payload === '{"old":true}') {
          return outcome.deadLetter("EventAgeExceeded", "the event is older than maximumEventAge");
        }
        const error = { errorType: "Unhandled", errorMessage: `failed ${job.attempt}` };
        return job.attempt < 2
          ? outcome.retry(50, error)
          : outcome.deadLetter("RetriesExhausted", "2 attempts", error);
      };
      queue.process(handler, { concurrency: 1 });
      await waitFor(async () => (await queue.counts()).dead === 2, "two dead letters");

      const listed = await queue.deadLetters.list();
      expect(listed.map((dead) => dead.id).sort()).toEqual([failingId, tooOldId].sort());
      const dead = await queue.deadLetters.get(failingId);
      expect(dead).toMatchObject({
        id: failingId,
        invocation: failing,
        condition: "RetriesExhausted",
        reason: "2 attempts",
        attempts: 2,
        enqueuedAt: failing.enqueuedAt,
      });
      expect(dead?.errors.map((error) => [error.attempt, error.errorMessage, error.requestId])).toEqual([
        [1, "failed 1", failing.requestId],
        [2, "failed 2", failing.requestId],
      ]);
      expect(dead?.deadLetteredAt).toBeGreaterThanOrEqual(failing.enqueuedAt);
      expect(await queue.deadLetters.get(tooOldId)).toMatchObject({
        condition: "EventAgeExceeded",
        attempts: 0,
        errors: [],
      });
      expect(await queue.deadLetters.get("no-such-dead-letter")).toBeUndefined();

      const again = await queue.deadLetters.redrive(failingId);
      expect(again.id).not.toBe(failingId);
      await waitFor(() => redriven !== undefined, "the redriven job");
      expect(redriven).toMatchObject({ id: again.id, attempt: 1, errors: [] });
      expect(redriven?.invocation).toMatchObject({
        payload: failing.payload,
        source: `redrive:${failingId}`,
      });
      expect(redriven?.invocation.requestId).not.toBe(failing.requestId);
      expect(await queue.deadLetters.get(failingId)).toBeUndefined();

      await expect(queue.deadLetters.redrive(failingId)).rejects.toBeInstanceOf(DeadLetterNotFoundError);
      await expect(queue.deadLetters.purge("no-such-dead-letter")).rejects.toMatchObject({
        code: "LKN_ERR_QUEUE_DEAD_LETTER_NOT_FOUND",
      });
      expect(await queue.deadLetters.purge(tooOldId)).toBe(1);
      expect(await queue.deadLetters.list()).toEqual([]);
    });

    it("purges every dead letter at once", async () => {
      const { queue } = await opened();
      for (let i = 0; i < 3; i++) await queue.enqueue(invocation());
      queue.process(async () => outcome.deadLetter("RetriesExhausted", "no"), { concurrency: 3 });
      await waitFor(async () => (await queue.counts()).dead === 3, "three dead letters");
      expect(await queue.deadLetters.purge()).toBe(3);
      expect((await queue.counts()).dead).toBe(0);
    });

    it("never runs more than `concurrency` handlers at once", async () => {
      const { queue } = await opened();
      for (let i = 0; i < 12; i++) await queue.enqueue(invocation());
      let running = 0;
      let most = 0;
      let finished = 0;
      queue.process(
        async () => {
          running++;
          most = Math.max(most, running);
          await sleep(150);
          running--;
          finished++;
          return outcome.done();
        },
        { concurrency: 3 },
      );
      await waitFor(() => finished === 12, "twelve jobs");
      expect(most).toBe(3);
    });

    it("runs a job again in another consumer when its consumer process is SIGKILLed mid-handler", async () => {
      const created = await scope();
      const lock = { lockMs: 1500 };
      const jobId = `crash-${Date.now()}`;
      const { child, line, exited } = spawnChild({
        ...created.childConfig(lock),
        mode: "hang",
        jobIds: [jobId],
      });
      cleanups.push(() => kill(child, exited));
      expect(await line("started ")).toBe(`started ${jobId}`);
      await kill(child, exited);

      const queue = created.open(lock);
      cleanups.push(() => queue.close({ timeoutMs: 2000 }));
      await queue.ready();
      const { seen, handler } = recorder();
      queue.process(handler, { concurrency: 1 });
      await waitFor(() => seen.length === 1, "the job to run again", 30_000);
      expect(seen[0]).toMatchObject({ id: jobId, attempt: 1, deliveries: 2 });
      expect(seen[0]?.invocation.requestId).toBe(`req-${jobId}`);
    });

    it("dead-letters (Stalled) a job whose consumers keep dying, past the stall limit, instead of looping", async () => {
      const created = await scope();
      const options = { lockMs: 1500, maxStalls: 0 };
      const jobId = `doomed-${Date.now()}`;
      const { child, line, exited } = spawnChild({
        ...created.childConfig(options),
        mode: "hang",
        jobIds: [jobId],
      });
      cleanups.push(() => kill(child, exited));
      await line("started ");
      await kill(child, exited);

      const queue = created.open(options);
      cleanups.push(() => queue.close({ timeoutMs: 2000 }));
      await queue.ready();
      const { seen, handler } = recorder();
      queue.process(handler, { concurrency: 1 });
      await waitFor(
        async () => (await queue.counts()).dead === 1,
        "the stalled job to be dead-lettered",
        30_000,
      );
      expect(seen).toEqual([]);
      expect(await queue.deadLetters.get(jobId)).toMatchObject({
        condition: "Stalled",
        invocation: { requestId: `req-${jobId}` },
        reason: expect.stringMatching(/stalled|died/),
      });
    });

    it("close() waits for a running handler and takes no new job", async () => {
      const { queue } = await opened();
      await queue.enqueue(invocation({ payload: '"first"' }));
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const started: string[] = [];
      const finished: string[] = [];
      const consumer = queue.process(
        async (job) => {
          started.push(job.invocation.payload);
          if (job.invocation.payload === '"first"') await gate;
          finished.push(job.invocation.payload);
          return outcome.done();
        },
        { concurrency: 2 },
      );
      await waitFor(() => started.length === 1, "the first job to start");
      let closed = false;
      const closing = consumer.close({ timeoutMs: 20_000 }).then(() => {
        closed = true;
      });
      await sleep(100);
      await queue.enqueue(invocation({ payload: '"second"' }));
      await sleep(700);
      expect(closed).toBe(false);
      expect(started).toEqual(['"first"']);
      release();
      await closing;
      expect(finished).toEqual(['"first"']);
      expect(started).toEqual(['"first"']);
      await waitFor(async () => (await queue.counts()).ready === 1, "the second job to wait");

      const { seen, handler } = recorder();
      queue.process(handler, { concurrency: 1 });
      await waitFor(() => seen.length === 1, "another consumer to take the second job");
      expect(seen[0]?.invocation.payload).toBe('"second"');
    });

    it("dead-letters a malformed job with a clear reason and goes on consuming", async () => {
      const created = await scope();
      let queue = created.open();
      await queue.ready();
      const written = await created.writeMalformedJobs(queue);
      queue = written.queue;
      cleanups.push(() => queue.close({ timeoutMs: 2000 }));
      await queue.ready();
      const { seen, handler } = recorder();
      queue.process(handler, { concurrency: 1 });
      const good = await queue.enqueue(invocation());
      await waitFor(() => seen.length === 1, "the good job after the malformed ones");
      expect(seen.map((job) => job.id)).toEqual([good.id]);
      await waitFor(async () => (await queue.counts()).dead === 2, "two dead letters");
      const [notJson, unknownVersion] = written.ids as [string, string];
      expect(await queue.deadLetters.get(notJson)).toMatchObject({
        condition: "MalformedJob",
        invocation: undefined,
        raw: expect.stringContaining("not json"),
        reason: expect.stringMatching(/not JSON/),
      });
      expect(await queue.deadLetters.get(unknownVersion)).toMatchObject({
        condition: "MalformedJob",
        reason: expect.stringMatching(/version 99/),
      });
      const reported = created.reports.filter((report) => report.code === "LKN_ERR_QUEUE_JOB_MALFORMED");
      expect(reported.map((report) => report.jobId).sort()).toEqual([...written.ids].sort());
      await expect(queue.deadLetters.redrive(notJson)).rejects.toBeInstanceOf(InvalidJobError);
    });

    it("postpones, without counting an attempt, a job whose handler throws", async () => {
      const { queue, scope: created } = await opened();
      await queue.enqueue(invocation());
      const { seen, handler } = recorder(async (job) => {
        if (job.deliveries === 1) throw new Error("a bug in the wiring");
        return outcome.done();
      });
      queue.process(handler, { concurrency: 1 });
      await waitFor(() => seen.length === 2, "the job again after the throw");
      expect(seen[1]).toMatchObject({ attempt: 1, deliveries: 2 });
      expect(created.reports.map((report) => report.code)).toContain("LKN_WRN_QUEUE_HANDLER_FAILED");
    });

    it("refuses an invalid job at enqueue", async () => {
      const { queue } = await opened();
      const huge = "x".repeat(1_048_577);
      await expect(queue.enqueue(invocation({ payload: JSON.stringify(huge) }))).rejects.toMatchObject({
        code: "LKN_ERR_QUEUE_JOB_INVALID",
      });
      await expect(
        queue.enqueue({ ...invocation(), version: 2 } as unknown as QueuedInvocation),
      ).rejects.toBeInstanceOf(InvalidJobError);
      await expect(queue.enqueue(invocation(), { jobId: "a:b" })).rejects.toBeInstanceOf(InvalidJobError);
      expect((await queue.counts()).ready).toBe(0);
    });

    it("rejects an enqueue when the backend cannot store it, and does not store it", async (context) => {
      const down = await backend.down();
      if (typeof down === "string") {
        context.skip(down);
        return;
      }
      cleanups.push(() => down.restore());
      const before = await down.storedJobs();
      const started = Date.now();
      const error = await down.queue
        .enqueue(invocation({ payload: JSON.stringify("y".repeat(900_000)) }))
        .then(
          () => undefined,
          (rejection: unknown) => rejection,
        );
      expect(error).toBeInstanceOf(QueueUnavailableError);
      expect(error).toMatchObject({ code: "LKN_ERR_QUEUE_UNAVAILABLE" });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await down.storedJobs()).toBe(before);
    });
  });
}
