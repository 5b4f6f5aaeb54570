/**
 * The JSON log format's function sink writes each record byte for byte as pino writes the record of the same line
 * (pinoFunctionLogSink through a logger configured as createLogger configures it): `lambkin worker --log-format
 * json` takes the direct path for speed, and whatever reads its output must not see a difference — but for one
 * improvement: a lone surrogate, which pino writes raw (so that it reaches the output as U+FFFD), is escaped.
 */
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { jsonFunctionLogSink } from "../../cli/json-function-log-sink.js";
import {
  type FunctionLogSink,
  type FunctionLogStream,
  pinoFunctionLogSink,
} from "../../runtime/logs/function-log-sink.js";
import type { InvocationSummary } from "../../runtime/logs/invocation-summary.js";

const REQUEST = "8f5e2b4a-1c3d-4e5f-9a8b-7c6d5e4f3a2b";
const TIME = 1764723600123;
/** What a function may print: quotes, backslashes, control characters, lone surrogates, long and short lines. */
const TEXTS = [
  `START RequestId: ${REQUEST} Version: $LATEST`,
  `2026-12-03T01:00:00.000Z\t${REQUEST}\tINFO\t{"quoted":"value","path":"C:\\\\temp"}`,
  "short",
  "",
  "a warning\ron two lines\u0000\u001f\u007f",
  "é 漢字 😀 and a pair \ud83d\ude00",
  "x".repeat(5000),
  `REPORT RequestId: ${REQUEST}\tDuration: 1.23 ms\tBilled Duration: 2 ms`,
];
const STREAMS: FunctionLogStream[] = ["platform", "stdout", "stderr"];
const SUMMARIES: InvocationSummary[] = [
  {
    functionName: "shop-dev-orders",
    requestId: REQUEST,
    trigger: { type: "http", detail: 'GET /orders?q="x"' },
    source: 'http:GET /orders?q="x"',
    invocationType: "RequestResponse",
    attempt: 1,
    status: "success",
    durationMs: 1.23,
    billedDurationMs: 2,
    initDurationMs: 150.5,
    memorySizeMB: 1024,
    maxMemoryUsedMB: 45,
  },
  {
    functionName: "shop-dev-orders",
    requestId: REQUEST,
    trigger: { type: "async", detail: "" },
    source: "invoke-api",
    invocationType: "Event",
    attempt: 3,
    status: "error",
    errorType: "Runtime.ExitError",
    durationMs: Number.NaN,
    billedDurationMs: 0,
    maxMemoryUsedMB: 0,
  },
];

function feed(sink: FunctionLogSink): void {
  TEXTS.forEach((text, n) => {
    const stream = STREAMS[n % STREAMS.length];
    sink.line("shop-dev-orders", REQUEST, text, stream, "2026/12/03/[$LATEST]x");
    sink.line("shop-dev-orders", undefined, text, stream);
    sink.line('odd"name\\', REQUEST, text, stream, undefined, { codeRevision: "3f2a9c1b" });
    sink.line("shop-dev-orders", REQUEST, text, stream, undefined, {});
  });
  sink.line("shop-dev-orders", REQUEST, "no stream given");
  for (const summary of SUMMARIES) sink.invocation?.(summary);
}

function collector() {
  const output = {
    text: "",
    write(chunk: string): boolean {
      output.text += chunk;
      return true;
    },
  };
  return output;
}

describe("jsonFunctionLogSink", () => {
  it("writes exactly the JSON lines pino writes for the same records", () => {
    const viaPino = collector();
    // createLogger's JSON logger: no base, an epoch time (here a fixed one).
    const logger = pino({ base: undefined, timestamp: () => `,"time":${TIME}` }, viaPino);
    feed(pinoFunctionLogSink(logger));
    const direct = collector();
    feed(jsonFunctionLogSink(direct, { enabled: true, now: () => TIME }));
    const lines = viaPino.text.split("\n");
    expect(lines.length).toBe(4 * TEXTS.length + 1 + SUMMARIES.length + 1);
    expect(direct.text.split("\n")).toEqual(lines);
    // Each line is one JSON record with the fields a reader takes.
    const records = lines.filter(Boolean).map((line) => JSON.parse(line));
    expect(records.at(-2)).toMatchObject({
      fn: "shop-dev-orders",
      event: "invocation",
      initDurationMs: 150.5,
    });
    expect(records.at(-1)).toMatchObject({ durationMs: null, errorType: "Runtime.ExitError", attempt: 3 });
  });

  it("escapes a lone surrogate, so that the line parses back to exactly what the function printed", () => {
    const text = "lone \ud800 surrogate and \udfff another";
    const viaPino = collector();
    pinoFunctionLogSink(pino({ base: undefined, timestamp: false }, viaPino)).line("f", REQUEST, text);
    const direct = collector();
    jsonFunctionLogSink(direct, { enabled: true }).line("f", REQUEST, text);
    // What reaches a reader is the UTF-8 of each line.
    const read = (line: string) => JSON.parse(Buffer.from(line, "utf8").toString("utf8")).msg;
    expect(read(direct.text)).toBe(text);
    expect(read(viaPino.text)).toBe("lone \ufffd surrogate and \ufffd another");
  });

  it("writes nothing when the logger's level hides info records", () => {
    const output = collector();
    feed(jsonFunctionLogSink(output, { enabled: false }));
    expect(output.text).toBe("");
  });
});
