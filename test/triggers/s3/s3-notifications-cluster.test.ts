/**
 * S3 notifications in a cluster: posted to a `lambkin gateway` (which runs no function), queued in a real
 * redis-server, run by a `lambkin worker` in AWS's event shape. While Redis is down the post is refused with
 * 503 (never a 202 for an event that is then lost); once Redis is back the same post is taken and runs.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { S3Schema } from "@aws-lambda-powertools/parser/schemas/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import { type LambkinProcess, ROOT, startLambkin, stopLambkin } from "../../cli/cluster-process.js";
import { eventually } from "../../support/eventually.js";

const SERVICE = join(ROOT, "test", "fixtures", "s3-events");

function record(key: string) {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    eventTime: "2026-12-02T10:00:00.000Z",
    eventName: "ObjectCreated:Put",
    s3: { bucket: { name: "photos" }, object: { key, size: 3, eTag: "abc" } },
  };
}

describe("S3 notifications through a gateway and a worker on Redis", () => {
  let redis: RedisServer;
  let gateway: LambkinProcess;
  let worker: LambkinProcess;

  beforeAll(async () => {
    redis = await startRedisServer({ appendonly: true });
    const env = {
      REDIS_URL: redis.url,
      LAMBKIN_REDIS_PREFIX: `s3-${randomUUID()}`,
      LAMBKIN_ASYNC_RETRY_DELAYS: "0",
    };
    worker = await startLambkin("worker", SERVICE, env);
    gateway = await startLambkin("gateway", SERVICE, env);
  }, 60_000);
  afterAll(async () => {
    await stopLambkin(gateway);
    await stopLambkin(worker);
    await redis?.dispose();
  });

  const post = (body: unknown) =>
    fetch(`${gateway.url}/_lambkin/s3-events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });

  type Delivered = { Records: { s3: { object: { key: string } } }[] };
  const keyOf = (event: Delivered) => event.Records[0]?.s3.object.key;

  /** The events the worker's thumbnails function printed. */
  function received(): Delivered[] {
    const prefix = "RECORD s3events-dev-thumbnails ";
    return worker
      .output()
      .split("\n")
      .flatMap((line) => {
        const at = line.indexOf(prefix);
        return at === -1 ? [] : [JSON.parse(line.slice(at + prefix.length))];
      });
  }

  it("queues the invocation in Redis and a worker runs it with S3's event", async () => {
    const response = await post({ Records: [record("uploads/cluster+1.jpg")] });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ records: 1, invocations: 1 });
    const [event] = await eventually(() => {
      const events = received().filter((event) => keyOf(event) === "uploads/cluster+1.jpg");
      expect(events).toHaveLength(1);
      return events;
    });
    expect(S3Schema.strict().parse(event)).toEqual(event);
    expect(gateway.output()).not.toContain("RECORD ");
  });

  it("refuses with 503 while Redis is down, and takes the same post once it is back", async () => {
    await redis.stop();
    const refused = await post({ Records: [record("uploads/while-down.jpg")] });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: "LKN_ERR_QUEUE_UNAVAILABLE" });
    await redis.start();
    const accepted = await eventually(async () => {
      const response = await post({ Records: [record("uploads/after.jpg")] });
      expect(response.status).toBe(202);
      return response;
    });
    expect(await accepted.json()).toEqual({ records: 1, invocations: 1 });
    await eventually(() => {
      const keys = received().map(keyOf);
      expect(keys).toContain("uploads/after.jpg");
      expect(keys).not.toContain("uploads/while-down.jpg");
    });
  });
});
