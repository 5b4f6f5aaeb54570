// Lambda Managed Instances (`capacityProvider`): one environment runs up to maxConcurrency invocations at once
// (https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-execution-environment.html), in the
// process sandbox and in docker, through the real Node bootstrap's worker threads.
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceError } from "../../runtime/errors/service-errors.js";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import { connectDocker } from "../../runtime/sandbox/docker/docker-engine.js";
import { ensureRuntimeImages } from "../../runtime/sandbox/docker/images/ensure-images.js";
import { type Fixture, payloadJson, startFixture } from "../conformance/harness.js";

interface Where {
  environment: string;
  threadId: number;
  isMainThread: boolean;
  served: number;
  mostAtOnce: number;
  maxConcurrency: string;
  initializationType: string;
  requestId: string;
}

const where = (result: InvokeResult) => payloadJson(result) as Where;
const many = (fixture: Fixture, fn: string, count: number, payload: unknown) =>
  Promise.all(Array.from({ length: count }, () => fixture.invoke(fn, payload)));

describe.each(["process", "docker"] as const)("Lambda Managed Instances (%s sandbox)", (sandbox) => {
  let fixture: Fixture;
  beforeAll(async () => {
    if (sandbox === "docker") await ensureRuntimeImages(connectDocker(), { offline: true });
    fixture = await startFixture("managed-instances", { sandbox });
  }, 300_000);
  afterAll(() => fixture?.close());

  it("runs maxConcurrency invocations at once in one environment, in a worker thread, and starts another only when it is full", async () => {
    const results = await many(fixture, "shared", 8, { waitMs: 300 });
    const seen = results.map(where);
    for (const result of results) expect(result.functionError).toBeUndefined();
    const environments = new Set(seen.map((w) => w.environment));
    expect(environments.size).toBe(2);
    for (const environment of environments) {
      const mine = seen.filter((w) => w.environment === environment);
      expect(mine).toHaveLength(4);
      // All four were in the handler at the same time, in one thread's shared module state.
      expect(Math.max(...mine.map((w) => w.mostAtOnce))).toBe(4);
      expect(new Set(mine.map((w) => w.threadId)).size).toBe(1);
      // One init per environment, reported in one REPORT.
      expect(
        results.filter((r, i) => seen[i]?.environment === environment && r.initDurationMs !== undefined),
      ).toHaveLength(1);
    }
    for (const w of seen) {
      expect(w.isMainThread).toBe(false);
      expect(w.maxConcurrency).toBe("4");
      expect(w.initializationType).toBe("lambda-managed-instances");
    }
    // Warm: the next invocation goes to one of them, no init.
    const next = await fixture.invoke("shared", { waitMs: 0 });
    expect(environments.has(where(next).environment)).toBe(true);
    expect(next.initDurationMs).toBeUndefined();
  });

  it("gives each invocation the log lines carrying its own request id, text and JSON", async () => {
    for (const fn of ["shared", "json"]) {
      const results = await many(fixture, fn, 4, { waitMs: 100 });
      for (const result of results) {
        const text = result.logTail.text();
        expect(text).toContain(`begin ${result.requestId}`);
        expect(text).toContain(`end ${result.requestId}`);
        for (const other of results)
          if (other.requestId !== result.requestId) expect(text).not.toContain(other.requestId);
      }
    }
  });

  it("fails only the invocation that times out; the environment and the others go on", async () => {
    const [late, quick] = await Promise.all([
      fixture.invoke("slow", { ms: 2500 }),
      fixture.invoke("slow", { ms: 200 }),
    ]);
    expect(late?.functionError).toBe("Unhandled");
    expect(payloadJson(late as InvokeResult)).toEqual({
      errorType: "Sandbox.Timedout",
      errorMessage: `RequestId: ${late?.requestId} Error: Task timed out after 1.00 seconds`,
    });
    expect(quick?.functionError).toBeUndefined();
    const environment = where(quick as InvokeResult).environment;
    // The late handler is still running (Managed Instances do not interrupt it); its answer will be refused.
    const after = await fixture.invoke("slow", { ms: 10 });
    expect(where(after).environment).toBe(environment);
    expect(after.initDurationMs).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1800));
    const later = await fixture.invoke("slow", { ms: 10 });
    expect(where(later).environment).toBe(environment);
  });

  it("a callback handler takes one invocation at a time per thread", async () => {
    const results = await many(fixture, "callbackStyle", 3, { waitMs: 150 });
    const seen = results.map(where);
    expect(new Set(seen.map((w) => w.environment)).size).toBe(1);
    expect(Math.max(...seen.map((w) => w.mostAtOnce))).toBe(1);
    expect(seen.map((w) => w.served).sort()).toEqual([1, 2, 3]);
  });

  it("Node 24: async handlers, several at once", async () => {
    const results = await many(fixture, "node24", 4, { waitMs: 200 });
    expect(Math.max(...results.map((r) => where(r).mostAtOnce))).toBe(4);
  });

  it("awslambda.InvokeStore gives each of the invocations sharing a thread its own request id, trace header and data", async () => {
    // Different waits, so that the invocations interleave in the thread and finish in another order.
    const results = await Promise.all(
      [250, 50, 150, 0].map((waitMs) => fixture.invoke("invokeStore", { waitMs })),
    );
    const seen = results.map((r) => payloadJson(r) as StoreView);
    expect(new Set(seen.map((s) => `${s.environment}/${s.threadId}`)).size).toBe(1);
    for (const [i, view] of seen.entries()) {
      const requestId = results[i]?.requestId;
      expect(view.before).toEqual({ requestId, traceId: view.after.traceId });
      expect(view.after.requestId).toBe(requestId);
      expect(view.after.mine).toBe(requestId);
      expect(view.after.traceId).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};/);
      expect(view.refused).toMatch(/Cannot modify protected Lambda context field/);
    }
    expect(new Set(seen.map((s) => s.after.traceId)).size).toBe(4);
  });

  it("awslambda.InvokeStore in a default environment holds the current invocation's ids", async () => {
    for (let i = 0; i < 2; i++) {
      const result = await fixture.invoke("invokeStoreDefault", { waitMs: 10 });
      const view = payloadJson(result) as StoreView;
      // The store is reset for each invocation: nothing set by the one before is seen.
      expect(view.before).toEqual({ requestId: result.requestId, traceId: view.envTrace });
      expect(view.after).toEqual({
        requestId: result.requestId,
        traceId: view.envTrace,
        mine: result.requestId,
      });
      expect(view.envTrace).toMatch(/^Root=1-/);
    }
  });
});

interface StoreView extends Where {
  before: { requestId: string; traceId?: string; mine?: string };
  after: { requestId: string; traceId?: string; mine?: string };
  envTrace?: string;
  refused: string;
}

describe.each(["channel", "tcp"] as const)(
  "Lambda Managed Instances: the Runtime API transport (process sandbox, LAMBKIN_RUNTIME_API_CHANNEL=%s)",
  (channel) => {
    let fixture: Fixture;
    beforeAll(async () => {
      // The process sandbox reads the setting once, as it is made.
      process.env.LAMBKIN_RUNTIME_API_CHANNEL = channel;
      try {
        fixture = await startFixture("managed-instances", { sandbox: "process" });
      } finally {
        delete process.env.LAMBKIN_RUNTIME_API_CHANNEL;
      }
    });
    afterAll(() => fixture?.close());

    it("each worker thread has its own channel and no TCP connection (or, over TCP, connections and no channel)", async () => {
      const results = await many(fixture, "transport", 4, { waitMs: 300 });
      const seen = results.map(
        (result) =>
          payloadJson(result) as Where & { channels: number; tcpSockets: number; channelVariables: string[] },
      );
      // Both threads served (2 vCPUs, four at once), in one environment.
      expect(new Set(seen.map((w) => w.threadId)).size).toBe(2);
      expect(new Set(seen.map((w) => w.environment)).size).toBe(1);
      for (const w of seen) {
        expect(w.channelVariables).toEqual([]);
        if (channel === "channel") {
          expect(w.channels).toBe(2);
          expect(w.tcpSockets).toBe(0);
        } else {
          expect(w.channels).toBe(0);
          expect(w.tcpSockets).toBeGreaterThan(0);
        }
      }
    });
  },
);

describe("Lambda Managed Instances: the pool (process sandbox)", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture("managed-instances", { sandbox: "process", idleTimeoutMs: 1500 });
  });
  afterAll(() => fixture?.close());

  it("a retired environment finishes every invocation it runs, then ends; the next starts a new one", async () => {
    const first = await fixture.invoke("shared", {});
    const [environment] = fixture.runtime.pool.list(fixture.runtime.registry.resolve("shared"));
    expect(environment?.capacity).toBe(4);
    const running = many(fixture, "shared", 3, { waitMs: 400 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fixture.runtime.pool.retire(() => false)).toBeGreaterThanOrEqual(1);
    const results = await running;
    for (const result of results) {
      expect(result.functionError).toBeUndefined();
      expect(where(result).environment).toBe(where(first).environment);
    }
    const next = await fixture.invoke("shared", {});
    expect(where(next).environment).not.toBe(where(first).environment);
    expect(next.initDurationMs).toBeDefined();
    expect(environment?.state).toBe("dead");
  });

  it("an idle environment is reaped after the idle timeout, never while it runs an invocation", async () => {
    const fn = fixture.runtime.registry.resolve("shared");
    // Longer than the idle timeout, so only the invocation in flight keeps it.
    const result = await fixture.invoke("shared", { waitMs: 2500 });
    expect(result.functionError).toBeUndefined();
    const [environment] = fixture.runtime.pool.list(fn);
    expect(environment?.state).toBe("ready");
    for (let i = 0; i < 60 && fixture.runtime.pool.list(fn).length > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fixture.runtime.pool.list(fn)).toHaveLength(0);
  });
});

describe("Lambda Managed Instances: scaling (process sandbox)", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture("managed-instances", { sandbox: "process", idleTimeoutMs: 1500 });
  });
  afterAll(() => fixture?.close());

  it("scaling.max: an invocation that no allowed environment has room for is throttled (429), then capacity frees", async () => {
    const fn = fixture.runtime.registry.resolve("capped");
    const outcomes = await Promise.allSettled(
      Array.from({ length: 3 }, () => fixture.invoke("capped", { waitMs: 400 })),
    );
    const ran = outcomes.filter((o) => o.status === "fulfilled");
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(ran).toHaveLength(2);
    expect(refused).toHaveLength(1);
    const error = (refused[0] as PromiseRejectedResult).reason as ServiceError;
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.errorName).toBe("TooManyRequestsException");
    expect(error.statusCode).toBe(429);
    expect(fixture.runtime.pool.list(fn).filter((e) => e.state !== "dead")).toHaveLength(1);
    const after = await fixture.invoke("capped", {});
    expect(after.functionError).toBeUndefined();
  });

  it("scaling.min: environments started ahead and kept however idle; those beyond it are reaped", async () => {
    const fn = fixture.runtime.registry.resolve("kept");
    await fixture.runtime.keepMinimumEnvironments();
    const alive = () => fixture.runtime.pool.list(fn).filter((e) => e.state !== "dead");
    const ahead = alive();
    expect(ahead).toHaveLength(2);
    // Five at once need a third environment (two places each, at most three).
    const results = await many(fixture, "kept", 5, { waitMs: 300 });
    for (const result of results) expect(result.functionError).toBeUndefined();
    const used = new Set(results.map((r) => where(r).environment));
    expect(used.size).toBe(3);
    expect(alive()).toHaveLength(3);
    // Idle for longer than the idle timeout (1.5 s): back to the two kept, never fewer.
    for (let i = 0; i < 60 && alive().length > 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(alive()).toHaveLength(2);
    // The next invocation needs no start.
    const next = await fixture.invoke("kept", {});
    expect(next.initDurationMs).toBeUndefined();
    expect(used.has(where(next).environment)).toBe(true);
  });
});

describe("Lambda Managed Instances: scaling.min and a small account (process sandbox)", () => {
  let fixture: Fixture;
  const warnings: { code?: string; msg?: string }[] = [];
  beforeAll(async () => {
    const logger = pino({ level: "warn" }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    fixture = await startFixture("managed-instances", { sandbox: "process", accountConcurrency: 4, logger });
  });
  afterAll(() => fixture?.close());

  it("starts ahead no more environments than the account's concurrency could keep busy, and says so once", async () => {
    await fixture.runtime.keepMinimumEnvironments();
    await fixture.runtime.keepMinimumEnvironments();
    const fn = fixture.runtime.registry.resolve("crowded");
    // 4 concurrent invocations at most, 2 per environment: 2 environments, not the 5 asked for.
    expect(fixture.runtime.pool.list(fn).filter((e) => e.state !== "dead")).toHaveLength(2);
    const capped = warnings.filter((w) => w.code === "LKN_WRN_SCALING_MIN_CAPPED");
    expect(capped).toHaveLength(1);
    expect(capped[0]?.msg).toContain("scaling.min is 5");
  });
});

describe("Lambda Managed Instances: crashes (process sandbox)", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture("managed-instances", { sandbox: "process" });
  });
  afterAll(() => fixture?.close());

  it("garbage on every thread's channel fails its invocations with Runtime.ExitError; the next gets a new environment", async () => {
    const before = await fixture.invoke("garbageOnChannels", {});
    const attacked = await fixture.invoke("garbageOnChannels", { attack: true });
    // The channels refused the garbage and closed; each thread, without its Runtime API, ended (exit status 1).
    expect(attacked.functionError).toBe("Unhandled");
    expect(attacked.errorType).toBe("Runtime.ExitError");
    expect(attacked.durationMs).toBeLessThan(2500);
    const next = await fixture.invoke("garbageOnChannels", {});
    expect(next.functionError).toBeUndefined();
    expect(next.initDurationMs).toBeDefined();
    expect(where(next).environment).not.toBe(where(before).environment);
  });

  it("an uncaught exception fails every invocation of its thread; with no thread left the environment ends", async () => {
    const [crashing, bystander] = await Promise.all([
      fixture.invoke("crashy", { crash: true, crashAfterMs: 100, waitMs: 500 }),
      fixture.invoke("crashy", { waitMs: 500 }),
    ]);
    for (const result of [crashing, bystander]) {
      expect(result?.functionError).toBe("Unhandled");
      expect(payloadJson(result as InvokeResult)).toMatchObject({
        errorType: "Error",
        errorMessage: `crash in ${crashing?.requestId}`,
      });
    }
    const next = await fixture.invoke("crashy", {});
    expect(next.functionError).toBeUndefined();
    expect(next.initDurationMs).toBeDefined(); // a new environment
  });

  it("invocations waiting for a busy worker when the runtime ends run in a new environment, once", async () => {
    // A callback handler takes one at a time: the two behind the crashing one wait, undelivered, for its thread.
    const crashing = fixture.invoke("callbackCrashy", { crash: true, waitMs: 300 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waiting = many(fixture, "callbackCrashy", 2, { waitMs: 10 });
    expect((await crashing).functionError).toBe("Unhandled");
    const results = await waiting;
    for (const result of results) {
      expect(result.functionError).toBeUndefined();
      expect(result.logTail.text().match(/START RequestId/g)).toHaveLength(1);
    }
    expect(new Set(results.map((r) => where(r).environment)).size).toBe(1);
    expect(results.filter((r) => r.initDurationMs !== undefined)).toHaveLength(1);
  });

  it("a runtime that exits in init fails the invocations waiting for it, once, with Runtime.ExitError", async () => {
    const results = await many(fixture, "exitsInInit", 2, {});
    for (const result of results) {
      expect(payloadJson(result)).toMatchObject({ errorType: "Runtime.ExitError" });
      const text = result.logTail.text();
      expect(text.match(/START RequestId/g)).toHaveLength(1);
      expect(text).toContain("Runtime exited with error: exit status 2");
    }
  });

  it("with two worker threads, the other thread goes on serving in the same environment", async () => {
    // Four at once over two threads of one environment (4096 MB at 2 GiB per vCPU: two vCPUs, two workers).
    const warm = await many(fixture, "twoThreads", 4, { waitMs: 300 });
    expect(new Set(warm.map((r) => where(r).threadId)).size).toBe(2);
    const first = await fixture.invoke("crashyTwoThreads", {});
    const environment = where(first).environment;
    const crashed = await fixture.invoke("crashyTwoThreads", { crash: true, waitMs: 200 });
    expect(crashed.functionError).toBe("Unhandled");
    const results = await many(fixture, "crashyTwoThreads", 3, { waitMs: 50 });
    for (const result of results) {
      expect(result.functionError).toBeUndefined();
      expect(where(result).environment).toBe(environment);
    }
  });

  it("a thread ended by process.exit fails its invocation at once with Runtime.ExitError; the other thread goes on", async () => {
    const first = await fixture.invoke("exitsThread", {});
    const environment = where(first).environment;
    const exited = await fixture.invoke("exitsThread", { exit: 3, waitMs: 500 });
    expect(exited.functionError).toBe("Unhandled");
    expect(exited.errorType).toBe("Runtime.ExitError");
    expect(JSON.parse(exited.payload.toString())).toEqual({
      errorType: "Runtime.ExitError",
      errorMessage: "Runtime exited with error: exit status 3",
    });
    // Failed when the thread ended, not at the function's 3 s timeout.
    expect(exited.durationMs).toBeLessThan(2000);
    const after = await many(fixture, "exitsThread", 2, { waitMs: 50 });
    for (const result of after) {
      expect(result.functionError).toBeUndefined();
      expect(where(result).environment).toBe(environment);
    }
  });
});
