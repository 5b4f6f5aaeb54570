// `lambkin dev` and `lambkin gateway` serve the SQS API on their port, over the job queue's backend: the embedded file by
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
import { eventually } from "../../support/eventually.js";
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

describe("lambkin dev with sqs events", () => {
  it("a message sent through the SQS API (to the queue's AWS URL) runs the function mapped to the queue", async () => {
    const dev = await startLambkin("dev", join(ROOT, "test", "fixtures", "sqs-events"), {});
    try {
      const sqs = sqsAt(dev.url);
      const MessageAttributes = { kind: { DataType: "String", StringValue: "api" } };
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: "https://sqs.eu-west-1.amazonaws.com/000000000000/jobs",
          MessageBody: "from the SQS API",
          MessageAttributes,
        }),
      );
      sqs.destroy();
      const record = await eventually(async () => {
        const line = dev
          .output()
          .split("\n")
          .find(
            (text) =>
              text.includes("RECORD sqsevents-dev-consume") && text.includes(sent.MessageId as string),
          );
        if (!line) throw new Error("not handled yet");
        return JSON.parse(line.slice(line.indexOf("{"))) as { Records: Array<Record<string, unknown>> };
      });
      expect(record.Records[0]).toMatchObject({
        messageId: sent.MessageId,
        body: "from the SQS API",
        md5OfMessageAttributes: sent.MD5OfMessageAttributes,
        eventSourceARN: "arn:aws:sqs:eu-west-1:000000000000:jobs",
      });
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

describe("lambkin gateway (cluster)", () => {
  it("serves SQS from the cluster's Redis, and a `lambkin dev` on the same Redis sees the same queue", async () => {
    const redis = await startRedisServer();
    let gateway: LambkinProcess | undefined;
    let dev: LambkinProcess | undefined;
    try {
      const env = { REDIS_URL: redis.url, LAMBKIN_REDIS_PREFIX: "cluster" };
      gateway = await startLambkin("gateway", SERVICE, env);
      dev = await startLambkin("dev", SERVICE, env);
      const viaGateway = sqsAt(gateway.url);
      const name = uniqueQueueName("cluster");
      await viaGateway.send(new CreateQueueCommand({ QueueName: name }));
      await viaGateway.send(
        new SendMessageCommand({ QueueUrl: `${gateway.url}/000000000000/${name}`, MessageBody: "shared" }),
      );
      viaGateway.destroy();
      const viaDev = sqsAt(dev.url);
      const received = await viaDev.send(
        new ReceiveMessageCommand({ QueueUrl: `${dev.url}/000000000000/${name}`, WaitTimeSeconds: 2 }),
      );
      expect(received.Messages?.[0]?.Body).toBe("shared");
      viaDev.destroy();
    } finally {
      await stopLambkin(dev);
      await stopLambkin(gateway);
      await redis.dispose();
    }
  }, 90_000);
});
