/**
 * Coupon shop benchmark (issue #10): end-to-end latency of the talk's field study on `lambkin dev` — POST /coupons →
 * DynamoDB (transaction) → the coupons table's stream → the PDF function → S3 → the bucket's ObjectCreated event →
 * the mail function → the mail received by an SMTP server in this process — for BENCH_COUPONS coupons (default 20),
 * one after the other, p50 and p95, beside the sum of the chain's own handler durations for the same coupon (the
 * `Duration` of each REPORT line: create, pdf, mail), measured in the same run. The difference is what Lambkin adds:
 * the stream poller's polling, the queue, the sandboxes' hand-offs, DynamoDB Local and S3 themselves.
 * Run: npm run bench:coupon
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SMTPServer } from "smtp-server";
import { PACKAGE_ROOT } from "../runtime/package-paths.js";
import { ms, percentile } from "./stats.js";

const COUPONS = Number(process.env.BENCH_COUPONS ?? 20);
const DIR = join(PACKAGE_ROOT, "functions", "coupon");
const TIMEOUT_MS = 60_000;

interface Report {
  readonly fn: string;
  readonly durationMs: number;
  readonly at: number;
}

interface Arrival {
  readonly at: number;
  /** The message's head, to check it is the coupon's. */
  readonly head: string;
}

/** An SMTP server that notes when each message's data ended. */
async function startMailSink(): Promise<{ port: number; arrivals: Arrival[]; close(): void }> {
  const arrivals: Arrival[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      let head = "";
      stream.on("data", (chunk: Buffer) => {
        if (head.length < 64 * 1024) head += chunk.toString("latin1");
      });
      stream.on("end", () => {
        arrivals.push({ at: performance.now(), head });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    arrivals,
    close: () => server.close(),
  };
}

function startLambkin(smtpPort: number, reports: Report[]): { child: ChildProcess; url: Promise<string> } {
  const state = mkdtempSync(join(tmpdir(), "lambkin-bench-coupon-"));
  const child = spawn(
    process.execPath,
    [join(PACKAGE_ROOT, "bin", "lambkin.js"), "dev", "--dir", DIR, "--port", "0", "--log-format", "json"],
    {
      env: {
        ...process.env,
        LAMBKIN_ACCESS_KEYS: "",
        NO_COLOR: "1",
        LAMBKIN_STATE_DIR: state,
        LAMBKIN_SMTP_PORT: "off",
        LAMBKIN_DYNAMODB_PORT: "0",
        LAMBKIN_S3_PORT: "0",
        COUPON_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.once("exit", () => rmSync(state, { recursive: true, force: true }));
  let pending = "";
  let resolveUrl: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    resolveUrl = resolve;
  });
  const onLine = (line: string) => {
    let entry: { msg?: string; fn?: string };
    try {
      entry = JSON.parse(line) as { msg?: string; fn?: string };
    } catch {
      return;
    }
    const ready = /ready on (http:\/\/[\d.]+:\d+)/.exec(entry.msg ?? "");
    if (ready?.[1]) resolveUrl(ready[1]);
    const duration = /^REPORT RequestId: \S+\s+Duration: ([\d.]+) ms/.exec(entry.msg ?? "");
    if (duration?.[1] && entry.fn)
      reports.push({ fn: entry.fn, durationMs: Number(duration[1]), at: performance.now() });
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
  }
  return { child, url };
}

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

async function main(): Promise<void> {
  const mail = await startMailSink();
  const reports: Report[] = [];
  const { child, url: ready } = startLambkin(mail.port, reports);
  try {
    const url = await Promise.race([
      ready,
      sleep(TIMEOUT_MS).then(() => {
        throw new Error("lambkin dev did not start");
      }),
    ]);
    console.log(
      `Lambkin coupon-shop benchmark — node ${process.version}, ${COUPONS} coupons one after the other on lambkin dev (${url})`,
    );
    const latencies: number[] = [];
    const handlerSums: number[] = [];
    for (let index = -1; index < COUPONS; index++) {
      const firstReport = reports.length;
      const mailsBefore = mail.arrivals.length;
      const started = performance.now();
      const response = await fetch(`${url}/coupons`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
        body: JSON.stringify({
          email: `bench${index + 1}@example.com`,
          amount: 25,
          paymentReference: `pay-${index}`,
        }),
      });
      if (response.status !== 201)
        throw new Error(`POST /coupons answered ${response.status}: ${await response.text()}`);
      const coupon = (await response.json()) as { code: string };
      // One coupon at a time: the next message is this coupon's.
      const arrival = await until(`the mail of coupon ${coupon.code}`, () => mail.arrivals[mailsBefore]);
      if (!arrival.head.includes(coupon.code))
        throw new Error(`the mail received does not name coupon ${coupon.code}`);
      const received = arrival.at;
      // The mail function's REPORT follows its send (it then marks the coupon mailed).
      await until("the chain's REPORT lines", () => {
        const chain = reports.slice(firstReport);
        return chain.some((report) => /mail/i.test(report.fn) && report.at >= received) ? chain : undefined;
      });
      if (index < 0) continue; // the first coupon starts every environment: not measured
      latencies.push(received - started);
      handlerSums.push(reports.slice(firstReport).reduce((sum, report) => sum + report.durationMs, 0));
    }
    const row = (name: string, samples: number[]) =>
      console.log(
        `${name.padEnd(44)} p50 ${ms(percentile(samples, 50)).padStart(10)}   p95 ${ms(percentile(samples, 95)).padStart(10)}`,
      );
    row("POST /coupons → mail received", latencies);
    row("sum of the chain's handler durations", handlerSums);
    const overhead = latencies.map((latency, index) => latency - (handlerSums[index] ?? 0));
    row("what Lambkin adds (difference per coupon)", overhead);
    console.log(
      `handlers are ${((percentile(handlerSums, 50) / percentile(latencies, 50)) * 100).toFixed(0)}% of the p50 latency; the rest is polling the stream (every 250 ms when idle), queues, sandboxes and the local services`,
    );
  } finally {
    child.kill("SIGTERM");
    mail.close();
  }
}

await main();
