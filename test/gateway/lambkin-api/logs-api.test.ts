// GET /_lambkin/logs served by a gateway that keeps no invocation logs (a 501 with its code, and `lambkin logs`
// says so), and by one with access keys: unsigned requests refused, `lambkin logs --follow` signs its
// stream with AWS_ACCESS_KEY_ID and gets the events as they are written.
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../../../gateway/gateway-app.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import { RecentLogs } from "../../../runtime/logs/recent-logs.js";
import { eventually } from "../../support/eventually.js";
import { runLambkin } from "../../support/run-lambkin.js";
import { type LocalBackend, localBackend } from "../local-backend.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const SERVICE = join(ROOT, "test", "fixtures", "logs");
const KEY = { accessKeyId: "AKIDLAMBKINLOGS00001", secretAccessKey: "logs-secret/abc+123" };
const STREAM = "2026/12/02/[$LATEST]00000000000000000000000000000001";

async function listening(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

describe("/_lambkin/logs", () => {
  let runtime: LambkinRuntime;
  let local: LocalBackend;
  let gateway: FastifyInstance;
  let signed: FastifyInstance;
  let gatewayUrl: string;
  let signedUrl: string;
  const recent = new RecentLogs();

  beforeAll(async () => {
    runtime = await startRuntime({ dir: SERVICE, logger: pino({ level: "silent" }), env: {} });
    local = await localBackend(runtime);
    // Built without recent logs: it runs no function and receives none.
    gateway = await createGateway({
      backend: local.backend,
      logger: pino({ level: "silent" }),
      deadLetters: local.queue.deadLetters,
    });
    signed = await createGateway({
      backend: local.backend,
      logger: pino({ level: "silent" }),
      accessKeys: new Map([[KEY.accessKeyId, KEY.secretAccessKey]]),
      deadLetters: local.queue.deadLetters,
      recentLogs: recent,
    });
    gatewayUrl = await listening(gateway);
    signedUrl = await listening(signed);
  });
  afterAll(async () => {
    await gateway?.close();
    await signed?.close();
    await local?.close();
    await runtime?.close();
  });

  it("a gateway without recent logs answers 501 LKN_ERR_LOGS_UNAVAILABLE, and says where the logs are", async () => {
    for (const query of ["", "?follow=1"]) {
      const response = await fetch(`${gatewayUrl}/_lambkin/logs${query}`);
      expect(response.status).toBe(501);
      const body = (await response.json()) as { code: string; message: string };
      expect(body.code).toBe("LKN_ERR_LOGS_UNAVAILABLE");
      expect(body.message).toContain("workers");
    }
    const run = await runLambkin(["logs", "--follow", "--endpoint", gatewayUrl]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("[LKN_ERR_LOGS_UNAVAILABLE]");
  });

  it("refuses a bad query with a 400 (or a 404 for an unknown function) in Lambkin's JSON, followed or not", async () => {
    const kept = new RecentLogs();
    const app = await createGateway({
      backend: local.backend,
      logger: pino({ level: "silent" }),
      deadLetters: local.queue.deadLetters,
      recentLogs: kept,
    });
    const url = await listening(app);
    try {
      for (const [query, status, code] of [
        ["limit=0", 400, "LKN_ERR_ADMIN_REQUEST_INVALID"],
        ["limit=abc", 400, "LKN_ERR_ADMIN_REQUEST_INVALID"],
        ["limit=10001", 400, "LKN_ERR_ADMIN_REQUEST_INVALID"],
        ["since=tomorrow&follow=1", 400, "LKN_ERR_ADMIN_REQUEST_INVALID"],
        [`filter=${encodeURIComponent('"unclosed')}&follow=1`, 400, "LKN_ERR_ADMIN_REQUEST_INVALID"],
        [`filter=${encodeURIComponent("[a, b]")}`, 400, "LKN_ERR_ADMIN_REQUEST_INVALID"],
        [`function=${"x".repeat(2000)}&follow=1`, 404, "LKN_ERR_LOGS_FUNCTION_NOT_FOUND"],
        [
          "function=arn:aws:lambda:us-east-1:000000000000:function:nope",
          404,
          "LKN_ERR_LOGS_FUNCTION_NOT_FOUND",
        ],
      ] as const) {
        const response = await fetch(`${url}/_lambkin/logs?${query}`);
        expect(response.status, query).toBe(status);
        expect(response.headers.get("content-type"), query).toMatch(/^application\/json/);
        expect(((await response.json()) as { code: string }).code, query).toBe(code);
      }
      expect(kept.stats().followers).toBe(0);
    } finally {
      await app.close();
    }
  });

  it("with access keys: unsigned is refused; lambkin logs --follow signs its stream", async () => {
    const unsigned = await fetch(`${signedUrl}/_lambkin/logs?follow=1`);
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { code: string }).code).toBe("LKN_ERR_ADMIN_UNAUTHENTICATED");
    recent.append("logs-dev-talk", STREAM, "kept before", "r-1");
    const child = spawn(
      process.execPath,
      [
        join(ROOT, "bin", "lambkin.js"),
        "logs",
        "talk",
        "--follow",
        "--filter",
        "signed -skip",
        "--endpoint",
        signedUrl,
      ],
      {
        env: {
          ...process.env,
          NO_COLOR: "1",
          AWS_ACCESS_KEY_ID: KEY.accessKeyId,
          AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
          AWS_SESSION_TOKEN: "",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await eventually(async () => expect(recent.stats().followers, stderr).toBe(1));
      recent.append("logs-dev-talk", STREAM, "signed line", "r-2");
      recent.append("logs-dev-talk", STREAM, "signed skip", "r-3");
      recent.append("logs-dev-fail", STREAM, "signed elsewhere", "r-4");
      await eventually(async () => expect(stdout).toContain("signed line"));
      expect(stdout).toMatch(
        /^\d{4}-\d\d-\d\dT[\d:.]+\+00:00 2026\/12\/02\/\[\$LATEST\]0{31}1 signed line\n$/,
      );
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      await eventually(async () => expect(recent.stats().followers).toBe(0));
    } finally {
      child.kill("SIGKILL");
    }
  });
});
