/**
 * SNS in a cluster on one real redis-server: a `lambkin worker` declares serverless.yml's topics (in Redis) and
 * delivers destinations, a `lambkin gateway` serves the SNS API; a message published at the gateway reaches the
 * function on the worker, and a failing function's record reaches its onFailure queue in the shared SQS store.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { ListTopicsCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../bench/redis-server.js";
import type { SqsStore } from "../../../triggers/sqs/interfaces/index.js";
import { RedisSqsStore } from "../../../triggers/sqs/redis/redis-sqs-store.js";
import { type LambkinProcess, ROOT, startLambkin, stopLambkin } from "../../cli/cluster-process.js";
import { eventually } from "../../support/eventually.js";

const SERVICE = join(ROOT, "test", "fixtures", "sns-topics");

describe("SNS in a cluster (lambkin gateway + lambkin worker on Redis)", () => {
  let redis: RedisServer;
  let worker: LambkinProcess;
  let gateway: LambkinProcess;
  let client: SNSClient;
  let sqs: SqsStore;
  beforeAll(async () => {
    redis = await startRedisServer();
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const env = { REDIS_URL: redis.url, LAMBKIN_REDIS_PREFIX: prefix, LAMBKIN_ASYNC_RETRY_DELAYS: "0" };
    sqs = await RedisSqsStore.connect({ redisUrl: redis.url, prefix, region: "eu-west-1" });
    await sqs.createQueue("failures");
    worker = await startLambkin("worker", SERVICE, env);
    gateway = await startLambkin("gateway", SERVICE, env);
    client = new SNSClient({
      endpoint: gateway.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDSNS", secretAccessKey: "secret" },
      maxAttempts: 1,
    });
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await stopLambkin(gateway);
    await stopLambkin(worker);
    await sqs?.close();
    await redis?.dispose();
  });

  it("the worker's declared topics are the gateway's; a publish runs the function on the worker", async () => {
    const topics = await client.send(new ListTopicsCommand({}));
    expect(topics.Topics?.map((t) => t.TopicArn)).toContain("arn:aws:sns:eu-west-1:000000000000:orders");
    const { MessageId } = await client.send(
      new PublishCommand({ TopicArn: "arn:aws:sns:eu-west-1:000000000000:orders", Message: "to the worker" }),
    );
    await eventually(async () => {
      const line = worker
        .output()
        .split("\n")
        .find((l) => l.includes("RECORD snstopics-dev-orders ") && l.includes(String(MessageId)));
      expect(line).toBeDefined();
    });
  });

  it("a failing function's record reaches its onFailure queue in the shared store", async () => {
    const { MessageId } = await client.send(
      new PublishCommand({ TopicArn: "arn:aws:sns:eu-west-1:000000000000:fail-in", Message: "fail" }),
    );
    const [message] = await eventually(async () => {
      const received = await sqs.receiveMessages("failures", { maxNumberOfMessages: 10 });
      expect(received).toHaveLength(1);
      return received;
    });
    const record = JSON.parse(message?.body ?? "");
    expect(record.requestContext.condition).toBe("RetriesExhausted");
    expect(record.requestPayload.Records[0].Sns.MessageId).toBe(MessageId);
  });
});
