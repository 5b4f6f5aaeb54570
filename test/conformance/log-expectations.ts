/**
 * Shared assertions of the Node.js conformance suite: error payloads (docs/lambda-behaviour.md §2.4), the lines
 * of an invocation's log (§2.7: console lines, "Invoke Error"/"Uncaught Exception" lines, START/END/REPORT,
 * the timeout line) and the REPORT figures. Everything here reads what an Invoke caller sees (payload,
 * function error, log tail), so it holds whichever Sandbox adapter runs the environment.
 */
import { afterAll, beforeAll, expect } from "vitest";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import type { Fixture } from "./harness.js";
import { payloadJson, startFixture } from "./harness.js";

/** `2026-01-02T03:04:05.678Z` */
export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The lines of the invocation's log tail (the last 4 KB, START … REPORT). */
export function logLines(result: InvokeResult): string[] {
  const text = result.logTail.text();
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n");
}

export interface ErrorExpectation {
  readonly errorType: string;
  readonly errorMessage: string;
  /** The first lines of `trace`, exactly; the rest are stack frames (paths and line numbers vary). */
  readonly traceStart?: readonly string[];
  /** The whole trace, when it is fully determined (non-Error values, duck-typed errors). */
  readonly trace?: readonly string[];
}

/**
 * A function error as the Invoke API returns it: HTTP 200 (not modelled here), X-Amz-Function-Error
 * `Unhandled`, body `{errorType, errorMessage, trace}` and nothing else (custom properties never leak).
 */
export function expectFunctionError(result: InvokeResult, expected: ErrorExpectation): string[] {
  expect(result.functionError).toBe("Unhandled");
  expect(result.status).toBe("error");
  const payload = payloadJson(result) as { errorType: unknown; errorMessage: unknown; trace: unknown };
  expect(Object.keys(payload)).toEqual(["errorType", "errorMessage", "trace"]);
  expect(payload.errorType).toBe(expected.errorType);
  expect(payload.errorMessage).toBe(expected.errorMessage);
  expect(result.errorType).toBe(expected.errorType);
  const trace = payload.trace;
  expect(Array.isArray(trace)).toBe(true);
  const lines = trace as unknown[];
  for (const line of lines) expect(typeof line).toBe("string");
  if (expected.trace) expect(lines).toEqual(expected.trace);
  if (expected.traceStart) {
    expect(lines.length).toBeGreaterThan(expected.traceStart.length);
    expect(lines.slice(0, expected.traceStart.length)).toEqual(expected.traceStart);
    // The remaining lines are V8 stack frames.
    for (const frame of lines.slice(expected.traceStart.length)) expect(frame).toMatch(/^ {4}at /);
  }
  return lines as string[];
}

/** A platform error (timeout, crash, oversized response): `{errorType, errorMessage}`, no trace. */
export function expectPlatformError(
  result: InvokeResult,
  errorType: string,
  errorMessage: string,
  status: InvokeResult["status"],
): void {
  expect(result.functionError).toBe("Unhandled");
  expect(result.status).toBe(status);
  expect(result.errorType).toBe(errorType);
  expect(payloadJson(result)).toEqual({ errorType, errorMessage });
  expect(Object.keys(payloadJson(result) as object)).toEqual(["errorType", "errorMessage"]);
}

export interface ConsoleLine {
  readonly timestamp: string;
  readonly requestId: string;
  readonly level: string;
  readonly message: string;
}

/** `<ISO ts>\t<requestId>\t<LEVEL>\t<message>` (Text format, RIC LogPatch), or undefined. */
export function parseConsoleLine(line: string): ConsoleLine | undefined {
  const match = /^([^\t]+)\t([^\t]+)\t(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\t(.*)$/s.exec(line);
  if (!match) return undefined;
  const [, timestamp = "", requestId = "", level = "", message = ""] = match;
  if (!ISO_TIMESTAMP.test(timestamp)) return undefined;
  return { timestamp, requestId, level, message };
}

/** Asserts one console line: its request id (`undefined` during init), level and exact message. */
export function expectConsoleLine(
  line: string | undefined,
  requestId: string,
  level: string,
  message: string,
) {
  expect(line).toBeDefined();
  const parsed = parseConsoleLine(line ?? "");
  expect(parsed, `not a console line: ${line}`).toBeDefined();
  expect({ requestId: parsed?.requestId, level: parsed?.level, message: parsed?.message }).toEqual({
    requestId,
    level,
    message,
  });
}

/**
 * The runtime's own error line: `<ts>\t<id>\tERROR\t<label> \t{json}` ("Invoke Error", "Uncaught
 * Exception", "Unhandled Promise Rejection", "Init Error"). Returns the parsed JSON.
 */
export function parseErrorLine(
  line: string | undefined,
  requestId: string,
  label: string,
): Record<string, unknown> {
  const parsed = parseConsoleLine(line ?? "");
  expect(parsed, `not a console line: ${line}`).toBeDefined();
  expect(parsed?.requestId).toBe(requestId);
  expect(parsed?.level).toBe("ERROR");
  const prefix = `${label} \t`;
  expect(parsed?.message.startsWith(prefix), `"${parsed?.message.slice(0, 40)}" is not a ${label} line`).toBe(
    true,
  );
  return JSON.parse(parsed?.message.slice(prefix.length) ?? "null") as Record<string, unknown>;
}

/** Finds the single line of the log that carries `label` and parses it (see parseErrorLine). */
export function errorLineOf(result: InvokeResult, requestId: string, label: string): Record<string, unknown> {
  const matching = logLines(result).filter((line) =>
    parseConsoleLine(line)?.message.startsWith(`${label} \t`),
  );
  expect(matching).toHaveLength(1);
  return parseErrorLine(matching[0], requestId, label);
}

export interface ReportFigures {
  readonly durationMs: number;
  readonly billedMs: number;
  readonly memorySizeMB: number;
  readonly maxMemoryUsedMB: number;
  readonly initDurationMs?: number;
  readonly timedOut: boolean;
}

const REPORT =
  /^REPORT RequestId: (\S+)\tDuration: (\d+\.\d{2}) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB(?:\tInit Duration: (\d+\.\d{2}) ms)?(\tStatus: timeout)?$/;

/** Parses `REPORT RequestId: …\tDuration: …` (docs/lambda-behaviour.md §2.7) and checks its arithmetic. */
export function parseReport(line: string | undefined, requestId: string): ReportFigures {
  const match = REPORT.exec(line ?? "");
  expect(match, `not a REPORT line: ${line}`).not.toBeNull();
  const [, id, duration, billed, memorySize, maxUsed, init, timeout] = match ?? [];
  expect(id).toBe(requestId);
  const figures: ReportFigures = {
    durationMs: Number(duration),
    billedMs: Number(billed),
    memorySizeMB: Number(memorySize),
    maxMemoryUsedMB: Number(maxUsed),
    initDurationMs: init === undefined ? undefined : Number(init),
    timedOut: timeout !== undefined,
  };
  // Billed: 1 ms granularity, init included (since 2025-08-01). The printed figures are rounded to
  // 0.01 ms, the bill to the next ms of the unrounded sum: allow that rounding.
  const billable = figures.durationMs + (figures.initDurationMs ?? 0);
  expect(figures.billedMs).toBeGreaterThanOrEqual(Math.ceil(billable - 0.02));
  expect(figures.billedMs).toBeLessThanOrEqual(Math.ceil(billable + 0.02));
  return figures;
}

export interface PlatformLinesExpectation {
  /** Memory Size of the function (MB). */
  readonly memorySize?: number;
  /** First invocation of its environment: REPORT carries Init Duration. */
  readonly coldStart: boolean;
  readonly timedOut?: boolean;
}

/**
 * The platform lines of one invocation, in order: `START RequestId: <id> Version: $LATEST`,
 * `END RequestId: <id>` and a REPORT line, the last line of the log. Returns the lines between START
 * and END (what the invocation logged) and the REPORT figures.
 */
export function expectPlatformLines(
  result: InvokeResult,
  expected: PlatformLinesExpectation,
): { before: string[]; during: string[]; report: ReportFigures } {
  const lines = logLines(result);
  const id = result.requestId;
  const start = lines.indexOf(`START RequestId: ${id} Version: $LATEST`);
  const end = lines.indexOf(`END RequestId: ${id}`);
  expect(start, `no START line in:\n${lines.join("\n")}`).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  expect(lines.filter((line) => line.startsWith("START ") || line.startsWith("END "))).toHaveLength(2);
  expect(end).toBe(lines.length - 2);
  const report = parseReport(lines[lines.length - 1], id);
  expect(report.memorySizeMB).toBe(expected.memorySize ?? 128);
  expect(report.initDurationMs !== undefined).toBe(expected.coldStart);
  expect(report.timedOut).toBe(expected.timedOut ?? false);
  expect(report.durationMs).toBeCloseTo(result.durationMs, 1);
  expect(report.maxMemoryUsedMB).toBe(result.maxMemoryUsedMB);
  if (expected.coldStart) expect(report.initDurationMs).toBeCloseTo(result.initDurationMs ?? -1, 1);
  else expect(result.initDurationMs).toBeUndefined();
  return { before: lines.slice(0, start), during: lines.slice(start + 1, end), report };
}

/** The Node runtime's WARN at init for a 3-parameter, non-async handler on Node ≤ 22 (§2.6). */
export const CALLBACK_WARNING =
  "AWS Lambda plans to remove support for callback-based function handlers starting with Node.js 24. You will need to update this function to use an async handler to use Node.js 24 or later. For more information and to provide feedback on this change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment variable.";

/** LAMBDA_TASK_ROOT and LAMBDA_RUNTIME_DIR as the service's functions see them (adapter-dependent). */
export interface RuntimePaths {
  readonly taskRoot: string;
  readonly runtimeDir: string;
}

export async function runtimePathsOf(fixture: Fixture): Promise<RuntimePaths> {
  const result = await fixture.invoke("envEcho");
  const { env } = payloadJson(result) as { env: Record<string, string> };
  expect(env.LAMBDA_TASK_ROOT).toMatch(/^\//);
  expect(env.LAMBDA_RUNTIME_DIR).toMatch(/^\//);
  return { taskRoot: env.LAMBDA_TASK_ROOT ?? "", runtimeDir: env.LAMBDA_RUNTIME_DIR ?? "" };
}

/** The Node conformance service, started once for the enclosing describe block, with its runtime paths. */
export function nodeConformanceService(): { readonly fixture: Fixture; readonly paths: RuntimePaths } {
  const service = {} as { fixture: Fixture; paths: RuntimePaths };
  beforeAll(async () => {
    service.fixture = await startFixture("conformance/node");
    service.paths = await runtimePathsOf(service.fixture);
  });
  afterAll(() => service.fixture.close());
  return service;
}
