/**
 * Hostile input to the SNS API gets SNS's errors, never a crash, a hang or a partial delivery: oversize messages
 * (256 KB with attributes), too many or malformed attributes, bad ARNs, bad filter policies, unknown protocols,
 * unsupported actions, and bodies past the limit.
 */
import {
  CreateTopicCommand,
  PublishCommand,
  SNSServiceException,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeSha256 } from "../../../gateway/invoke-api/sigv4/node-sha256.js";
import { SNS_BODY_LIMIT } from "../../../gateway/sns-api/sns-api.js";
import { type SnsHarness, startSnsHarness } from "./sns-harness.js";

const ACCOUNT = "000000000000";

describe("hostile input to the SNS API", () => {
  let h: SnsHarness;
  let topicArn: string;
  beforeAll(async () => {
    h = await startSnsHarness();
    topicArn = (await h.client.send(new CreateTopicCommand({ Name: "hostile" }))).TopicArn ?? "";
    await h.sns.sqs.createQueue("hostile-q");
    await h.client.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "sqs",
        Endpoint: `arn:aws:sqs:eu-west-1:${ACCOUNT}:hostile-q`,
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SNSServiceException);
    const e = error as SNSServiceException;
    return { name: e.name, message: e.message, status: e.$metadata.httpStatusCode, fault: e.$fault };
  };

  it("a message over 256 KB (attributes counted) is InvalidParameter, and nothing is delivered", async () => {
    const exactly = "x".repeat(262_144);
    await h.client.send(new PublishCommand({ TopicArn: topicArn, Message: exactly }));
    expect(
      await failure(h.client.send(new PublishCommand({ TopicArn: topicArn, Message: `${exactly}x` }))),
    ).toEqual({
      name: "InvalidParameterException",
      message: "Invalid parameter: Message too long",
      status: 400,
      fault: "client",
    });
    const withAttribute = failure(
      h.client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: exactly.slice(10),
          MessageAttributes: { big: { DataType: "String", StringValue: "y".repeat(20) } },
        }),
      ),
    );
    expect((await withAttribute).message).toBe("Invalid parameter: Message too long");
    const received = await h.sns.sqs.receiveMessages("hostile-q", { maxNumberOfMessages: 10 });
    expect(received).toHaveLength(1);
  });

  it("too many or malformed message attributes", async () => {
    const eleven = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: "String", StringValue: "v" }]),
    );
    expect(
      await failure(
        h.client.send(new PublishCommand({ TopicArn: topicArn, Message: "m", MessageAttributes: eleven })),
      ),
    ).toMatchObject({
      name: "InvalidParameterValueException",
      message: "Number of message attributes [11] exceeds the allowed maximum [10].",
    });
    const cases: Record<string, { DataType: string; StringValue?: string }>[] = [
      { "AWS.reserved": { DataType: "String", StringValue: "v" } },
      { "bad name!": { DataType: "String", StringValue: "v" } },
      { n: { DataType: "Number", StringValue: "not a number" } },
      { n: { DataType: "Number", StringValue: "1e12" } },
      { t: { DataType: "Text", StringValue: "v" } },
      { e: { DataType: "String", StringValue: "" } },
      { l: { DataType: "String.Array", StringValue: "[{}]" } },
    ];
    for (const MessageAttributes of cases) {
      const error = await failure(
        h.client.send(new PublishCommand({ TopicArn: topicArn, Message: "m", MessageAttributes })),
      );
      expect(error.name, JSON.stringify(MessageAttributes)).toBe("InvalidParameterException");
    }
  });

  it("bad ARNs: InvalidParameter; a well-formed ARN of no topic: NotFound (404)", async () => {
    for (const TopicArn of [
      "not-an-arn",
      "arn:aws:sqs:eu-west-1:000000000000:q",
      `arn:aws:sns:eu-west-1:${ACCOUNT}:${"n".repeat(300)}`,
    ]) {
      expect(await failure(h.client.send(new PublishCommand({ TopicArn, Message: "m" })))).toMatchObject({
        name: "InvalidParameterException",
        message: "Invalid parameter: TopicArn",
      });
    }
    expect(
      await failure(
        h.client.send(
          new PublishCommand({ TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:nope`, Message: "m" }),
        ),
      ),
    ).toMatchObject({
      name: "NotFoundException",
      message: "Topic does not exist",
      status: 404,
    });
    expect(
      await failure(
        h.client.send(
          new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: "arn:aws:sqs:nowhere" }),
        ),
      ),
    ).toMatchObject({
      message: "Invalid parameter: SQS endpoint ARN",
    });
    expect(
      await failure(
        h.client.send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: "lambda",
            Endpoint: "arn:aws:lambda:eu-west-1:1:function:x",
          }),
        ),
      ),
    ).toMatchObject({
      message: "Invalid parameter: Lambda endpoint ARN",
    });
    expect(
      await failure(
        h.client.send(
          new PublishCommand({
            TargetArn: "arn:aws:sns:eu-west-1:000000000000:endpoint/APNS/app/1",
            Message: "m",
          }),
        ),
      ),
    ).toMatchObject({
      name: "InvalidParameterException",
    });
  });

  it("bad topic names, attributes, protocols and filter policies", async () => {
    const inputs: { Name: string; Attributes?: Record<string, string> }[] = [
      { Name: "has space" },
      { Name: "x".repeat(257) },
      { Name: "plain", Attributes: { FifoTopic: "true" } },
      { Name: "plain2", Attributes: { Unknown: "1" } },
      { Name: "plain3", Attributes: { ContentBasedDeduplication: "true" } },
    ];
    for (const input of inputs) {
      expect(
        (await failure(h.client.send(new CreateTopicCommand(input)))).name,
        JSON.stringify(input).slice(0, 80),
      ).toBe("InvalidParameterException");
    }
    const endpoint = `arn:aws:sqs:eu-west-1:${ACCOUNT}:hostile-q`;
    expect(
      await failure(
        h.client.send(
          new SubscribeCommand({ TopicArn: topicArn, Protocol: "http", Endpoint: "http://example.com" }),
        ),
      ),
    ).toMatchObject({
      name: "InvalidParameterException",
    });
    expect(
      await failure(
        h.client.send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: "sqs",
            Endpoint: endpoint,
            Attributes: { FilterPolicy: '{"a":"b"}' },
          }),
        ),
      ),
    ).toMatchObject({ message: expect.stringMatching(/^Invalid parameter: FilterPolicy: /) });
    expect(
      await failure(
        h.client.send(
          new SubscribeCommand({
            TopicArn: topicArn,
            Protocol: "lambda",
            Endpoint: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:snstopics-dev-orders`,
            Attributes: { RawMessageDelivery: "true" },
          }),
        ),
      ),
    ).toMatchObject({
      message:
        "Invalid parameter: Attributes Reason: Delivery protocol [lambda] does not support raw message delivery.",
    });
  });

  it("answers unknown actions, missing parameters and oversize bodies in SNS's query error format", async () => {
    const signer = new SignatureV4({
      service: "sns",
      region: "eu-west-1",
      credentials: { accessKeyId: "AKID", secretAccessKey: "s" },
      sha256: NodeSha256,
    });
    const post = async (body: string) => {
      const url = new URL(h.url);
      const signed = await signer.sign({
        method: "POST",
        protocol: "http:",
        hostname: url.host,
        path: "/",
        query: {},
        headers: { host: url.host, "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      return fetch(h.url, { method: "POST", headers: signed.headers, body });
    };
    const unknown = await post("Action=SetSMSAttributes&Version=2010-03-31");
    expect(unknown.status).toBe(400);
    const text = await unknown.text();
    expect(text).toContain('<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">');
    expect(text).toContain("<Type>Sender</Type><Code>InvalidAction</Code>");
    const missing = await post("Action=Publish&Version=2010-03-31&Message=m");
    expect(await missing.text()).toContain("<Code>InvalidParameter</Code>");
    const huge = await post(`Action=Publish&Message=${"x".repeat(SNS_BODY_LIMIT + 1)}`);
    expect(huge.status).toBe(413);
  });
});
