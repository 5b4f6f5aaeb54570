// Every line a function writes before its handler completes belongs to its invocation (Lambda's
// Runtime API: the invoke phase ends with /response; the runtime's log records are written before it):
// under its request id, between its START and END lines, in order, none under another id, none lost —
// when invocations follow each other back to back, when the environment is frozen between them
// (freezeIdle, as Lambda freezes it), and when it is reaped right after. Before the fix, of 20,480
// console lines only ~1,000–2,400 landed under their own request id: the rest was still buffered in
// the runtime when it was frozen and leaked into later invocations, or was lost when it was killed.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FunctionLogSink } from "../../runtime/logs/function-log-sink.js";
import { freshStateDir } from "../support/state-dir.js";
import { FIXTURES, type Fixture, payloadJson, startFixture } from "./harness.js";

const LINES = 20_480;

interface LoggedLine {
  readonly requestId: string | undefined;
  readonly text: string;
}

function recordingSink(): { sink: FunctionLogSink; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  return { lines, sink: { line: (_fn, requestId, text) => void lines.push({ requestId, text }) } };
}

/**
 * Asserts the whole log of invocation `requestId`: START, then exactly `<id> line 0` … `<id> line N-1`
 * in order, then END and REPORT; and that no line naming it was logged under another id (or none).
 */
function expectAttributed(log: readonly LoggedLine[], requestId: string): void {
  const own = log.filter((line) => line.requestId === requestId).map((line) => line.text);
  const stray = log.filter(
    (line) => line.requestId !== requestId && line.text.includes(`${requestId} line `),
  );
  const numbered = own.filter((text) => text.includes(`${requestId} line `));
  expect({ stray: stray.length, attributed: numbered.length }).toEqual({ stray: 0, attributed: LINES });
  expect(own[0]).toBe(`START RequestId: ${requestId} Version: $LATEST`);
  const end = own.indexOf(`END RequestId: ${requestId}`);
  expect(own[end + 1]).toMatch(/^REPORT RequestId: /);
  expect(own.length).toBe(end + 2);
  // Node's console lines carry a timestamp, request id and level before the message.
  const messages = own.slice(1, end).map((text) => text.slice(text.indexOf(`${requestId} line `)));
  expect(messages).toEqual(Array.from({ length: LINES }, (_, n) => `${requestId} line ${n}`));
}

async function untilReaped(fixture: Fixture): Promise<void> {
  for (let waited = 0; fixture.runtime.pool.list().length > 0; waited += 50) {
    if (waited > 20_000) throw new Error("the idle environment was not reaped");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const runtime of ["node", "shell"] as const) {
  describe(`log attribution: ${runtime === "node" ? "Node.js console" : "a custom runtime's echo"}`, () => {
    let fixture: Fixture | undefined;
    afterEach(async () => {
      await fixture?.close();
      fixture = undefined;
    });

    for (const freezeIdle of [true, false]) {
      it(`back to back, freezeIdle ${freezeIdle}: every line under its own invocation, in order`, async () => {
        const { sink, lines } = recordingSink();
        fixture = await startFixture(`log-attribution/${runtime}`, { functionLogs: sink, freezeIdle });
        const ids: string[] = [];
        for (let round = 0; round < 4; round++) {
          const result = await fixture.invoke("chatty");
          expect(payloadJson(result)).toEqual({ logged: LINES });
          ids.push(result.requestId);
          // Let an idle environment be frozen between some of the invocations (freeze grace: 10 ms).
          if (round % 2 === 1) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(fixture.runtime.pool.list()).toHaveLength(1);
        for (const id of ids) expectAttributed(lines, id);
      }, 120_000);
    }

    if (runtime === "node") {
      it("after the handler made stdout non-blocking (process.stdout): every line, in order", async () => {
        const { sink, lines } = recordingSink();
        fixture = await startFixture("log-attribution/node", { functionLogs: sink });
        const ids: string[] = [];
        for (let round = 0; round < 2; round++) {
          ids.push((await fixture.invoke("chatty", { nonBlockingStdout: true })).requestId);
        }
        for (const id of ids) expectAttributed(lines, id);
      }, 120_000);
    }

    it("reaped right after it answered: nothing it wrote is lost", async () => {
      const { sink, lines } = recordingSink();
      fixture = await startFixture(`log-attribution/${runtime}`, { functionLogs: sink, idleTimeoutMs: 20 });
      const result = await fixture.invoke("chatty");
      await untilReaped(fixture);
      expectAttributed(lines, result.requestId);
    }, 60_000);
  });
}

describe("log attribution: lambkin dev stopped by SIGTERM", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill("SIGKILL");
    child = undefined;
  });

  it("logs every line an invocation wrote before Lambkin was told to stop", async () => {
    const bin = join(import.meta.dirname, "..", "..", "bin", "lambkin.js");
    const dir = join(FIXTURES, "log-attribution", "node");
    // The sandbox under test comes with the environment (LAMBKIN_SANDBOX).
    const dev = spawn(process.execPath, [bin, "dev", "--port", "0", "--dir", dir, "--log-format", "json"], {
      env: { ...process.env, LAMBKIN_ACCESS_KEYS: "", NO_COLOR: "1", LAMBKIN_STATE_DIR: freshStateDir() },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child = dev;
    const chunks: Buffer[] = [];
    const url = await new Promise<string>((resolve, reject) => {
      dev.stderr?.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        const ready = /ready on [^"]*?(http:\/\/[\d.]+:\d+)/.exec(Buffer.concat(chunks).toString());
        if (ready?.[1]) resolve(ready[1]);
      });
      dev.once("exit", (code) => reject(new Error(`lambkin dev exited early (${code})`)));
    });
    // "close", not "exit": the process may be gone before the parent has read all of its stderr.
    const exited = new Promise<number | null>((resolve) => dev.once("close", (code) => resolve(code)));
    const response = await fetch(`${url}/2015-03-31/functions/chatty/invocations`, { method: "POST" });
    expect(await response.json()).toEqual({ logged: LINES });
    dev.kill("SIGTERM");
    expect(await exited).toBe(0);
    const requestId = response.headers.get("x-amzn-requestid") ?? "";
    expect(requestId).not.toBe("");
    const log = Buffer.concat(chunks)
      .toString()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { requestId?: string; msg: string })
      .filter((record) => record.msg.includes(`${requestId} line `))
      .map((record) => ({ requestId: record.requestId, text: record.msg }));
    expect(log).toHaveLength(LINES);
    expect(log.every((line) => line.requestId === requestId)).toBe(true);
    expect(log.map((line) => line.text.slice(line.text.indexOf(`${requestId} line `)))).toEqual(
      Array.from({ length: LINES }, (_, n) => `${requestId} line ${n}`),
    );
  }, 60_000);
});
