// `lambkin logs` against `lambkin gateway`: the lines of the functions its workers run reach the gateway through
// Redis (triggers/cluster/redis/redis-log-forwarding.ts), live with --follow and kept for a later read.
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../bench/redis-server.js";
import { eventually } from "../support/eventually.js";
import { runLambkin } from "../support/run-lambkin.js";
import { type LambkinProcess, startLambkin, stopLambkin } from "./cluster-process.js";
import { ROOT } from "./dev-process.js";

const SERVICE = join(ROOT, "test", "fixtures", "cluster");
const STREAM = "\\d{4}/\\d{2}/\\d{2}/\\[\\$LATEST\\][0-9a-f]{32}";

describe("lambkin logs on a gateway and a worker", () => {
  let redis: RedisServer;
  let gateway: LambkinProcess;
  let worker: LambkinProcess;
  let follower: ChildProcess | undefined;
  const prefix = `test-logs-${randomUUID()}`;

  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, LAMBKIN_REDIS_PREFIX: prefix };
    worker = await startLambkin("worker", SERVICE, env);
    gateway = await startLambkin("gateway", SERVICE, env);
  }, 60_000);
  afterAll(async () => {
    follower?.kill("SIGKILL");
    await stopLambkin(gateway);
    await stopLambkin(worker);
    await redis?.dispose();
  });

  const followers = async () => {
    const response = await fetch(`${gateway.url}/_lambkin/logs?limit=1`);
    return ((await response.json()) as { buffer: { followers: number } }).buffer.followers;
  };

  it("follows the worker's lines live, and keeps them for a later read", async () => {
    follower = spawn(
      process.execPath,
      [
        join(ROOT, "bin", "lambkin.js"),
        "logs",
        "logs",
        "--follow",
        "--filter",
        "LOG-MARKER",
        "--endpoint",
        gateway.url,
      ],
      { env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    follower.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    await eventually(async () => expect(await followers()).toBe(1));
    // Whatever else is published on the channel is skipped: the gateway goes on.
    const publisher = new Redis(redis.url);
    for (const junk of [
      "not json",
      '{"lines":"x"}',
      '{"lines":[{"f":1,"s":"s","m":"LOG-MARKER junk","t":1}]}',
      "null",
    ])
      await publisher.publish(`${prefix}:logs`, junk);
    publisher.disconnect();
    const marker = randomUUID();
    const response = await fetch(`${gateway.url}/2015-03-31/functions/cluster-dev-logs/invocations`, {
      method: "POST",
      body: JSON.stringify({ marker }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-amzn-requestid") ?? "";
    await eventually(async () => expect(stdout).toContain(`LOG-MARKER ${marker}`));
    expect(stdout).not.toContain("LOG-MARKER junk");
    expect(stdout).toMatch(new RegExp(` ${STREAM} .*${requestId}.*LOG-MARKER ${marker}`));
    // In the gateway's own output there is still no function line: they are the worker's.
    expect(gateway.output()).not.toContain("START RequestId");
    const later = await runLambkin(["logs", "logs", "--endpoint", gateway.url]);
    expect(later.code).toBe(0);
    expect(later.stdout).toMatch(
      new RegExp(` ${STREAM} START RequestId: ${requestId} Version: \\$LATEST\\n`),
    );
    expect(later.stdout).toMatch(new RegExp(` ${STREAM} REPORT RequestId: ${requestId}\\t`));
  });
});
