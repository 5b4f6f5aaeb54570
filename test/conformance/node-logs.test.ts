// The Node.js runtime's console (docs/lambda-behaviour.md §2.7, RIC LogPatch): every console call is one line
// `<ISO ts>\t<requestId>\t<LEVEL>\t<util.format(args)>` with inner newlines turned into `\r`; with
// AWS_LAMBDA_LOG_FORMAT=JSON one JSON object per call, filtered by AWS_LAMBDA_LOG_LEVEL.
import { describe, expect, it } from "vitest";
import { payloadJson } from "./harness.js";
import {
  expectConsoleLine,
  expectFunctionError,
  expectPlatformLines,
  ISO_TIMESTAMP,
  nodeConformanceService,
  parseConsoleLine,
} from "./log-expectations.js";

describe("Node.js console logging", () => {
  const node = nodeConformanceService();

  it("Text format: one tab-separated line per call, levels per method, newlines as \\r", async () => {
    const result = await node.fixture.invoke("consoleText");
    expect(result.functionError).toBeUndefined();
    expect(payloadJson(result)).toBe("logged");
    const { before, during } = expectPlatformLines(result, { coldStart: true });
    expect(before).toEqual([]);
    expect(during).toHaveLength(8);
    const id = result.requestId;
    expectConsoleLine(during[0], id, "INFO", "line one\rline two\rline three");
    expectConsoleLine(during[1], id, "INFO", 'formatted 42 {"a":1} { nested: { deep: true } }');
    // console.error(label, error): util.format prints the stack; it stays one line.
    const errorLine = parseConsoleLine(during[2] ?? "");
    expect(errorLine).toMatchObject({ requestId: id, level: "ERROR" });
    const errorMessage = errorLine?.message ?? "";
    expect(errorMessage.split("\r").slice(0, 2)).toEqual([
      "console.error Error: with an error object",
      `    at exports.handler (${node.paths.taskRoot}/handlers/console-logging.js:23:34)`,
    ]);
    expect(errorMessage).not.toContain("\n");
    expectConsoleLine(during[3], id, "WARN", "console.warn");
    expectConsoleLine(during[4], id, "INFO", "console.info");
    expectConsoleLine(during[5], id, "DEBUG", "console.debug");
    expectConsoleLine(during[6], id, "TRACE", "console.trace");
    expectConsoleLine(during[7], id, "FATAL", "console.fatal");
    // Timestamps are the moment of each call, in order.
    const stamps = during.map((line) => parseConsoleLine(line)?.timestamp ?? "");
    for (const stamp of stamps) expect(stamp).toMatch(ISO_TIMESTAMP);
    expect([...stamps].sort()).toEqual(stamps);
  });

  it("JSON format with AWS_LAMBDA_LOG_LEVEL=WARN: one JSON object per call at WARN and above", async () => {
    const result = await node.fixture.invoke("consoleJson");
    expect(result.functionError).toBeUndefined();
    expect(payloadJson(result)).toBe("logged");
    const { before, during } = expectPlatformLines(result, { coldStart: true });
    expect(before).toEqual([]);
    expect(during).toHaveLength(3);
    const records = during.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) expect(record.timestamp).toMatch(ISO_TIMESTAMP);
    const id = result.requestId;
    const [error, warn, fatal] = records;
    expect(Object.keys(error ?? {})).toEqual([
      "timestamp",
      "level",
      "requestId",
      "message",
      "errorType",
      "errorMessage",
      "stackTrace",
    ]);
    expect(error).toMatchObject({
      level: "ERROR",
      requestId: id,
      errorType: "Error",
      errorMessage: "with an error object",
    });
    const stackTrace = error?.stackTrace as string[];
    expect(stackTrace.slice(0, 2)).toEqual([
      "Error: with an error object",
      `    at exports.handler (${node.paths.taskRoot}/handlers/console-logging.js:23:34)`,
    ]);
    // The message keeps its real newlines (escaped by JSON): the util.format of both arguments.
    expect(error?.message).toBe(`console.error ${stackTrace.join("\n")}`);
    expect(warn).toEqual({
      timestamp: warn?.timestamp,
      level: "WARN",
      requestId: id,
      message: "console.warn",
    });
    expect(fatal).toEqual({
      timestamp: fatal?.timestamp,
      level: "FATAL",
      requestId: id,
      message: "console.fatal",
    });
  });

  it("JSON format: the runtime's error line is one record whose message is the error", async () => {
    const result = await node.fixture.invoke("asyncRejectJson");
    const trace = expectFunctionError(result, {
      errorType: "Error",
      errorMessage: "boom",
      traceStart: [
        "Error: boom",
        `    at exports.handler (${node.paths.taskRoot}/handlers/async-reject.js:7:9)`,
      ],
    });
    const { before, during } = expectPlatformLines(result, { coldStart: true });
    expect(before).toEqual([]);
    expect(during).toHaveLength(1);
    const record = JSON.parse(during[0] ?? "") as Record<string, unknown>;
    expect(record.timestamp).toMatch(ISO_TIMESTAMP);
    expect(record).toEqual({
      timestamp: record.timestamp,
      level: "ERROR",
      requestId: result.requestId,
      message: { errorType: "Error", errorMessage: "boom", stackTrace: trace },
    });
  });

  it("between invocations the request id of each line is its own invocation's", async () => {
    const first = await node.fixture.invoke("consoleText");
    const second = await node.fixture.invoke("consoleText");
    expect(second.requestId).not.toBe(first.requestId);
    for (const result of [first, second]) {
      const { during } = expectPlatformLines(result, { coldStart: false });
      expect(during.map((line) => parseConsoleLine(line)?.requestId)).toEqual(
        Array(8).fill(result.requestId),
      );
    }
  });
});
