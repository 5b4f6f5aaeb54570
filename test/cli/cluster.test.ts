// `lambkin gateway` + `lambkin worker` on a real redis-server, called with the AWS SDK v3: synchronous invocations
// are run by a worker and answered exactly as `lambkin dev` answers them (bytes, function errors, log tails,
// throttles), the concurrency caps hold across two workers, events run on a worker, a worker stops gracefully,
// a gateway without workers answers at the deadline, and hostile envelopes written into Redis are skipped.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { InvokeCommand, LambdaClient, TooManyRequestsException } from "@aws-sdk/client-lambda";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../bench/redis-server.js";
import { eventually } from "../support/eventually.js";
import { freshStateDir } from "../support/state-dir.js";
import { type LambkinProcess, startLambkin, stopLambkin } from "./cluster-process.js";
import { ROOT } from "./dev-process.js";

const SERVICE = join(ROOT, "test", "fixtures", "cluster");
const fn = (key: string) => `cluster-dev-${key}`;

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
}, 30_000);
afterAll(async () => {
  await redis?.dispose();
});

/** Each cluster of a test gets its own key prefix on the one redis-server. */
function clusterEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { REDIS_URL: redis.url, LAMBKIN_REDIS_PREFIX: `test-${randomUUID()}`, ...extra };
}

function lambdaClient(url: string): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDCLUSTER", secretAccessKey: "secret" },
    maxAttempts: 1,
  });
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("a gateway and two workers", () => {
  let env: NodeJS.ProcessEnv;
  let gateway: LambkinProcess;
  let workers: LambkinProcess[];
  let client: LambdaClient;

  beforeAll(async () => {
    env = clusterEnv({ LAMBKIN_ASYNC_RETRY_DELAYS: "0" });
    workers = await Promise.all(
      ["A", "B"].map((name) => startLambkin("worker", SERVICE, { ...env, WORKER_NAME: name })),
    );
    gateway = await startLambkin("gateway", SERVICE, env);
    client = lambdaClient(gateway.url);
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await stopLambkin(gateway);
    await Promise.all((workers ?? []).map(stopLambkin));
  });

  it("runs no environment in the gateway and hands back the function's exact bytes", async () => {
    const text = 'héllo \u2028 "quoted" \\ 🐑 \u0000';
    const response = await client.send(
      new InvokeCommand({ FunctionName: fn("echoText"), Payload: json({ text }) }),
    );
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBeUndefined();
    expect(response.ExecutedVersion).toBe("$LATEST");
    expect(Buffer.from(response.Payload ?? new Uint8Array()).equals(json(text))).toBe(true);
    // Log lines reach the output in batches, after the answer (cli/batched-output.ts).
    await eventually(async () =>
      expect(workers.map((worker) => worker.output()).join("")).toContain("START RequestId"),
    );
    expect(gateway.output()).not.toContain("START RequestId");
  });

  it("hands back a function error with X-Amz-Function-Error and the error object", async () => {
    const response = await client.send(new InvokeCommand({ FunctionName: fn("fails"), Payload: json({}) }));
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe("Unhandled");
    const error = JSON.parse(Buffer.from(response.Payload ?? new Uint8Array()).toString());
    expect(error).toMatchObject({ errorType: "ClusterFixtureError", errorMessage: "worker-side failure" });
  });

  it("hands back the log tail for X-Amz-Log-Type: Tail", async () => {
    const marker = randomUUID();
    const response = await client.send(
      new InvokeCommand({ FunctionName: fn("logs"), Payload: json({ marker }), LogType: "Tail" }),
    );
    const tail = Buffer.from(response.LogResult ?? "", "base64").toString();
    expect(tail).toContain(`LOG-MARKER ${marker}`);
    expect(tail).toMatch(/START RequestId: [\w-]+ Version: \$LATEST/);
    expect(tail).toMatch(/REPORT RequestId: /);
  });

  it("spreads synchronous invocations over both workers", async () => {
    const seen = new Set<string>();
    for (let round = 0; round < 5 && seen.size < 2; round++) {
      const replies = await Promise.all(
        Array.from({ length: 8 }, () =>
          client.send(new InvokeCommand({ FunctionName: fn("whoAmI"), Payload: json({}) })),
        ),
      );
      for (const reply of replies)
        seen.add(JSON.parse(Buffer.from(reply.Payload ?? new Uint8Array()).toString()).worker);
    }
    expect([...seen].sort()).toEqual(["A", "B"]);
  });

  it("refuses synchronous calls over a reserved concurrency of 2 at once, across both workers", async () => {
    const key = `probe-${randomUUID()}`;
    const settled: string[] = [];
    const calls = Array.from({ length: 6 }, () =>
      client
        .send(
          new InvokeCommand({
            FunctionName: fn("capped"),
            Payload: json({ redisPort: redis.port, key, ms: 4000 }),
          }),
        )
        .then(
          (reply) => {
            settled.push("ran");
            return reply;
          },
          (error: unknown) => {
            settled.push("refused");
            return error;
          },
        ),
    );
    const outcomes = await Promise.all(calls);
    const refusals = outcomes.filter((outcome) => outcome instanceof TooManyRequestsException);
    expect(refusals).toHaveLength(4);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ Reason: "ReservedFunctionConcurrentInvocationLimitExceeded" });
    }
    // At once: every refusal was answered before any of the held invocations (4 s each) ended.
    expect(settled).toEqual(["refused", "refused", "refused", "refused", "ran", "ran"]);
    const probe = new Redis(redis.url);
    const peak = Number(await probe.get(`${key}:peak`));
    probe.disconnect();
    expect(peak).toBe(2);
  });

  it("runs an Event invocation sent to the gateway on a worker", async () => {
    const marker = randomUUID();
    const response = await client.send(
      new InvokeCommand({ FunctionName: fn("record"), InvocationType: "Event", Payload: json({ marker }) }),
    );
    expect(response.StatusCode).toBe(202);
    await eventually(async () => {
      if (!workers.some((worker) => worker.output().includes(`RECORD {"marker":"${marker}"}`)))
        throw new Error("not run yet");
    });
    expect(gateway.output()).not.toContain(marker);
  });

  it("reports and skips malformed envelopes pushed into Redis, and goes on", async () => {
    const prefix = env.LAMBKIN_REDIS_PREFIX as string;
    const writer = new Redis(redis.url);
    const list = `${prefix}:sync:requests`;
    await writer.lpush(list, "{ not json");
    await writer.lpush(list, JSON.stringify({ v: 99, id: "x", replyTo: "elsewhere" }));
    await writer.lpush(list, JSON.stringify([1, 2, 3]));
    writer.disconnect();
    await eventually(async () => {
      const reports = workers.map((worker) => worker.output()).join("");
      const count = reports.split("LKN_WRN_CLUSTER_REQUEST_MALFORMED").length - 1;
      if (count < 3) throw new Error(`${count} reported`);
    });
    const all = workers.map((worker) => worker.output()).join("");
    expect(all).toContain("not JSON");
    expect(all).toContain("version 99 is not one this Lambkin reads");
    const response = await client.send(
      new InvokeCommand({ FunctionName: fn("echoText"), Payload: json({ text: "still here" }) }),
    );
    expect(Buffer.from(response.Payload ?? new Uint8Array()).toString()).toBe('"still here"');
    for (const worker of workers) expect(worker.child.exitCode).toBeNull();
  });
});

describe("a worker stopped with SIGTERM", () => {
  it("lets the invocation in flight finish, takes no new one, and exits 0", async () => {
    const env = clusterEnv();
    const worker = await startLambkin("worker", SERVICE, { ...env, WORKER_NAME: "A" });
    const gateway = await startLambkin("gateway", SERVICE, env);
    const client = lambdaClient(gateway.url);
    const watcher = new Redis(redis.url);
    try {
      const marker = randomUUID();
      const held = client.send(
        new InvokeCommand({ FunctionName: fn("hold"), Payload: json({ marker, ms: 3000 }) }),
      );
      await eventually(async () => {
        if (!worker.output().includes(`HOLDING ${marker}`)) throw new Error("not started yet");
      });
      worker.child.kill("SIGTERM");
      await eventually(async () => {
        if (!worker.output().includes("SIGTERM: stopping")) throw new Error("no signal yet");
      });
      // A call arriving now waits in Redis: the stopping worker does not take it.
      const late = fetch(`${gateway.url}/2015-03-31/functions/${fn("whoAmI")}/invocations`, {
        method: "POST",
        body: "{}",
      }).catch(() => undefined);
      const list = `${env.LAMBKIN_REDIS_PREFIX}:sync:requests`;
      await eventually(async () => {
        if ((await watcher.llen(list)) !== 1) throw new Error("not queued yet");
      });
      const reply = await held;
      expect(reply.FunctionError).toBeUndefined();
      expect(JSON.parse(Buffer.from(reply.Payload ?? new Uint8Array()).toString())).toEqual({
        held: marker,
        worker: "A",
      });
      expect(await worker.exited).toBe(0);
      expect(await watcher.llen(list)).toBe(1);
      // The gateway, stopping, takes back what no worker took and answers it at once.
      gateway.child.kill("SIGTERM");
      const answer = await late;
      expect(answer?.status).toBe(500);
      expect(await answer?.text()).toContain("LKN_ERR_CLUSTER_NO_WORKER");
      expect(await gateway.exited).toBe(0);
      expect(await watcher.llen(list)).toBe(0);
    } finally {
      watcher.disconnect();
      client.destroy();
      await stopLambkin(gateway);
      await stopLambkin(worker);
    }
  }, 60_000);
});

describe("a gateway with no worker", () => {
  it("answers ServiceException at the deadline and takes its request back", async () => {
    const env = clusterEnv();
    const gateway = await startLambkin("gateway", SERVICE, env);
    const watcher = new Redis(redis.url);
    try {
      // quick: 1 s timeout, so the deadline is 1 s + 10 s init + 2 s.
      const started = Date.now();
      const response = await fetch(`${gateway.url}/2015-03-31/functions/${fn("quick")}/invocations`, {
        method: "POST",
        body: "{}",
      });
      expect(response.status).toBe(500);
      expect(response.headers.get("x-amzn-errortype")).toBe("ServiceException");
      const body = (await response.json()) as { Message: string };
      expect(body.Message).toContain("[LKN_ERR_CLUSTER_NO_WORKER] no worker took the invocation");
      expect(Date.now() - started).toBeGreaterThanOrEqual(12_000);
      expect(await watcher.llen(`${env.LAMBKIN_REDIS_PREFIX}:sync:requests`)).toBe(0);
    } finally {
      watcher.disconnect();
      await stopLambkin(gateway);
    }
  }, 60_000);

  it("refuses to start without REDIS_URL, with its code", () => {
    for (const command of ["gateway", "worker"]) {
      const run = spawnSync(process.execPath, [join(ROOT, "bin", "lambkin.js"), command, "--dir", SERVICE], {
        env: { ...process.env, REDIS_URL: "", NO_COLOR: "1", LAMBKIN_STATE_DIR: freshStateDir() },
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`[LKN_ERR_CLUSTER_REDIS_REQUIRED] lambkin ${command} needs REDIS_URL`);
    }
  });
});

describe("functions/hello through a gateway and a worker", () => {
  it("serves GET /hello", async () => {
    const env = clusterEnv();
    const dir = join(ROOT, "functions", "hello");
    const worker = await startLambkin("worker", dir, env);
    const gateway = await startLambkin("gateway", dir, env);
    try {
      const response = await fetch(`${gateway.url}/hello`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ message: "Hello Lambda" });
      await eventually(async () => expect(worker.output()).toContain("START RequestId"));
      expect(gateway.output()).not.toContain("START RequestId");
    } finally {
      await stopLambkin(gateway);
      await stopLambkin(worker);
    }
  }, 60_000);
});
