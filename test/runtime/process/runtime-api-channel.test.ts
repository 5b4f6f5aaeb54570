// The private Runtime API channel of Lambkin's Node bootstrap in the process sandbox (runtime-api-channel.ts),
// with real isolated environments: the bootstrap uses it instead of TCP (LAMBKIN_RUNTIME_API_CHANNEL=tcp turns it
// off), the TCP Runtime API stays available and correct beside it, what a function sees is the same either way,
// and a function that attacks the channel — garbage, a huge length prefix, half a frame, closing it, flooding it,
// answering its own invocation over it — gets what a hostile HTTP client gets: its environment fails in Lambda's
// shape or goes on, Lambkin neither crashes, hangs nor allocates what was claimed, and the invocation is answered.

import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { FIXTURES, payloadJson } from "../../conformance/harness.js";

const FIXTURE = join(FIXTURES, "hostile-channel");

async function start(channel: "channel" | "tcp", freezeIdle = true): Promise<LambkinRuntime> {
  process.env.LAMBKIN_RUNTIME_API_CHANNEL = channel;
  try {
    return await startRuntime({
      dir: FIXTURE,
      logger: pino({ level: "silent" }),
      env: {},
      sandbox: "process",
      freezeIdle,
    });
  } finally {
    delete process.env.LAMBKIN_RUNTIME_API_CHANNEL;
  }
}

const invoke = (runtime: LambkinRuntime, fn: string, event: unknown = {}): Promise<InvokeResult> =>
  runtime.invoker.invoke(fn, JSON.stringify(event));

/** What a caller sees of an outcome: the same whatever carried it. */
function observed(result: InvokeResult) {
  return {
    status: result.status,
    functionError: result.functionError,
    errorType: result.errorType,
    contentType: result.contentType,
    payload: result.payload.toString("utf8").replace(/RequestId: [0-9a-f-]+/g, "RequestId: <id>"),
  };
}

describe.each(["channel", "tcp"] as const)("LAMBKIN_RUNTIME_API_CHANNEL=%s", (channel) => {
  let runtime: LambkinRuntime;
  beforeAll(async () => {
    runtime = await start(channel);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  it("the bootstrap uses the channel (or TCP); the TCP Runtime API answers beside it; no variable shows", async () => {
    const seen = payloadJson(await invoke(runtime, "inspect")) as Record<string, unknown>;
    expect(seen.channelVariables).toEqual([]);
    expect(seen.runtimeApi).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(seen.tcpAnswer).toEqual({
      status: 400,
      body: { errorMessage: "Invalid request ID", errorType: "InvalidRequestID" },
    });
    if (channel === "channel") {
      expect(seen.channel).toBeGreaterThan(2);
      expect(seen.tcpSockets).toBe(0);
    } else {
      expect(seen.channel).toBeNull();
      expect(seen.tcpSockets).toBeGreaterThan(0);
    }
  });

  it("a response over the payload limit fails as Function.ResponseSizeTooLarge, the environment goes on", async () => {
    const result = await invoke(runtime, "bigResponse");
    expect(observed(result)).toMatchObject({
      functionError: "Unhandled",
      errorType: "Function.ResponseSizeTooLarge",
    });
    expect(JSON.parse(result.payload.toString()).errorMessage).toContain("7340034 bytes");
    expect(payloadJson(await invoke(runtime, "inspect"))).toMatchObject({ channelVariables: [] });
  });

  it.each(["exitAfterAnswer", "exitSoonAfterAnswer"])(
    "%s: a runtime that exits after its answer and before its /next: the answer counts",
    async (fn) => {
      // The bootstrap's /next leaves with its answer, once the loop came round (channel-client.ts): an exit before
      // that must not leave an environment that looks ready, or the next invocation would get its Runtime.ExitError.
      const result = await invoke(runtime, fn);
      expect(observed(result)).toMatchObject({ status: "success", payload: '"answered"' });
      expect(result.functionError).toBeUndefined();
      // Its environment is gone; the next invocation gets a fresh one and the same answer.
      expect(observed(await invoke(runtime, fn))).toEqual(observed(result));
      expect(payloadJson(await invoke(runtime, "inspect"))).toMatchObject({ channelVariables: [] });
    },
  );

  it("an idle environment is frozen between invocations (its timers stand still), then thawed", async () => {
    const ticks = async () => (payloadJson(await invoke(runtime, "ticker")) as { ticks: number }).ticks;
    const first = await ticks();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Unfrozen, a 10 ms interval would have ticked about fifty times meanwhile.
    expect((await ticks()) - first).toBeLessThan(10);
  });
});

// In a steady stream the idle grace is longer than the gaps, so no SIGSTOP comes between invocations
// (freeze-grace.ts); the bootstrap's blocking wait for `/next` (channel-client.ts) is what freezes it there.
describe.each([
  { freezeIdle: true, timersRun: false },
  { freezeIdle: false, timersRun: true },
])("a steady stream of invocations with freezeIdle $freezeIdle", ({ freezeIdle, timersRun }) => {
  let runtime: LambkinRuntime;
  beforeAll(async () => {
    runtime = await start("channel", freezeIdle);
  });
  afterAll(async () => {
    await runtime?.close();
  });

  it(`the environment's timers ${timersRun ? "run" : "stand still"} between its invocations`, async () => {
    const ticks = async () => (payloadJson(await invoke(runtime, "ticker")) as { ticks: number }).ticks;
    const first = await ticks();
    let last = first;
    for (let round = 0; round < 10; round++) {
      await new Promise((resolve) => setTimeout(resolve, 40));
      last = await ticks();
    }
    // 400 ms of a 10 ms interval: about forty ticks if it runs; frozen, at most the one overdue tick that fires
    // as each invocation thaws it.
    if (timersRun) expect(last - first).toBeGreaterThan(20);
    else expect(last - first).toBeLessThanOrEqual(12);
  });
});

describe("a function that attacks its channel", () => {
  let runtime: LambkinRuntime;
  beforeAll(async () => {
    runtime = await start("channel");
  });
  afterAll(async () => {
    await runtime?.close();
  });

  /** Lambkin still serves: a fresh invocation (in a fresh or the same environment) works. */
  async function stillServes(): Promise<void> {
    const result = await invoke(runtime, "inspect");
    expect(result.functionError, result.payload.toString()).toBeUndefined();
  }

  const exitError = {
    status: "crash",
    functionError: "Unhandled",
    errorType: "Runtime.ExitError",
    payload: expect.stringContaining("Runtime exited with error: exit status 1"),
  };

  it("garbage (an HTTP request on the channel): the channel is closed, the runtime exits, Runtime.ExitError", async () => {
    expect(observed(await invoke(runtime, "garbage"))).toMatchObject(exitError);
    await stillServes();
  });

  it("half a frame: the stream is out of step from there on; Runtime.ExitError", async () => {
    expect(observed(await invoke(runtime, "halfFrame"))).toMatchObject(exitError);
    await stillServes();
  });

  it("half a frame, then silence: the invocation times out, as a silent HTTP client's would", async () => {
    expect(observed(await invoke(runtime, "halfFrameThenHang"))).toMatchObject({
      status: "timeout",
      errorType: "Sandbox.Timedout",
    });
    await stillServes();
  });

  it("a 4 GiB length prefix and 256 MiB behind it: counted, never stored; the invocation times out", async () => {
    const before = process.memoryUsage().rss;
    expect(observed(await invoke(runtime, "hugeLength"))).toMatchObject({
      status: "timeout",
      errorType: "Sandbox.Timedout",
    });
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 * 1024);
    await stillServes();
  });

  it("closing the channel: the bootstrap cannot answer and exits; the invocation fails in Lambda's shape", async () => {
    expect(observed(await invoke(runtime, "closeChannel"))).toMatchObject({
      functionError: "Unhandled",
      errorType: "Runtime.ExitError",
    });
    await stillServes();
  });

  it("a flood of garbage: refused at its first frame, the writer gets EPIPE; Runtime.ExitError", async () => {
    expect(observed(await invoke(runtime, "floodGarbage"))).toMatchObject(exitError);
    await stillServes();
  });

  it("a hundred /next: each takes the place of the one before; the invocation and the next one succeed", async () => {
    const first = await invoke(runtime, "floodNext", { count: 100 });
    expect(first.functionError, first.payload.toString()).toBeUndefined();
    expect(payloadJson(first)).toEqual({ flooded: 100 * 52 });
    const second = await invoke(runtime, "floodNext", { count: 100 });
    expect(second.functionError, second.payload.toString()).toBeUndefined();
  });

  it("a flood of /next that never reads its answers: Lambkin stops reading once they back up; it times out", async () => {
    // As node's HTTP server does with a client that pipelines requests and reads no answer: what Lambkin holds
    // for it stays bounded, and the writer stalls until its invocation's timeout ends the environment.
    const before = process.memoryUsage().rss;
    expect(observed(await invoke(runtime, "floodNext", { count: 200_000 }))).toMatchObject({
      status: "timeout",
      errorType: "Sandbox.Timedout",
    });
    expect(process.memoryUsage().rss - before).toBeLessThan(128 * 1024 * 1024);
    await stillServes();
  });

  it("an answer on the channel and an exit before any /next: the answer counts, the next invocation works", async () => {
    const result = await invoke(runtime, "answerAloneThenExit");
    expect(observed(result)).toMatchObject({
      status: "success",
      contentType: "text/plain",
      payload: "answered alone",
    });
    await stillServes();
  });

  it("answering its own invocation over the channel: the first answer counts, the bootstrap's is refused", async () => {
    const result = await invoke(runtime, "answerTwice");
    expect(observed(result)).toMatchObject({
      status: "success",
      contentType: "text/plain",
      payload: "first answer",
    });
    await stillServes();
  });
});
