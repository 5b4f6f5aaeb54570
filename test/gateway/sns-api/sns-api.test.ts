/**
 * The SNS API with the real @aws-sdk/client-sns against Lambkin's gateway, and what Publish delivers: a function's
 * event in SNS's shape exactly (strict @aws-lambda-powertools/parser SnsSchema, and AWS's example), a queue's
 * message enveloped or raw, filter policies on attributes and on the body, FIFO topics, and AWS's errors.
 */

import { SnsSchema, SnsSqsNotificationSchema } from "@aws-lambda-powertools/parser/schemas/sns";
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedMessage } from "../../../triggers/sqs/interfaces/index.js";
import { eventually } from "../../support/eventually.js";
import { type SnsHarness, startSnsHarness } from "./sns-harness.js";

const ACCOUNT = "000000000000";
const queueArn = (name: string) => `arn:aws:sqs:eu-west-1:${ACCOUNT}:${name}`;
const functionArn = (name: string) => `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${name}`;

describe("the SNS API (client-sns) and what Publish delivers", () => {
  let h: SnsHarness;
  beforeAll(async () => {
    h = await startSnsHarness();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const receiveAll = async (queue: string, count: number): Promise<ReceivedMessage[]> => {
    const messages: ReceivedMessage[] = [];
    await eventually(async () => {
      messages.push(...(await h.sns.sqs.receiveMessages(queue, { maxNumberOfMessages: 10 })));
      expect(messages).toHaveLength(count);
    }, 10_000);
    return messages;
  };
  const newQueue = async (name: string) => (await h.sns.sqs.createQueue(name)).arn;

  it("creates topics idempotently and lists them, with serverless.yml's topics there from the start", async () => {
    const created = await h.client.send(new CreateTopicCommand({ Name: "api-made" }));
    expect(created.TopicArn).toBe(`arn:aws:sns:eu-west-1:${ACCOUNT}:api-made`);
    const again = await h.client.send(new CreateTopicCommand({ Name: "api-made" }));
    expect(again.TopicArn).toBe(created.TopicArn);
    const listed = await h.client.send(new ListTopicsCommand({}));
    expect(listed.Topics?.map((t) => t.TopicArn)).toEqual(
      expect.arrayContaining([
        created.TopicArn,
        `arn:aws:sns:eu-west-1:${ACCOUNT}:orders`,
        `arn:aws:sns:eu-west-1:${ACCOUNT}:snstopics-alerts`,
        `arn:aws:sns:eu-west-1:${ACCOUNT}:snstopics-failures`,
      ]),
    );
    const byTopic = await h.client.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:orders` }),
    );
    expect(byTopic.Subscriptions?.map((s) => [s.Protocol, s.Endpoint]).sort()).toEqual([
      ["lambda", functionArn("snstopics-dev-bigOrders")],
      ["lambda", functionArn("snstopics-dev-orders")],
    ]);
  });

  it("delivers to a function the SNS event exactly (strict SnsSchema, AWS's example fields)", async () => {
    const topicArn = `arn:aws:sns:eu-west-1:${ACCOUNT}:orders`;
    const published = await h.client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: "TestInvoke",
        Message: "Hello from SNS!",
        MessageAttributes: {
          Test: { DataType: "String", StringValue: "TestString" },
          TestBinary: { DataType: "Binary", BinaryValue: Buffer.from("TestBinary") },
        },
      }),
    );
    expect(published.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const [event] = await eventually(async () => {
      const events = h.received("snstopics-dev-orders") as { Records: { Sns: { MessageId: string } }[] }[];
      const mine = events.filter((e) => e.Records[0]?.Sns.MessageId === published.MessageId);
      expect(mine).toHaveLength(1);
      return mine;
    });
    expect(SnsSchema.strict().parse(event)).toEqual(event);
    const record = (event as { Records: Record<string, unknown>[] }).Records[0] as Record<string, unknown>;
    expect(Object.keys(record).sort()).toEqual([
      "EventSource",
      "EventSubscriptionArn",
      "EventVersion",
      "Sns",
    ]);
    expect(record).toMatchObject({ EventSource: "aws:sns", EventVersion: "1.0" });
    expect(record.EventSubscriptionArn).toMatch(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`));
    const sns = record.Sns as Record<string, unknown>;
    expect(Object.keys(sns).sort()).toEqual(
      [
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertUrl",
        "UnsubscribeUrl",
        "MessageAttributes",
      ].sort(),
    );
    expect(sns).toMatchObject({
      Type: "Notification",
      TopicArn: topicArn,
      Subject: "TestInvoke",
      Message: "Hello from SNS!",
      SignatureVersion: "1",
      MessageAttributes: {
        Test: { Type: "String", Value: "TestString" },
        TestBinary: { Type: "Binary", Value: Buffer.from("TestBinary").toString("base64") },
      },
    });
    expect(sns.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(sns.UnsubscribeUrl).toBe(
      `${h.url}/?Action=Unsubscribe&SubscriptionArn=${record.EventSubscriptionArn}`,
    );
  });

  it("a message without subject reaches the function with Subject null", async () => {
    const { MessageId } = await h.client.send(
      new PublishCommand({ TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:orders`, Message: "no subject" }),
    );
    const event = await eventually(async () => {
      const found = (
        h.received("snstopics-dev-orders") as { Records: { Sns: Record<string, unknown> }[] }[]
      ).find((e) => e.Records[0]?.Sns.MessageId === MessageId);
      expect(found).toBeDefined();
      return found;
    });
    expect(event?.Records[0]?.Sns.Subject).toBeNull();
    expect(event?.Records[0]?.Sns.MessageAttributes).toEqual({});
  });

  it("fans out to a function and to queues: enveloped as SNS sends it, and raw with its attributes", async () => {
    const { TopicArn } = await h.client.send(new CreateTopicCommand({ Name: "fanout" }));
    const enveloped = await newQueue("fanout-enveloped");
    const raw = await newQueue("fanout-raw");
    const sub = await h.client.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: enveloped }));
    await h.client.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: raw,
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    await h.client.send(
      new SubscribeCommand({ TopicArn, Protocol: "lambda", Endpoint: functionArn("snstopics-dev-orders") }),
    );
    const { MessageId } = await h.client.send(
      new PublishCommand({
        TopicArn,
        Message: '{"order":1}',
        MessageAttributes: {
          kind: { DataType: "String", StringValue: "order" },
          n: { DataType: "Number", StringValue: "3" },
        },
      }),
    );
    const [envelopeMessage] = await receiveAll("fanout-enveloped", 1);
    const envelope = JSON.parse(envelopeMessage?.body ?? "");
    expect(SnsSqsNotificationSchema.strict().parse(envelope)).toEqual(envelope);
    expect(envelope).toMatchObject({
      Type: "Notification",
      MessageId,
      TopicArn,
      Message: '{"order":1}',
      SignatureVersion: "1",
      MessageAttributes: { kind: { Type: "String", Value: "order" }, n: { Type: "Number", Value: "3" } },
    });
    expect(envelope).not.toHaveProperty("Subject");
    expect(envelope.UnsubscribeURL).toBe(
      `${h.url}/?Action=Unsubscribe&SubscriptionArn=${sub.SubscriptionArn}`,
    );
    expect(envelopeMessage?.body).toMatch(/^\{\n {2}"Type" : "Notification",\n/);
    const [rawMessage] = await receiveAll("fanout-raw", 1);
    expect(rawMessage?.body).toBe('{"order":1}');
    expect(rawMessage?.messageAttributes).toEqual({
      kind: { DataType: "String", StringValue: "order" },
      n: { DataType: "Number", StringValue: "3" },
    });
    await eventually(async () =>
      expect(
        (h.received("snstopics-dev-orders") as { Records: { Sns: { MessageId: string } }[] }[]).filter(
          (e) => e.Records[0]?.Sns.MessageId === MessageId,
        ),
      ).toHaveLength(1),
    );
  });

  it("MessageStructure=json: each protocol gets its own text, the others the default", async () => {
    const { TopicArn } = await h.client.send(new CreateTopicCommand({ Name: "structured" }));
    await h.client.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: await newQueue("structured-q"),
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    await h.client.send(
      new PublishCommand({
        TopicArn,
        MessageStructure: "json",
        Message: JSON.stringify({ default: "for all", sqs: "for queues" }),
      }),
    );
    const [message] = await receiveAll("structured-q", 1);
    expect(message?.body).toBe("for queues");
    const error = await h.client
      .send(new PublishCommand({ TopicArn, MessageStructure: "json", Message: JSON.stringify({ sqs: "x" }) }))
      .catch((e: unknown) => e as { name: string; message: string });
    expect(error).toMatchObject({
      name: "InvalidParameterException",
      message: "Invalid parameter: Message Structure - No default entry in JSON message body",
    });
  });

  it("applies filter policies per subscription: on attributes, and on the JSON body (serverless.yml's and the API's)", async () => {
    const alerts = `arn:aws:sns:eu-west-1:${ACCOUNT}:snstopics-alerts`;
    // The queue of the topic resource's Subscription (Lambkin's SQS creates declared queues; here, by hand).
    await newQueue("alerts-copy");
    const send = (attributes: Record<string, [string, string]>, message = "m") =>
      h.client.send(
        new PublishCommand({
          TopicArn: alerts,
          Message: message,
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([k, [DataType, StringValue]]) => [k, { DataType, StringValue }]),
          ),
        }),
      );
    const big = await send({ kind: ["String", "order"], amount: ["Number", "150"] });
    const small = await send({ kind: ["String", "order"], amount: ["Number", "50"] });
    const other = await send({ kind: ["String", "refund"], amount: ["Number", "500"] });
    await eventually(async () => {
      const ids = (
        h.received("snstopics-dev-bigOrders") as { Records: { Sns: { MessageId: string } }[] }[]
      ).map((e) => e.Records[0]?.Sns.MessageId);
      expect(ids).toContain(big.MessageId);
    });
    // The alerts-copy queue (AWS::SNS::Topic Subscription, no filter) got all three.
    await receiveAll("alerts-copy", 3);
    const ids = (
      h.received("snstopics-dev-bigOrders") as { Records: { Sns: { MessageId: string } }[] }[]
    ).map((e) => e.Records[0]?.Sns.MessageId);
    expect(ids).not.toContain(small.MessageId);
    expect(ids).not.toContain(other.MessageId);

    const orders = `arn:aws:sns:eu-west-1:${ACCOUNT}:orders`;
    const gold = await h.client.send(
      new PublishCommand({ TopicArn: orders, Message: JSON.stringify({ customer: { tier: "gold" } }) }),
    );
    const silver = await h.client.send(
      new PublishCommand({ TopicArn: orders, Message: JSON.stringify({ customer: { tier: "silver" } }) }),
    );
    await eventually(async () => {
      const all = h.received("snstopics-dev-orders") as { Records: { Sns: { MessageId: string } }[] }[];
      expect(all.map((e) => e.Records[0]?.Sns.MessageId)).toContain(silver.MessageId);
      const got = (
        h.received("snstopics-dev-bigOrders") as { Records: { Sns: { MessageId: string } }[] }[]
      ).map((e) => e.Records[0]?.Sns.MessageId);
      expect(got).toContain(gold.MessageId);
    });
    const got = (
      h.received("snstopics-dev-bigOrders") as { Records: { Sns: { MessageId: string } }[] }[]
    ).map((e) => e.Records[0]?.Sns.MessageId);
    expect(got).not.toContain(silver.MessageId);

    // Through the API: a MessageBody policy on a queue subscription.
    const { TopicArn } = await h.client.send(new CreateTopicCommand({ Name: "filtered" }));
    await h.client.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: await newQueue("filtered-q"),
        Attributes: {
          RawMessageDelivery: "true",
          FilterPolicyScope: "MessageBody",
          FilterPolicy: JSON.stringify({ size: [{ numeric: [">=", 10] }] }),
        },
      }),
    );
    for (const size of [5, 10, 20]) {
      await h.client.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ size }) }));
    }
    const messages = await receiveAll("filtered-q", 2);
    expect(messages.map((m) => JSON.parse(m.body).size).sort((a, b) => a - b)).toEqual([10, 20]);
  });

  it("FIFO topics: group id required, deduplication (explicit and content-based), sequence numbers, order into a FIFO queue", async () => {
    const { TopicArn } = await h.client.send(
      new CreateTopicCommand({
        Name: "orders.fifo",
        Attributes: { FifoTopic: "true", ContentBasedDeduplication: "true" },
      }),
    );
    await h.sns.sqs.createQueue("orders-copy.fifo", { FifoQueue: "true" });
    await h.client.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: queueArn("orders-copy.fifo"),
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    const lambda = await h.client
      .send(
        new SubscribeCommand({ TopicArn, Protocol: "lambda", Endpoint: functionArn("snstopics-dev-orders") }),
      )
      .catch((e: unknown) => e as { name: string });
    expect(lambda).toMatchObject({ name: "InvalidParameterException" });
    const missingGroup = await h.client
      .send(new PublishCommand({ TopicArn, Message: "x" }))
      .catch((e: unknown) => e as { message: string });
    expect(missingGroup).toMatchObject({
      message: "Invalid parameter: The MessageGroupId parameter is required for FIFO topics",
    });
    const first = await h.client.send(new PublishCommand({ TopicArn, Message: "one", MessageGroupId: "g" }));
    const duplicate = await h.client.send(
      new PublishCommand({ TopicArn, Message: "one", MessageGroupId: "g" }),
    );
    const second = await h.client.send(
      new PublishCommand({ TopicArn, Message: "two", MessageGroupId: "g", MessageDeduplicationId: "d2" }),
    );
    expect(duplicate.MessageId).toBe(first.MessageId);
    expect(duplicate.SequenceNumber).toBe(first.SequenceNumber);
    expect(BigInt(second.SequenceNumber ?? "0") > BigInt(first.SequenceNumber ?? "0")).toBe(true);
    const one = await h.sns.sqs.receiveMessages("orders-copy.fifo", { maxNumberOfMessages: 10 });
    expect(one.map((m) => [m.body, m.attributes.MessageGroupId])).toEqual([
      ["one", "g"],
      ["two", "g"],
    ]);
    const standard = await h.client
      .send(
        new PublishCommand({
          TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:api-made`,
          Message: "x",
          MessageDeduplicationId: "d",
        }),
      )
      .catch((e: unknown) => e as { name: string });
    expect(standard).toMatchObject({ name: "InvalidParameterException" });
  });

  it("PublishBatch: each entry on its own; batch-level errors as SNS answers them", async () => {
    const { TopicArn } = await h.client.send(new CreateTopicCommand({ Name: "batch" }));
    await h.client.send(
      new SubscribeCommand({
        TopicArn,
        Protocol: "sqs",
        Endpoint: await newQueue("batch-q"),
        Attributes: { RawMessageDelivery: "true" },
      }),
    );
    const result = await h.client.send(
      new PublishBatchCommand({
        TopicArn,
        PublishBatchRequestEntries: [
          { Id: "a", Message: "first" },
          { Id: "b", Message: "" },
          { Id: "c", Message: "third", Subject: "s" },
        ],
      }),
    );
    expect(result.Successful?.map((s) => s.Id)).toEqual(["a", "c"]);
    expect(result.Failed).toEqual([
      { Id: "b", Code: "InvalidParameter", Message: "Invalid parameter: Empty message", SenderFault: true },
    ]);
    expect((await receiveAll("batch-q", 2)).map((m) => m.body).sort()).toEqual(["first", "third"]);
    const duplicates = await h.client
      .send(
        new PublishBatchCommand({
          TopicArn,
          PublishBatchRequestEntries: [
            { Id: "x", Message: "1" },
            { Id: "x", Message: "2" },
          ],
        }),
      )
      .catch((e: unknown) => e as { name: string });
    expect(duplicates).toMatchObject({ name: "BatchEntryIdsNotDistinctException" });
    const tooMany = await h.client
      .send(
        new PublishBatchCommand({
          TopicArn,
          PublishBatchRequestEntries: Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, Message: "m" })),
        }),
      )
      .catch((e: unknown) => e as { name: string });
    expect(tooMany).toMatchObject({ name: "TooManyEntriesInBatchRequestException" });
  });

  it("subscriptions: idempotent Subscribe, email kept as PendingConfirmation, Unsubscribe, listed", async () => {
    const { TopicArn } = await h.client.send(new CreateTopicCommand({ Name: "subs" }));
    const endpoint = await newQueue("subs-q");
    const one = await h.client.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: endpoint }));
    const two = await h.client.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: endpoint }));
    expect(two.SubscriptionArn).toBe(one.SubscriptionArn);
    const attributes = await h.client.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: one.SubscriptionArn }),
    );
    expect(attributes.Attributes).toMatchObject({
      Protocol: "sqs",
      Endpoint: endpoint,
      TopicArn,
      RawMessageDelivery: "false",
    });
    const email = await h.client.send(
      new SubscribeCommand({ TopicArn, Protocol: "email", Endpoint: "ops@example.com" }),
    );
    expect(email.SubscriptionArn).toBe("pending confirmation");
    const listed = await h.client.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(listed.Subscriptions?.map((s) => s.SubscriptionArn).sort()).toEqual(
      [one.SubscriptionArn, "PendingConfirmation"].sort(),
    );
    await h.client.send(new PublishCommand({ TopicArn, Message: "to mail" }));
    await eventually(async () => expect(h.warnings.join("\n")).toContain("LKN_WRN_SNS_EMAIL_NOT_DELIVERED"));
    await h.client.send(new UnsubscribeCommand({ SubscriptionArn: one.SubscriptionArn }));
    const after = await h.client.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    expect(after.Subscriptions?.map((s) => s.Protocol)).toEqual(["email"]);
    const all = await h.client.send(new ListSubscriptionsCommand({}));
    expect(all.Subscriptions?.length).toBeGreaterThan(3);
    await h.client.send(new DeleteTopicCommand({ TopicArn }));
    const gone = await h.client
      .send(new PublishCommand({ TopicArn, Message: "x" }))
      .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } });
    expect(gone).toMatchObject({ name: "NotFoundException", $metadata: { httpStatusCode: 404 } });
  });
});
