// `lambkin dev` serves the SQS API on its port out of the box, over the job queue's backend: the embedded file by
// default, Redis (keys under `<prefix>:sqs`) with REDIS_URL — and messages survive a restart of `lambkin dev`.

import { join } from "node:path";
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import { type LambkinProcess, ROOT, startLambkin, stopLambkin } from "../../cli/cluster-process.js";
import { freshStateDir } from "../../support/state-dir.js";
import { TEST_KEY, uniqueQueueName } from "./sqs-api-server.js";

const SERVICE = join(ROOT, "functions", "hello");

function sqsAt(url: string): SQSClient {
  return new SQSClient({ endpoint: url, region: "us-east-1", credentials: TEST_KEY, maxAttempts: 1 });
}

describe("lambkin dev, embedded", () => {
  it("serves SQS on its port, and the messages outlive the process", async () => {
    const state = freshStateDir();
    let dev: LambkinProcess | undefined = await startLambkin("dev", SERVICE, { LAMBKIN_STATE_DIR: state });
    const name = uniqueQueueName("dev");
    try {
      const sqs = sqsAt(dev.url);
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "kept" }));
      sqs.destroy();
      await stopLambkin(dev);
      dev = await startLambkin("dev", SERVICE, { LAMBKIN_STATE_DIR: state });
      const again = sqsAt(dev.url);
      const url = `${dev.url}/000000000000/${name}`;
      const received = await again.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2 }));
      expect(received.Messages?.[0]?.Body).toBe("kept");
      again.destroy();
    } finally {
      await stopLambkin(dev);
    }
  }, 60_000);
});

describe("lambkin dev with REDIS_URL", () => {
  let redis: RedisServer;
  let dev: LambkinProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
    dev = await startLambkin("dev", SERVICE, { REDIS_URL: redis.url, LAMBKIN_REDIS_PREFIX: "sqsapi" });
  }, 60_000);
  afterAll(async () => {
    await stopLambkin(dev);
    await redis?.dispose();
  });

  it("keeps the queues in Redis under the prefix", async () => {
    const sqs = sqsAt(dev.url);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueQueueName("redis") }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "in redis" }));
    expect(
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }))).Messages?.[0]?.Body,
    ).toBe("in redis");
    sqs.destroy();
    const client = new Redis(redis.url);
    try {
      expect((await client.keys("sqsapi:sqs*")).length).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });
});
