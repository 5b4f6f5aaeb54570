/**
 * Asynchronous destinations and DLQs that name queues and topics: a failing function's record goes to its
 * onFailure queue or topic as the message body, and its failed event to its onError queue or topic with the
 * RequestID / ErrorCode / ErrorMessage attributes Lambda sets
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). The functions are invoked
 * through an SNS topic (fail-in), so the event is SNS's.
 */
import { PublishCommand } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedMessage } from "../../../triggers/sqs/interfaces/index.js";
import { type SnsHarness, startSnsHarness } from "../../gateway/sns-api/sns-harness.js";
import { eventually } from "../../support/eventually.js";

const ACCOUNT = "000000000000";

describe("destinations and DLQs to queues and topics", () => {
  let h: SnsHarness;
  let published: string;
  beforeAll(async () => {
    h = await startSnsHarness();
    for (const queue of ["failures", "dead-events", "failure-copies"]) await h.sns.sqs.createQueue(queue);
    const result = await h.client.send(
      new PublishCommand({ TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:fail-in`, Message: "please fail" }),
    );
    published = result.MessageId ?? "";
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const receive = async (queue: string, count: number): Promise<ReceivedMessage[]> => {
    const messages: ReceivedMessage[] = [];
    await eventually(async () => {
      messages.push(...(await h.sns.sqs.receiveMessages(queue, { maxNumberOfMessages: 10 })));
      expect(messages).toHaveLength(count);
    }, 20_000);
    return messages;
  };

  it("onFailure to a queue: the invocation record is the message body", async () => {
    const [message] = await receive("failures", 1);
    const record = JSON.parse(message?.body ?? "");
    expect(record).toMatchObject({
      version: "1.0",
      requestContext: {
        functionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:snstopics-dev-recordToQueue:$LATEST`,
        condition: "RetriesExhausted",
        approximateInvokeCount: 1,
      },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorMessage: "this function fails", errorType: "Error" },
    });
    expect(record.requestPayload.Records[0].Sns.MessageId).toBe(published);
    expect(message?.messageAttributes).toEqual({});
  });

  it("onError to a queue: the event itself, with RequestID, ErrorCode and ErrorMessage", async () => {
    const [message] = await receive("dead-events", 1);
    expect(JSON.parse(message?.body ?? "").Records[0].Sns.MessageId).toBe(published);
    expect(message?.messageAttributes).toEqual({
      RequestID: { DataType: "String", StringValue: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      ErrorCode: { DataType: "Number", StringValue: "200" },
      ErrorMessage: { DataType: "String", StringValue: "this function fails" },
    });
  });

  it("onFailure and onError to a topic: published to it, and fanned out to its subscriptions", async () => {
    const messages = await receive("failure-copies", 2);
    const envelopes = messages.map((m) => JSON.parse(m.body));
    expect(envelopes.every((e) => e.TopicArn === `arn:aws:sns:eu-west-1:${ACCOUNT}:snstopics-failures`)).toBe(
      true,
    );
    const record = envelopes.find((e) => !e.MessageAttributes);
    const deadLetter = envelopes.find((e) => e.MessageAttributes);
    expect(JSON.parse(record.Message).requestContext.functionArn).toContain("snstopics-dev-recordToTopic");
    expect(JSON.parse(deadLetter.Message).Records[0].Sns.MessageId).toBe(published);
    expect(deadLetter.MessageAttributes).toEqual({
      RequestID: { Type: "String", Value: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      ErrorCode: { Type: "Number", Value: "200" },
      ErrorMessage: { Type: "String", Value: "this function fails" },
    });
  });

  it("keeps nothing as a Lambkin dead letter: every failure reached its destination", async () => {
    expect(await h.queue.deadLetters.list()).toEqual([]);
  });
});
