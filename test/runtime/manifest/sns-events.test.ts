/**
 * `sns` events and AWS::SNS::Topic resources as the loader reads them: the topics and subscriptions to create,
 * the properties not reproduced warned at their key path, malformed ones refused with the file and key path.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ManifestError } from "../../../runtime/manifest/manifest-error.js";
import { load } from "./manifest-fixtures.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function service(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "lambkin-sns-manifest-"));
  dirs.push(dir);
  await writeFile(join(dir, "handler.js"), "exports.handler = async () => 1;\n");
  await writeFile(join(dir, "serverless.yml"), yaml);
  return dir;
}

const HEAD = `service: shop
provider:
  name: aws
  runtime: nodejs20.x
  region: eu-west-1
`;

describe("sns events and AWS::SNS::Topic resources", () => {
  it("reads names, ARNs, !Ref of a topic resource, filter policies and FIFO topics", async () => {
    const dir = await service(`${HEAD}functions:
  f:
    handler: handler.handler
    events:
      - sns: orders
      - sns: arn:aws:sns:us-east-1:123456789012:elsewhere
      - sns:
          arn: !Ref Alerts
          filterPolicyScope: MessageBody
          filterPolicy: { level: [error] }
      - sns: { topicName: ordered.fifo, displayName: Ordered }
resources:
  Resources:
    Alerts:
      Type: AWS::SNS::Topic
      Properties:
        TopicName: alerts
        FifoTopic: false
        Tags: [{ Key: team, Value: ops }]
        Subscription:
          - { Protocol: sqs, Endpoint: !GetAtt Copy.Arn }
    Copy:
      Type: AWS::SQS::Queue
`);
    const loaded = await load(dir);
    const file = join(dir, "serverless.yml");
    expect(loaded.sns.topics.map((t) => [t.arn, t.attributes])).toEqual([
      ["arn:aws:sns:eu-west-1:000000000000:alerts", { FifoTopic: "false" }],
      ["arn:aws:sns:eu-west-1:000000000000:orders", {}],
      ["arn:aws:sns:us-east-1:123456789012:elsewhere", {}],
      ["arn:aws:sns:eu-west-1:000000000000:alerts", {}],
      ["arn:aws:sns:eu-west-1:000000000000:ordered.fifo", { FifoTopic: "true", DisplayName: "Ordered" }],
    ]);
    expect(loaded.sns.subscriptions.map((s) => [s.topicArn, s.protocol, s.endpoint, s.attributes])).toEqual([
      [
        "arn:aws:sns:eu-west-1:000000000000:alerts",
        "sqs",
        "arn:aws:sqs:eu-west-1:000000000000:shop-dev-Copy",
        {},
      ],
      [
        "arn:aws:sns:eu-west-1:000000000000:orders",
        "lambda",
        "arn:aws:lambda:eu-west-1:000000000000:function:shop-dev-f",
        {},
      ],
      [
        "arn:aws:sns:us-east-1:123456789012:elsewhere",
        "lambda",
        "arn:aws:lambda:eu-west-1:000000000000:function:shop-dev-f",
        {},
      ],
      [
        "arn:aws:sns:eu-west-1:000000000000:alerts",
        "lambda",
        "arn:aws:lambda:eu-west-1:000000000000:function:shop-dev-f",
        { FilterPolicy: '{"level":["error"]}', FilterPolicyScope: "MessageBody" },
      ],
      [
        "arn:aws:sns:eu-west-1:000000000000:ordered.fifo",
        "lambda",
        "arn:aws:lambda:eu-west-1:000000000000:function:shop-dev-f",
        {},
      ],
    ]);
    const warned = loaded.warnings.map((w) => [w.file, w.keyPath, w.code]);
    expect(warned).toContainEqual([
      file,
      "resources.Resources.Alerts.Properties.Tags",
      "LKN_WRN_MANIFEST_UNSUPPORTED",
    ]);
    expect(loaded.warnings.some((w) => w.keyPath.includes(".sns"))).toBe(false);
    expect(loaded.warnings.some((w) => w.code === "LKN_WRN_MANIFEST_EVENT_UNSUPPORTED")).toBe(false);
  });

  it("reads AWS::SNS::Subscription resources: raw delivery and a filter policy on a queue", async () => {
    const dir = await service(`${HEAD}functions:
  f:
    handler: handler.handler
resources:
  Resources:
    Topic:
      Type: AWS::SNS::Topic
    Queue:
      Type: AWS::SQS::Queue
    QueueSubscription:
      Type: AWS::SNS::Subscription
      Properties:
        TopicArn: !Ref Topic
        Protocol: sqs
        Endpoint: !GetAtt Queue.Arn
        RawMessageDelivery: true
        FilterPolicyScope: MessageBody
        FilterPolicy: { kind: [order] }
        DeliveryPolicy: { healthyRetryPolicy: { numRetries: 3 } }
`);
    const loaded = await load(dir);
    expect(loaded.sns.subscriptions).toEqual([
      expect.objectContaining({
        topicArn: "arn:aws:sns:eu-west-1:000000000000:shop-dev-Topic",
        protocol: "sqs",
        endpoint: "arn:aws:sqs:eu-west-1:000000000000:shop-dev-Queue",
        attributes: {
          FilterPolicy: '{"kind":["order"]}',
          FilterPolicyScope: "MessageBody",
          RawMessageDelivery: "true",
        },
        keyPath: "resources.Resources.QueueSubscription",
      }),
    ]);
    expect(loaded.warnings.map((w) => w.keyPath)).toContain(
      "resources.Resources.QueueSubscription.Properties.DeliveryPolicy",
    );
  });

  it("warns about event settings it does not reproduce", async () => {
    const dir = await service(`${HEAD}functions:
  f:
    handler: handler.handler
    events:
      - sns:
          topicName: orders
          kmsMasterKeyId: alias/x
          redrivePolicy: { deadLetterTargetArn: arn:aws:sqs:eu-west-1:000000000000:dlq }
`);
    const loaded = await load(dir);
    const messages = Object.fromEntries(loaded.warnings.map((w) => [w.keyPath, w.message]));
    expect(messages["functions.f.events[0].sns.kmsMasterKeyId"]).toContain("not reproduced by Lambkin");
    expect(messages["functions.f.events[0].sns.redrivePolicy"]).toContain(
      "dropped, not sent to a dead-letter queue",
    );
  });

  it("refuses malformed sns events with the key path", async () => {
    for (const [event, keyPath] of [
      ["- sns: 42", "functions.f.events[0].sns"],
      ["- sns: { arn: arn:aws:sqs:eu-west-1:000000000000:q }", "functions.f.events[0].sns.arn"],
      ["- sns: { topicName: 'has space' }", "functions.f.events[0].sns.topicName"],
      ["- sns: { topicName: t, filterPolicy: [a] }", "functions.f.events[0].sns.filterPolicy"],
      ["- sns: { topicName: t, filterPolicyScope: Body }", "functions.f.events[0].sns.filterPolicyScope"],
    ]) {
      const dir = await service(
        `${HEAD}functions:\n  f:\n    handler: handler.handler\n    events:\n      ${event}\n`,
      );
      const error = await load(dir).catch((e: unknown) => e);
      expect(error, event).toBeInstanceOf(ManifestError);
      expect((error as ManifestError).keyPath, event).toBe(keyPath);
    }
  });
});
