// A client cannot hold a real `lambkin dev` (access keys configured): an unsigned request is refused with AWS's 403
// before its body is read (the rest is discarded as it comes), so 30 unsigned 15 MB posts cost no memory; a body trickled one byte at a time or headers
// that never end are cut after LAMBKIN_REQUEST_TIMEOUT_MS / LAMBKIN_HEADERS_TIMEOUT_MS (shortened here), on the
// Invoke API as on API Gateway routes, with LKN_WRN_GATEWAY_SLOW_CLIENT; the server serves on.
// Memory is the server's resident set, read from /proc/<pid>/status while the posts arrive.
import { readFileSync } from "node:fs";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeSha256 } from "../../gateway/invoke-api/sigv4/node-sha256.js";
import { type DevProcess, startDev } from "../cli/dev-process.js";
import { eventually } from "../support/eventually.js";
import { rawExchange } from "./raw-http.js";

const KEY = { accessKeyId: "AKIDLAMBKINLIMITS001", secretAccessKey: "limits-secret" };
const REQUEST_TIMEOUT_MS = 3000;
const HEADERS_TIMEOUT_MS = 1500;
/** Far beyond either timeout (plus Node's checking interval), far below a test's time. */
const DEADLINE_MS = 20_000;

function startLimitedDev(): Promise<DevProcess> {
  return startDev("functions/hello", {
    LAMBKIN_ACCESS_KEYS: `${KEY.accessKeyId}:${KEY.secretAccessKey}`,
    LAMBKIN_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    LAMBKIN_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  });
}

function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/** Writes one byte every 500 ms until the connection closes. */
function trickle(socket: import("node:net").Socket, bytes: Buffer): void {
  let index = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || index >= bytes.length) return clearInterval(timer);
    socket.write(bytes.subarray(index, index + 1));
    index += 1;
  }, 500);
  socket.once("close", () => clearInterval(timer));
}

describe("clients that would hold lambkin dev", () => {
  let dev: DevProcess;
  beforeAll(async () => {
    dev = await startLimitedDev();
  });
  afterAll(() => {
    dev?.child.kill("SIGKILL");
  });

  it("refuses 30 unsigned 15 MB posts with 403 before reading them: the server's memory stays low", async () => {
    const pid = dev.child.pid as number;
    const before = residentBytes(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, residentBytes(pid));
    }, 20);
    const body = Buffer.alloc(15 * 1024 * 1024, 0x61);
    const exchanges = Array.from({ length: 30 }, () => {
      const exchange = rawExchange(
        dev.port,
        `POST /2015-03-31/functions/greet/invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        DEADLINE_MS,
      );
      exchange.socket.write(body);
      return exchange.answer;
    });
    const answers = await Promise.all(exchanges);
    clearInterval(sampler);
    for (const answer of answers) {
      expect(answer.status).toBe(403);
      expect(answer.headers["x-amzn-errortype"]).toBe("MissingAuthenticationTokenException");
    }
    // Buffering them would take 30 × 15 MB; a generous bound for everything else the process does meanwhile.
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
  });

  it("cuts a signed Invoke whose body is trickled, after LAMBKIN_REQUEST_TIMEOUT_MS", async () => {
    const host = `127.0.0.1:${dev.port}`;
    const path = "/2015-03-31/functions/greet/invocations";
    const payload = JSON.stringify({ name: "x".repeat(200) });
    const signed = await new SignatureV4({
      credentials: KEY,
      region: "us-east-1",
      service: "lambda",
      sha256: NodeSha256,
    }).sign({
      method: "POST",
      protocol: "http:",
      hostname: host,
      path,
      query: {},
      headers: { host, "content-type": "application/json", "content-length": String(payload.length) },
      body: payload,
    });
    const head = Object.entries(signed.headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    const exchange = rawExchange(dev.port, `POST ${path} HTTP/1.1\r\n${head}\r\n`, DEADLINE_MS);
    trickle(exchange.socket, Buffer.from(payload));
    const answer = await exchange.answer;
    expect(answer.closed, "the connection is closed").toBe(true);
    expect(answer.status, "no answer: AWS documents none").toBe(0);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
  });

  it("cuts a trickled body on an API Gateway route", async () => {
    const exchange = rawExchange(
      dev.port,
      "POST /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n",
      DEADLINE_MS,
    );
    trickle(exchange.socket, Buffer.alloc(100, 0x61));
    const answer = await exchange.answer;
    expect(answer.closed).toBe(true);
    expect(answer.status).toBe(0);
  });

  it("cuts headers that never end, after LAMBKIN_HEADERS_TIMEOUT_MS, logs why, and serves on", async () => {
    const exchange = rawExchange(dev.port, "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n", DEADLINE_MS);
    trickle(exchange.socket, Buffer.from("X-Slow: 1\r\n".repeat(100)));
    const answer = await exchange.answer;
    expect(answer.closed).toBe(true);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    // The warning reaches the output in a batch, up to 10 ms after the cut (cli/batched-output.ts).
    await eventually(async () => expect(dev.output()).toContain("LKN_WRN_GATEWAY_SLOW_CLIENT"));
    const route = await fetch(`http://127.0.0.1:${dev.port}/hello`);
    expect(route.status).toBe(200);
  });
});
