/**
 * SQS event sources across processes, as on-prem runs them: the queues and messages in Redis, two real
 * `lambkin worker`s polling the declared queue. A message sent by another process (here, the test, through the
 * Redis SQS store) is handled once; stopping a worker in the middle loses nothing — the other takes over the
 * queue, and the stopped one's declared queues and messages stay.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import { RedisSqsStore } from "../../../triggers/sqs/redis/redis-sqs-store.js";
import { type LambkinProcess, ROOT, startLambkin, stopLambkin } from "../../cli/cluster-process.js";
import { eventually } from "../../support/eventually.js";

const SERVICE = join(ROOT, "test", "fixtures", "sqs-events");

describe("SQS event sources in lambkin worker, on Redis", () => {
  let redis: RedisServer;
  let store: RedisSqsStore;
  const workers: LambkinProcess[] = [];
  const prefix = `lkn-sqs-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, LAMBKIN_REDIS_PREFIX: prefix };
    workers.push(await startLambkin("worker", SERVICE, env), await startLambkin("worker", SERVICE, env));
    store = await RedisSqsStore.connect({ redisUrl: redis.url, region: "eu-west-1", prefix });
  });
  afterAll(async () => {
    for (const worker of workers) await stopLambkin(worker);
    await store?.close();
    await redis?.dispose();
  });

  /** Bodies handled by `consume`, across both workers. */
  const handled = () =>
    workers.flatMap((worker) =>
      worker
        .output()
        .split("\n")
        .filter((line) => line.includes("RECORD sqsevents-dev-consume "))
        .flatMap((line) => {
          const event = JSON.parse(line.slice(line.indexOf("{"))) as { Records: { body: string }[] };
          return event.Records.map((record) => record.body);
        }),
    );

  it("creates the declared queues in Redis and handles each message once across two workers", async () => {
    expect(workers[0]?.output()).toContain(
      "8 declared queue(s) ready, 6 sqs event source mapping(s) polling",
    );
    expect((await store.getQueueAttributes("flaky")).VisibilityTimeout).toBe("1");
    const bodies = Array.from({ length: 30 }, (_, index) => `m-${index}`);
    for (let start = 0; start < bodies.length; start += 10) {
      await store.sendMessages(
        "jobs",
        bodies.slice(start, start + 10).map((body) => ({ body })),
      );
    }
    await eventually(async () => expect(handled().sort()).toEqual([...bodies].sort()));
  });

  it("keeps polling with the worker that is left when one stops; nothing is lost", async () => {
    await stopLambkin(workers[0]);
    const before = handled().length;
    await store.sendMessages("jobs", [{ body: "after-stop" }]);
    await eventually(async () => expect(handled().slice(before)).toEqual(["after-stop"]));
  });
});
