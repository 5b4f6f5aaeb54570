/**
 * SNS end to end through a real `lambkin dev` (compiled, as a user runs it) on the sns-topics fixture: the topics
 * of serverless.yml exist at start, what it does not reproduce is warned with file and key path, and the aws CLI
 * (2.9, query protocol, signed with scope `sns`) creates topics, subscribes, lists and publishes — the function
 * subscribed by its `sns` event receives SNS's event. A restart keeps what the API created (the state folder).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { SnsSchema } from "@aws-lambda-powertools/parser/schemas/sns";
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LambkinProcess, ROOT, startLambkin, stopLambkin } from "../../cli/cluster-process.js";
import { eventually } from "../../support/eventually.js";
import { freshStateDir } from "../../support/state-dir.js";

const SERVICE = join(ROOT, "test", "fixtures", "sns-topics");
const MANIFEST = join(SERVICE, "serverless.yml");
const run = promisify(execFile);

describe("SNS through lambkin dev and the aws CLI", () => {
  const state = freshStateDir();
  let dev: LambkinProcess;
  beforeAll(async () => {
    dev = await startLambkin("dev", SERVICE, { LAMBKIN_STATE_DIR: state, LAMBKIN_ASYNC_RETRY_DELAYS: "0" });
  }, 60_000);
  afterAll(async () => {
    await stopLambkin(dev);
  });

  const aws = async (...args: string[]): Promise<unknown> => {
    const { stdout } = await run(
      "/usr/bin/aws",
      ["sns", ...args, "--endpoint-url", dev.url, "--output", "json"],
      {
        env: {
          PATH: process.env.PATH,
          AWS_ACCESS_KEY_ID: "AKIDCLI",
          AWS_SECRET_ACCESS_KEY: "secret",
          AWS_DEFAULT_REGION: "eu-west-1",
          AWS_CONFIG_FILE: "/nonexistent",
          AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
          AWS_PAGER: "",
        },
      },
    );
    return stdout.trim() === "" ? {} : JSON.parse(stdout);
  };
  const received = (functionKey: string): { Records: { Sns: Record<string, unknown> }[] }[] => {
    const prefix = `RECORD snstopics-dev-${functionKey} `;
    return dev
      .output()
      .split("\n")
      .flatMap((line) => {
        const at = line.indexOf(prefix);
        return at === -1 ? [] : [JSON.parse(line.slice(at + prefix.length))];
      });
  };

  it("warns at start about what it does not reproduce, with file and key path", () => {
    const output = dev.output();
    expect(output).toContain(
      `${MANIFEST}: resources.Resources.AlertsTopic.Properties.KmsMasterKeyId: not reproduced by Lambkin`,
    );
    expect(output).toContain(
      `${MANIFEST}: functions.bigOrders.events[1].sns.redrivePolicy: not reproduced by Lambkin`,
    );
    expect(output).not.toContain("functions.orders.events[0].sns");
  });

  it("serves the aws CLI: list-topics shows serverless.yml's topics; publish reaches the subscribed function", async () => {
    const topics = (await aws("list-topics")) as { Topics: { TopicArn: string }[] };
    expect(topics.Topics.map((t) => t.TopicArn)).toEqual(
      expect.arrayContaining([
        "arn:aws:sns:eu-west-1:000000000000:orders",
        "arn:aws:sns:eu-west-1:000000000000:snstopics-alerts",
      ]),
    );
    const published = (await aws(
      "publish",
      "--topic-arn",
      "arn:aws:sns:eu-west-1:000000000000:orders",
      "--subject",
      "From the CLI",
      "--message",
      "hello & <world>",
      "--message-attributes",
      '{"source":{"DataType":"String","StringValue":"cli"}}',
    )) as { MessageId: string };
    const [event] = await eventually(async () => {
      const events = received("orders").filter((e) => e.Records[0]?.Sns.MessageId === published.MessageId);
      expect(events).toHaveLength(1);
      return events;
    });
    expect(SnsSchema.strict().parse(event)).toEqual(event);
    expect(event?.Records[0]?.Sns).toMatchObject({
      Subject: "From the CLI",
      Message: "hello & <world>",
      MessageAttributes: { source: { Type: "String", Value: "cli" } },
      UnsubscribeUrl: expect.stringMatching(new RegExp(`^${dev.url}/\\?Action=Unsubscribe&SubscriptionArn=`)),
    });
  });

  it("creates, subscribes, lists and unsubscribes with the CLI, and answers its errors", async () => {
    const { TopicArn } = (await aws("create-topic", "--name", "cli-made")) as { TopicArn: string };
    expect(TopicArn).toBe("arn:aws:sns:eu-west-1:000000000000:cli-made");
    const { SubscriptionArn } = (await aws(
      "subscribe",
      "--topic-arn",
      TopicArn,
      "--protocol",
      "lambda",
      "--notification-endpoint",
      "arn:aws:lambda:eu-west-1:000000000000:function:snstopics-dev-orders",
    )) as { SubscriptionArn: string };
    const listed = (await aws("list-subscriptions-by-topic", "--topic-arn", TopicArn)) as {
      Subscriptions: { SubscriptionArn: string; Protocol: string }[];
    };
    expect(listed.Subscriptions).toEqual([expect.objectContaining({ SubscriptionArn, Protocol: "lambda" })]);
    const { MessageId } = (await aws("publish", "--topic-arn", TopicArn, "--message", "via cli-made")) as {
      MessageId: string;
    };
    await eventually(async () =>
      expect(received("orders").filter((e) => e.Records[0]?.Sns.MessageId === MessageId)).toHaveLength(1),
    );
    await aws("unsubscribe", "--subscription-arn", SubscriptionArn);
    const error = await aws(
      "publish",
      "--topic-arn",
      "arn:aws:sns:eu-west-1:000000000000:nope",
      "--message",
      "x",
    ).catch((e: { stderr: string }) => e.stderr);
    expect(error).toContain("(NotFound)");
    expect(error).toContain("Topic does not exist");
  });

  it("delivers to the declared queue of a topic's Subscription, read back through Lambkin's SQS API", async () => {
    const sqs = new SQSClient({
      endpoint: dev.url,
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDSQS", secretAccessKey: "secret" },
      maxAttempts: 1,
    });
    try {
      const { MessageId } = (await aws(
        "publish",
        "--topic-arn",
        "arn:aws:sns:eu-west-1:000000000000:snstopics-alerts",
        "--message",
        "to the queue",
      )) as { MessageId: string };
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "alerts-copy" }));
      const messages = await eventually(async () => {
        const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
        expect(received.Messages).toHaveLength(1);
        return received.Messages ?? [];
      });
      expect(JSON.parse(messages[0]?.Body ?? "")).toMatchObject({
        Type: "Notification",
        MessageId,
        Message: "to the queue",
      });
    } finally {
      sqs.destroy();
    }
  });

  it("keeps the topics and subscriptions the API made across a restart of lambkin dev", async () => {
    await stopLambkin(dev);
    dev = await startLambkin("dev", SERVICE, { LAMBKIN_STATE_DIR: state, LAMBKIN_ASYNC_RETRY_DELAYS: "0" });
    const topics = (await aws("list-topics")) as { Topics: { TopicArn: string }[] };
    expect(topics.Topics.map((t) => t.TopicArn)).toContain("arn:aws:sns:eu-west-1:000000000000:cli-made");
    const subscriptions = (await aws(
      "list-subscriptions-by-topic",
      "--topic-arn",
      "arn:aws:sns:eu-west-1:000000000000:orders",
    )) as {
      Subscriptions: unknown[];
    };
    // Declared again at start, idempotently: still one subscription per function.
    expect(subscriptions.Subscriptions).toHaveLength(2);
  }, 60_000);
});
