// `lambkin dev`'s own output (one line per invocation: trigger, status, duration, billed duration; START/END/REPORT
// with --verbose; structured records with --log-format json) and `lambkin logs` against a running `lambkin dev`:
// GET /_lambkin/logs as JSON and as server-sent events, --since, --filter, --follow, a flood of output that stays
// within the ring's bounds, and a follower too slow to keep up.
import { type ChildProcess, spawn } from "node:child_process";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import { runLambkin } from "../support/run-lambkin.js";
import { type DevProcess, ROOT, startDev } from "./dev-process.js";

const FIXTURE = join(ROOT, "test", "fixtures", "logs");
const LOG_STREAM = /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/;
const REQUEST_ID = "[0-9a-f-]{36}";
/** The ring's bound per function in these tests (LAMBKIN_LOG_BUFFER_BYTES). */
const RING_BYTES = 1_000_000;

interface LogEventJson {
  eventId: string;
  timestamp: number;
  functionName: string;
  logGroupName: string;
  logStreamName: string;
  requestId?: string;
  message: string;
}

interface LogsAnswer {
  events: LogEventJson[];
  buffer: { events: number; bytes: number; evicted: number; followers: number };
}

async function invoke(
  url: string,
  name: string,
  payload: unknown = {},
  type: "RequestResponse" | "Event" = "RequestResponse",
): Promise<{ status: number; requestId: string; body: string }> {
  const response = await fetch(`${url}/2015-03-31/functions/${name}/invocations`, {
    method: "POST",
    headers: { "x-amz-invocation-type": type },
    body: JSON.stringify(payload),
  });
  return {
    status: response.status,
    requestId: response.headers.get("x-amzn-requestid") ?? "",
    body: await response.text(),
  };
}

async function logsOf(url: string, query: string): Promise<LogsAnswer> {
  const response = await fetch(`${url}/_lambkin/logs?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as LogsAnswer;
}

async function stop(dev: DevProcess | undefined): Promise<void> {
  if (dev === undefined || dev.child.exitCode !== null) return;
  dev.child.kill("SIGTERM");
  await dev.exited;
}

describe("lambkin dev's output", () => {
  let dev: DevProcess | undefined;
  beforeAll(async () => {
    dev = await startDev(FIXTURE);
  }, 60_000);
  afterAll(() => stop(dev));

  it("one line per invocation with its trigger, status, duration and billed duration; the handler's lines stay", async () => {
    if (!dev) throw new Error("no dev");
    const http = await fetch(`${dev.url}/talk?word=hi`);
    expect(await http.text()).toBe("hi");
    const invoked = await invoke(dev.url, "logs-dev-talk", { word: "again" });
    const failed = await invoke(dev.url, "logs-dev-fail");
    const timedOut = await invoke(dev.url, "logs-dev-slow");
    const throttled = await invoke(dev.url, "logs-dev-refused");
    expect(throttled.status).toBe(429);
    const queued = await invoke(dev.url, "logs-dev-talk", { word: "later" }, "Event");
    expect(queued.status).toBe(202);
    const output = () => dev?.output() ?? "";
    await eventually(async () => expect(output()).toContain(`· ${queued.requestId}`));
    const text = output();
    // Cold start: its init is counted in the billed duration.
    expect(text).toMatch(
      new RegExp(
        `^logs-dev-talk │ http GET /talk · success · [\\d.]+ ms \\(billed \\d+ ms, init [\\d.]+ ms\\) · ${REQUEST_ID}$`,
        "m",
      ),
    );
    expect(text).toMatch(
      new RegExp(
        `^logs-dev-talk │ invoke · success · [\\d.]+ ms \\(billed \\d+ ms\\) · ${invoked.requestId}$`,
        "m",
      ),
    );
    expect(text).toMatch(new RegExp(`^logs-dev-fail │ invoke · TypeError · .* · ${failed.requestId}$`, "m"));
    expect(text).toMatch(
      new RegExp(`^logs-dev-slow │ invoke · timeout · 1\\d{3}\\.\\d\\d ms .* · ${timedOut.requestId}$`, "m"),
    );
    expect(text).toMatch(/^logs-dev-refused │ invoke · throttled · 0\.00 ms \(billed 0 ms\) · /m);
    expect(text).toMatch(
      new RegExp(`^logs-dev-talk │ async event · success · .* · ${queued.requestId}$`, "m"),
    );
    // The handler's own lines, prefixed by their function; the platform's timeout line too.
    expect(text).toMatch(new RegExp(`^logs-dev-talk │ .*\\t${invoked.requestId}\\tINFO\\tsaid again$`, "m"));
    expect(text).toMatch(/^logs-dev-slow │ .*Task timed out after 1\.\d\d seconds$/m);
    // No START/END/REPORT without --verbose.
    expect(text).not.toContain("START RequestId");
    expect(text).not.toContain("REPORT RequestId");
  });
});

describe("lambkin dev --verbose and --log-format json", () => {
  let verbose: DevProcess | undefined;
  let json: DevProcess | undefined;
  beforeAll(async () => {
    [verbose, json] = await Promise.all([
      startDev(FIXTURE, {}, ["--verbose"]),
      startDev(FIXTURE, {}, ["--log-format", "json"]),
    ]);
  }, 60_000);
  afterAll(() => Promise.all([stop(verbose), stop(json)]));

  it("--verbose: Lambda's START/END/REPORT lines, then the summary", async () => {
    if (!verbose) throw new Error("no dev");
    const { requestId } = await invoke(verbose.url, "logs-dev-talk", { word: "loud" });
    await eventually(async () => expect(verbose?.output()).toContain(`· ${requestId}`));
    const lines = (verbose.output() ?? "").split("\n").filter((line) => line.includes(requestId));
    expect(lines[0]).toBe(`logs-dev-talk │ START RequestId: ${requestId} Version: $LATEST`);
    expect(lines.at(-3)).toBe(`logs-dev-talk │ END RequestId: ${requestId}`);
    expect(lines.at(-2)).toMatch(new RegExp(`^logs-dev-talk │ REPORT RequestId: ${requestId}\\tDuration: `));
    expect(lines.at(-1)).toMatch(/^logs-dev-talk │ invoke · success · /);
  });

  it("--log-format json: the summary is one structured record, beside every line's", async () => {
    if (!json) throw new Error("no dev");
    const { requestId } = await invoke(json.url, "logs-dev-talk", { word: "structured" });
    const records = () =>
      (json?.output() ?? "")
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((record) => record.requestId === requestId);
    await eventually(async () =>
      expect(records().some((record) => record.event === "invocation")).toBe(true),
    );
    const summary = records().find((record) => record.event === "invocation") ?? {};
    expect(summary).toMatchObject({
      level: 30,
      fn: "logs-dev-talk",
      requestId,
      event: "invocation",
      trigger: { type: "invoke", detail: "" },
      source: "invoke-api",
      invocationType: "RequestResponse",
      attempt: 1,
      status: "success",
      memorySizeMB: 256,
    });
    expect(typeof summary.time).toBe("number");
    expect(summary.durationMs).toBeGreaterThan(0);
    expect(summary.initDurationMs).toBeGreaterThan(0);
    expect(summary.billedDurationMs).toBe(
      Math.ceil((summary.durationMs as number) + (summary.initDurationMs as number)),
    );
    expect(summary.maxMemoryUsedMB).toBeGreaterThan(0);
    expect(summary.msg).toMatch(new RegExp(`^invoke · success · .* · ${requestId}$`));
    // Lambda's own lines stay records of their own, as before.
    const platform = records()
      .filter((record) => record.stream === "platform")
      .map((record) => String(record.msg).split(" ")[0]);
    expect(platform).toEqual(["START", "END", "REPORT"]);
  });
});

describe("lambkin logs and GET /_lambkin/logs", () => {
  let dev: DevProcess | undefined;
  let url = "";
  const lambkin = (...args: string[]) => runLambkin([...args, "--endpoint", url]);

  beforeAll(async () => {
    dev = await startDev(FIXTURE, { LAMBKIN_LOG_BUFFER_BYTES: String(RING_BYTES) });
    url = dev.url;
  }, 60_000);
  afterAll(() => stop(dev));

  it("prints a function's events as aws logs tail does: <timestamp> <log stream> <message>", async () => {
    const { requestId } = await invoke(url, "logs-dev-talk", { word: "tail" });
    const run = await lambkin("logs", "talk");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n").filter((line) => line.includes(requestId));
    const stamp = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}\\+00:00";
    const stream = "\\d{4}/\\d{2}/\\d{2}/\\[\\$LATEST\\][0-9a-f]{32}";
    expect(lines[0]).toMatch(
      new RegExp(`^${stamp} ${stream} START RequestId: ${requestId} Version: \\$LATEST$`),
    );
    expect(lines.some((line) => new RegExp(`^${stamp} ${stream} .*\\tINFO\\tsaid tail$`).test(line))).toBe(
      true,
    );
    expect(lines.at(-1)).toMatch(
      new RegExp(`^${stamp} ${stream} REPORT RequestId: ${requestId}\\tDuration: `),
    );
  });

  it("--filter: a substring, and CloudWatch's terms", async () => {
    await invoke(url, "logs-dev-talk", { word: "alpha" });
    await invoke(url, "logs-dev-fail");
    const said = await lambkin("logs", "logs-dev-talk", "--filter", "said alpha");
    expect(said.code).toBe(0);
    const saidLines = said.stdout.trim().split("\n");
    expect(saidLines.length).toBeGreaterThan(0);
    expect(saidLines.every((line) => line.includes("said alpha"))).toBe(true);
    // Every function's: each line names its function; ?a ?b is either, -x excludes.
    const either = await lambkin("logs", "--filter", '?"said alpha" ?"about to fail" -REPORT');
    const eitherLines = either.stdout.trim().split("\n");
    expect(eitherLines.some((line) => / logs-dev-talk .*said alpha$/.test(line))).toBe(true);
    expect(eitherLines.some((line) => / logs-dev-fail .*about to fail$/.test(line))).toBe(true);
    expect(eitherLines.every((line) => /said alpha|about to fail/.test(line))).toBe(true);
  }, 60_000);

  it("--since: a time, or a relative one; a bad one is a usage error", async () => {
    await invoke(url, "logs-dev-talk", { word: "early" });
    const before = await logsOf(url, "function=talk&filter=said%20early");
    const early = before.events.at(-1)?.timestamp ?? 0;
    expect(early).toBeGreaterThan(0);
    await eventually(async () => expect(Date.now()).toBeGreaterThan(early + 1));
    await invoke(url, "logs-dev-talk", { word: "late" });
    const since = await lambkin("logs", "talk", "--since", new Date(early + 1).toISOString());
    expect(since.stdout).toContain("said late");
    expect(since.stdout).not.toContain("said early");
    const week = await lambkin("logs", "talk", "--since", "1w");
    expect(week.stdout).toContain("said early");
    expect(week.stdout).toContain("said late");
    const bad = await lambkin("logs", "talk", "--since", "yesterday");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("[LKN_ERR_CLI_USAGE] --since takes a relative time");
    const unknown = await lambkin("logs", "nosuch");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("[LKN_ERR_LOGS_FUNCTION_NOT_FOUND]");
    const refused = await fetch(`${url}/_lambkin/logs?filter=${encodeURIComponent('{ $.level = "x" }')}`);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe("LKN_ERR_ADMIN_REQUEST_INVALID");
  }, 90_000); // five lambkin processes, one after the other

  it("JSON: CloudWatch's fields, with the function's log group and the invocation's request id", async () => {
    const { requestId } = await invoke(url, "logs-dev-talk", { word: "fields" });
    const answer = await logsOf(url, `function=logs-dev-talk&filter=${encodeURIComponent("said fields")}`);
    expect(answer.events).toHaveLength(1);
    const [event] = answer.events;
    expect(event).toMatchObject({
      functionName: "logs-dev-talk",
      logGroupName: "/aws/lambda/logs-dev-talk",
      requestId,
    });
    expect(event?.message).toMatch(new RegExp(`\\t${requestId}\\tINFO\\tsaid fields$`));
    expect(event?.logStreamName).toMatch(LOG_STREAM);
    expect(event?.eventId).toMatch(/^\d+$/);
  });

  it("server-sent events: what is kept, then live events; a client that leaves is let go", async () => {
    await invoke(url, "logs-dev-talk", { word: "kept" });
    const stop = new AbortController();
    const response = await fetch(`${url}/_lambkin/logs?function=talk&follow=1&filter=said`, {
      signal: stop.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    let received = "";
    const until = async (text: string) => {
      const decoder = new TextDecoder();
      while (!received.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${text}:\n${received}`);
        received += decoder.decode(value, { stream: true });
      }
    };
    await until("said kept");
    const live = await invoke(url, "logs-dev-talk", { word: "live" });
    await until("said live");
    const frames = received.split("\n\n").filter((frame) => frame.includes("said live"));
    expect(frames).toHaveLength(1);
    const [id, type, data] = (frames[0] ?? "").split("\n");
    expect(type).toBe("event: log");
    const event = JSON.parse((data ?? "").slice("data: ".length)) as LogEventJson;
    expect(id).toBe(`id: ${event.eventId}`);
    expect(event.requestId).toBe(live.requestId);
    expect((await logsOf(url, "limit=1")).buffer.followers).toBe(1);
    stop.abort();
    await eventually(async () => expect((await logsOf(url, "limit=1")).buffer.followers).toBe(0));
  });

  it("lambkin logs --follow: prints events as they come, until Ctrl-C", async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, "bin", "lambkin.js"), "logs", "talk", "--follow", "--filter", "said", "--endpoint", url],
      { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = exitOf(child);
    try {
      await eventually(async () => expect((await logsOf(url, "limit=1")).buffer.followers).toBe(1));
      const { requestId } = await invoke(url, "logs-dev-talk", { word: "followed" });
      await eventually(async () => expect(stdout).toContain("said followed"));
      expect(stdout).toMatch(
        new RegExp(
          ` \\d{4}/\\d{2}/\\d{2}/\\[\\$LATEST\\][0-9a-f]{32} .*\\t${requestId}\\tINFO\\tsaid followed\\n`,
        ),
      );
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      await eventually(async () => expect((await logsOf(url, "limit=1")).buffer.followers).toBe(0));
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("a flood of output: the ring keeps the newest events within its bound", async () => {
    // 5,000 lines of 1 KB: ten times what the ring may keep for the function.
    const flood = await invoke(url, "logs-dev-flood", { lines: 5000, size: 1000 });
    expect(flood.status).toBe(200);
    const answer = await logsOf(url, "function=flood");
    const kept = answer.events.reduce((sum, event) => sum + 2 * event.message.length, 0);
    expect(kept).toBeLessThanOrEqual(RING_BYTES);
    expect(answer.events.length).toBeLessThan(5000);
    expect(answer.events.some((event) => event.message.includes("\tflood 0 "))).toBe(false);
    expect(answer.events.at(-1)?.message).toMatch(new RegExp(`^REPORT RequestId: ${flood.requestId}\\t`));
    expect(answer.events.some((event) => event.message.endsWith("\tINFO\tflood done"))).toBe(true);
    expect(answer.buffer.evicted).toBeGreaterThan(0);
  }, 60_000);

  it("a follower that does not read: events are dropped for it, with a marker, and the functions go on", async () => {
    const { response, close } = await pausedFollower(url, "function=flood&follow=1");
    try {
      // 20,000 lines of 1 KB (24 MB of frames), more than the sockets' buffers and the follower's queue take.
      const flood = await invoke(url, "logs-dev-flood", { lines: 20_000, size: 1000 });
      expect(flood.status).toBe(200); // the function was not held back by the reader
      const received = readAll(response);
      // The marker comes once what was queued for the follower has been read: on a busy machine, a while.
      await eventually(
        async () => expect(received.text()).toMatch(/event: dropped\ndata: \{"dropped":\d+\}/),
        90_000,
      );
      const dropped = Number(/"dropped":(\d+)/.exec(received.text())?.[1]);
      expect(dropped).toBeGreaterThan(0);
      // After the marker, the stream goes on live.
      const next = await invoke(url, "logs-dev-flood", { lines: 1, size: 10 });
      await eventually(async () => expect(received.text()).toContain(`REPORT RequestId: ${next.requestId}`));
    } finally {
      close();
    }
    await eventually(async () => expect((await logsOf(url, "limit=1")).buffer.followers).toBe(0));
  }, 180_000);
});

describe("lambkin dev stopping with a follower", () => {
  it("ends the follower's stream at once: lambkin logs --follow says so and exits 1", async () => {
    const dev = await startDev(FIXTURE);
    const child = spawn(
      process.execPath,
      [join(ROOT, "bin", "lambkin.js"), "logs", "--follow", "--endpoint", dev.url],
      { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = exitOf(child);
    try {
      await eventually(async () => expect((await logsOf(dev.url, "limit=1")).buffer.followers).toBe(1));
      dev.child.kill("SIGTERM");
      expect(await dev.exited).toBe(0);
      expect(await exited).toBe(1);
      expect(stderr).toContain("[LKN_ERR_LOGS_STREAM_LOST]");
      // The stream was ended, not cut after the shutdown's bound.
      expect(dev.output()).not.toContain("LKN_WRN_SHUTDOWN_CONNECTIONS_CUT");
    } finally {
      child.kill("SIGKILL");
      dev.child.kill("SIGKILL");
    }
  }, 60_000);
});

function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
}

/** An SSE client (node:http) that reads nothing until readAll() is called. */
async function pausedFollower(
  url: string,
  query: string,
): Promise<{ response: IncomingMessage; close: () => void }> {
  const target = new URL(`/_lambkin/logs?${query}`, url);
  return new Promise((resolve, reject) => {
    const request = httpRequest(target, { headers: { accept: "text/event-stream" } }, (response) => {
      response.pause();
      resolve({ response, close: () => request.destroy() });
    });
    request.on("error", reject);
    request.end();
  });
}

function readAll(response: IncomingMessage): { text: () => string } {
  // Only the tail is kept: what matters is the marker and what follows it.
  let text = "";
  response.setEncoding("utf8");
  response.on("data", (chunk: string) => {
    text = (text + chunk).slice(-200_000);
  });
  response.resume();
  return { text: () => text };
}
