/**
 * The human log format's function sink writes each line exactly as the pino record of the same line becomes
 * through humanLogStream: `lambkin dev` takes the direct path for speed, and a person must see the same output.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { humanFunctionLogSink } from "../../cli/human-function-log-sink.js";
import { humanLogStream } from "../../cli/human-log-stream.js";
import {
  type FunctionLogSink,
  type FunctionLogStream,
  pinoFunctionLogSink,
} from "../../runtime/logs/function-log-sink.js";
import type { InvocationSummary } from "../../runtime/logs/invocation-summary.js";

const REQUEST = "8f5e2b4a-1c3d-4e5f-9a8b-7c6d5e4f3a2b";
const LINES: [FunctionLogStream, string][] = [
  ["platform", `START RequestId: ${REQUEST} Version: $LATEST`],
  ["stdout", `2026-12-03T01:00:00.000Z\t${REQUEST}\tINFO\tgot it`],
  ["stderr", "a warning\ron two lines"],
  ["platform", `${new Date(0).toISOString()} ${REQUEST} Task timed out after 1.00 seconds`],
  ["platform", `END RequestId: ${REQUEST}`],
  ["platform", `REPORT RequestId: ${REQUEST}\tDuration: 1.23 ms\tBilled Duration: 2 ms`],
];
const SUMMARIES: InvocationSummary[] = (["success", "error", "timeout", "throttled"] as const).map(
  (status) => ({
    functionName: "shop-dev-orders",
    requestId: REQUEST,
    trigger: { type: "http", detail: "GET /orders" },
    source: "http:GET /orders",
    invocationType: "RequestResponse",
    attempt: 1,
    status,
    ...(status === "error" ? { errorType: "Error" } : {}),
    durationMs: 1.23,
    billedDurationMs: 2,
    memorySizeMB: 1024,
    maxMemoryUsedMB: 45,
  }),
);

function feed(sink: FunctionLogSink): void {
  for (const [stream, text] of LINES)
    sink.line("shop-dev-orders", REQUEST, text, stream, "2026/12/03/[$LATEST]x");
  for (const summary of SUMMARIES) sink.invocation?.(summary);
}

/** What the pino records of the same lines become on the terminal. */
async function throughPino(verbose: boolean): Promise<string> {
  let text = "";
  const stream = humanLogStream({ write: (chunk: string) => (text += chunk) }, { verbose });
  const logger = pino({ base: undefined, timestamp: false }, stream);
  feed(pinoFunctionLogSink(logger));
  await new Promise<void>((resolve) => stream.end(resolve));
  return text;
}

function direct(verbose: boolean, enabled = true): string {
  let text = "";
  const output = {
    write(chunk: string): boolean {
      text += chunk;
      return true;
    },
  };
  feed(humanFunctionLogSink(output, { verbose, enabled }));
  return text;
}

describe("humanFunctionLogSink", () => {
  it("writes, verbose or not, exactly what the pino records become through humanLogStream", async () => {
    for (const verbose of [true, false]) {
      const expected = await throughPino(verbose);
      expect(expected.split("\n").length).toBeGreaterThan(SUMMARIES.length);
      expect(direct(verbose)).toBe(expected);
    }
  });

  it("drops START, END and REPORT unless verbose, and keeps every other line", () => {
    const quiet = direct(false);
    expect(quiet).not.toMatch(/(START|END|REPORT) RequestId/);
    expect(quiet).toContain("Task timed out after 1.00 seconds");
    expect(quiet).toContain("got it");
    expect(direct(true)).toMatch(/REPORT RequestId/);
  });

  it("writes nothing when the logger's level hides info records", () => {
    expect(direct(true, false)).toBe("");
  });
});
