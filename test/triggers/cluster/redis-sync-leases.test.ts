// The Redis sync channel with the cluster's concurrency leases taken at the gateway (a real redis-server, the real
// RedisConcurrencyLimiter a worker runs): a call over a cap is refused at once at the gateway, before any worker;
// the unit travels with the request and the worker adopts it; a request taken back at its deadline, or taken by a
// worker after it, gives its unit back.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import type { ConcurrencyLimitedFunction } from "../../../runtime/concurrency/concurrency-plan.js";
import { RedisConcurrencyLimiter } from "../../../runtime/concurrency/redis-concurrency-limiter.js";
import { RedisLeaseLayout } from "../../../runtime/concurrency/redis-lease-layout.js";
import { ServiceError } from "../../../runtime/errors/service-errors.js";
import type { InvocationRequest } from "../../../runtime/invocation/invocation-request.js";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";
import { LogTail } from "../../../runtime/logs/log-tail.js";
import type { ChannelReport } from "../../../triggers/cluster/interfaces/sync-channel.js";
import { encodeRequest } from "../../../triggers/cluster/interfaces/sync-envelope.js";
import { RedisSyncInvocationClient } from "../../../triggers/cluster/redis/redis-sync-client.js";
import { RedisSyncInvocationServer } from "../../../triggers/cluster/redis/redis-sync-server.js";
import { syncChannelKeys } from "../../../triggers/cluster/redis/sync-channel-keys.js";

const TTL_MS = 2_000;
const fn: ConcurrencyLimitedFunction = { name: "svc-dev-capped", reservedConcurrency: 1 };

let redis: RedisServer;
let observer: Redis;
beforeAll(async () => {
  redis = await startRedisServer();
  observer = new Redis(redis.url);
});
afterAll(async () => {
  observer?.disconnect();
  await redis?.dispose();
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function request(): InvocationRequest {
  return {
    functionName: fn.name,
    payload: Buffer.from("{}"),
    invocationType: "RequestResponse",
    requestId: randomUUID(),
    traceId: "Root=1-abc",
    attempt: 1,
    source: "test",
  };
}

function resultOf(req: InvocationRequest): InvokeResult {
  return {
    requestId: req.requestId,
    functionName: req.functionName,
    executedVersion: "$LATEST",
    payload: Buffer.from('"ok"'),
    status: "success",
    durationMs: 1,
    maxMemoryUsedMB: 1,
    logTail: new LogTail(),
  };
}

/** A cluster's pieces under a fresh prefix: a gateway's client (with leases) and a worker's limiter. */
async function cluster() {
  const prefix = `lambkin-test-${randomUUID()}`;
  const reports: ChannelReport[] = [];
  const layout = new RedisLeaseLayout(100, [fn], `${prefix}:concurrency`);
  const client = await RedisSyncInvocationClient.connect({
    redisUrl: redis.url,
    prefix,
    reporter: (report) => reports.push(report),
    leases: { slotOf: () => layout.slotOf(fn), ttlMs: TTL_MS },
  });
  const limiter = await RedisConcurrencyLimiter.connect({
    redisUrl: redis.url,
    keyPrefix: `${prefix}:concurrency`,
    accountLimit: 100,
    functions: [fn],
    leaseTtlMs: TTL_MS,
  });
  closers.push(
    () => client.close(),
    () => limiter.close(),
  );
  const server = async () => {
    const created = await RedisSyncInvocationServer.connect({
      redisUrl: redis.url,
      prefix,
      reporter: (report) => reports.push(report),
    });
    closers.push(() => created.close({ timeoutMs: 1_000 }));
    return created;
  };
  return { prefix, client, limiter, server, reports, requests: syncChannelKeys(prefix).requests };
}

describe("the Redis sync channel with leases taken at the gateway", () => {
  it("refuses a call over the cap at once, at the gateway, with no worker and nothing queued", async () => {
    const { client, limiter, requests } = await cluster();
    const held = await limiter.tryAcquire(fn);
    expect(typeof held).not.toBe("string");
    // No worker runs: without the gateway's check this call would wait for its deadline (ServiceException).
    const refusal = await client.call(request(), Date.now() + 30_000).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ServiceError);
    expect((refusal as ServiceError).errorName).toBe("TooManyRequestsException");
    expect((refusal as ServiceError).extra.reason).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
    expect(await observer.llen(requests)).toBe(0);
    expect(client.inFlight).toBe(0);
  });

  it("counts the unit while the request waits, and gives it back when the deadline takes the request back", async () => {
    const { client, limiter, requests } = await cluster();
    const call = client.call(request(), Date.now() + 1_000).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await limiter.inUse(fn)).toBe(1);
    expect(await limiter.tryAcquire(fn)).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
    const answer = await call;
    expect((answer as ServiceError).message).toContain("LKN_ERR_CLUSTER_NO_WORKER");
    expect(await observer.llen(requests)).toBe(0);
    expect(await limiter.inUse(fn)).toBe(0);
  });

  it("hands the unit to the worker, which adopts it (no second unit) and releases it when done", async () => {
    const { client, limiter, server } = await cluster();
    const worker = await server();
    let inUseWhileRunning: number | undefined;
    let refusedWhileRunning: unknown;
    worker.serve(
      async (req, handedOverLease) => {
        if (handedOverLease === undefined) throw new Error("no lease came with the request");
        const lease = limiter.adopt(fn, handedOverLease);
        try {
          inUseWhileRunning = await limiter.inUse(fn);
          refusedWhileRunning = await client.call(request(), Date.now() + 30_000).catch((error) => error);
          return resultOf(req);
        } finally {
          await lease.release();
        }
      },
      { concurrency: 4 },
    );
    const result = await client.call(request(), Date.now() + 30_000);
    expect(result.payload.toString()).toBe('"ok"');
    expect(inUseWhileRunning).toBe(1);
    expect((refusedWhileRunning as ServiceError).errorName).toBe("TooManyRequestsException");
    expect(await limiter.inUse(fn)).toBe(0);
  });

  it("gives back the unit of a request a worker takes after its deadline, without running it", async () => {
    const { prefix, limiter, server, reports, requests } = await cluster();
    const layout = new RedisLeaseLayout(100, [fn], `${prefix}:concurrency`);
    const slot = layout.slotOf(fn);
    // A unit taken as a gateway takes it, for a request whose deadline has passed (its gateway could not take it
    // back: Redis was unreachable then).
    const leaseId = `gateway:1:${randomUUID().slice(0, 8)}:1`;
    await observer.zadd(slot.accountKey, Date.now() + 60_000, leaseId);
    await observer.zadd(slot.poolKey, Date.now() + 60_000, leaseId);
    const envelope = encodeRequest(request(), {
      id: randomUUID(),
      replyTo: `${syncChannelKeys(prefix).replyPrefix}gone`,
      deadline: Date.now() - 1,
      lease: leaseId,
    });
    await observer.lpush(requests, envelope);
    expect(await limiter.inUse(fn)).toBe(1);
    const worker = await server();
    let ran = false;
    worker.serve(
      async (req) => {
        ran = true;
        return resultOf(req);
      },
      {
        concurrency: 1,
        discardLease: (_req, id) => void limiter.adopt(fn, id).release(),
      },
    );
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await limiter.inUse(fn)) > 0)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await limiter.inUse(fn)).toBe(0);
    expect(ran).toBe(false);
    expect(reports.map((report) => report.code)).toContain("LKN_WRN_CLUSTER_REQUEST_EXPIRED");
  });
});
