// The SQS API through Debian's aws CLI 2.9 (/usr/bin/aws: botocore's query protocol — form-encoded POSTs, XML
// answers in the 2012-11-05 namespace): every operation, and errors as the CLI prints AWS's query codes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliRun, type SqsApiServer, startSqsApiServer, uniqueQueueName } from "./sqs-api-server.js";

let server: SqsApiServer;

beforeAll(async () => {
  server = await startSqsApiServer();
});
afterAll(async () => {
  await server?.close();
});

function json(run: CliRun): Record<string, unknown> {
  if (run.code !== 0) throw new Error(`aws exited ${run.code}: ${run.stderr}`);
  return run.stdout.trim() === "" ? {} : (JSON.parse(run.stdout) as Record<string, unknown>);
}

describe("aws sqs (query protocol)", () => {
  it("create-queue, get-queue-url, list-queues, get/set-queue-attributes, purge-queue, delete-queue", async () => {
    const name = uniqueQueueName("cli-queues");
    const created = json(
      await server.aws([
        "create-queue",
        "--queue-name",
        name,
        "--attributes",
        "VisibilityTimeout=40,DelaySeconds=1",
      ]),
    );
    const url = `${server.endpoint}/000000000000/${name}`;
    expect(created).toEqual({ QueueUrl: url });
    expect(json(await server.aws(["get-queue-url", "--queue-name", name]))).toEqual({ QueueUrl: url });
    expect(json(await server.aws(["list-queues", "--queue-name-prefix", name]))).toEqual({
      QueueUrls: [url],
    });
    expect(json(await server.aws(["list-queues", "--queue-name-prefix", `${name}-none`]))).toEqual({});
    json(
      await server.aws(["set-queue-attributes", "--queue-url", url, "--attributes", "VisibilityTimeout=41"]),
    );
    const attributes = json(
      await server.aws([
        "get-queue-attributes",
        "--queue-url",
        url,
        "--attribute-names",
        "VisibilityTimeout",
        "DelaySeconds",
      ]),
    );
    expect(attributes).toEqual({ Attributes: { VisibilityTimeout: "41", DelaySeconds: "1" } });
    const all = json(
      await server.aws(["get-queue-attributes", "--queue-url", url, "--attribute-names", "All"]),
    );
    expect(all.Attributes).toMatchObject({ QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}` });
    expect((await server.aws(["purge-queue", "--queue-url", url])).code).toBe(0);
    expect((await server.aws(["delete-queue", "--queue-url", url])).code).toBe(0);
    const gone = await server.aws(["get-queue-url", "--queue-name", name]);
    expect(gone.code).toBe(254);
    expect(gone.stderr).toContain(
      "An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation",
    );
  });

  it("send-message with attributes, receive-message (empty, then the message), change visibility, delete", async () => {
    const name = uniqueQueueName("cli-messages");
    const { QueueUrl: url } = json(await server.aws(["create-queue", "--queue-name", name])) as {
      QueueUrl: string;
    };
    expect(json(await server.aws(["receive-message", "--queue-url", url]))).toEqual({});
    const body = 'line one\r\nline <two> & "three" \u00e9';
    const sent = json(
      await server.aws([
        "send-message",
        "--queue-url",
        url,
        "--message-body",
        body,
        "--message-attributes",
        '{"color":{"DataType":"String","StringValue":"blue & <green>"},"n":{"DataType":"Number","StringValue":"3"},"bin":{"DataType":"Binary","BinaryValue":"AAEC"}}',
      ]),
    ) as { MessageId: string; MD5OfMessageBody: string; MD5OfMessageAttributes: string };
    expect(sent.MessageId).toBeTruthy();
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const received = json(
      await server.aws([
        "receive-message",
        "--queue-url",
        url,
        "--attribute-names",
        "All",
        "--message-attribute-names",
        "All",
        "--wait-time-seconds",
        "1",
      ]),
    ) as { Messages: Array<Record<string, unknown>> };
    const [message] = received.Messages;
    expect(message?.Body).toBe(body);
    expect(message?.MD5OfBody).toBe(sent.MD5OfMessageBody);
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message?.MessageAttributes).toEqual({
      color: { DataType: "String", StringValue: "blue & <green>" },
      n: { DataType: "Number", StringValue: "3" },
      bin: { DataType: "Binary", BinaryValue: "AAEC" },
    });
    expect(message?.Attributes).toMatchObject({ ApproximateReceiveCount: "1", SenderId: "000000000000" });
    const handle = message?.ReceiptHandle as string;
    expect(
      (
        await server.aws([
          "change-message-visibility",
          "--queue-url",
          url,
          "--receipt-handle",
          handle,
          "--visibility-timeout",
          "0",
        ])
      ).code,
    ).toBe(0);
    const again = json(
      await server.aws(["receive-message", "--queue-url", url, "--wait-time-seconds", "1"]),
    ) as {
      Messages: Array<{ ReceiptHandle: string }>;
    };
    const latest = again.Messages[0]?.ReceiptHandle as string;
    expect((await server.aws(["delete-message", "--queue-url", url, "--receipt-handle", latest])).code).toBe(
      0,
    );
    const invalid = await server.aws(["delete-message", "--queue-url", url, "--receipt-handle", "garbage"]);
    expect(invalid.stderr).toContain("(ReceiptHandleIsInvalid)");
  });

  it("send-message-batch, change-message-visibility-batch, delete-message-batch with partial failures", async () => {
    const name = uniqueQueueName("cli-batch");
    const { QueueUrl: url } = json(await server.aws(["create-queue", "--queue-name", name])) as {
      QueueUrl: string;
    };
    const sent = json(
      await server.aws([
        "send-message-batch",
        "--queue-url",
        url,
        "--entries",
        '[{"Id":"a","MessageBody":"one"},{"Id":"b","MessageBody":"two","MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}},{"Id":"c","MessageBody":"x","DelaySeconds":5000}]',
      ]),
    ) as { Successful: Array<{ Id: string }>; Failed: Array<Record<string, unknown>> };
    expect(sent.Successful.map((entry) => entry.Id)).toEqual(["a", "b"]);
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: "c", Code: "InvalidParameterValue", SenderFault: true }),
    ]);
    const received = json(
      await server.aws([
        "receive-message",
        "--queue-url",
        url,
        "--max-number-of-messages",
        "10",
        "--wait-time-seconds",
        "1",
      ]),
    ) as { Messages: Array<{ ReceiptHandle: string }> };
    expect(received.Messages).toHaveLength(2);
    const changed = json(
      await server.aws([
        "change-message-visibility-batch",
        "--queue-url",
        url,
        "--entries",
        JSON.stringify([
          { Id: "x", ReceiptHandle: received.Messages[0]?.ReceiptHandle, VisibilityTimeout: 100 },
          { Id: "y", ReceiptHandle: "garbage", VisibilityTimeout: 100 },
        ]),
      ]),
    ) as { Successful: unknown[]; Failed: Array<Record<string, unknown>> };
    expect(changed.Successful).toEqual([{ Id: "x" }]);
    expect(changed.Failed[0]).toMatchObject({ Id: "y", Code: "ReceiptHandleIsInvalid" });
    const deleted = json(
      await server.aws([
        "delete-message-batch",
        "--queue-url",
        url,
        "--entries",
        JSON.stringify(
          received.Messages.map((message, index) => ({
            Id: `d${index}`,
            ReceiptHandle: message.ReceiptHandle,
          })),
        ),
      ]),
    ) as { Successful: unknown[] };
    expect(deleted.Successful).toHaveLength(2);
    const repeated = await server.aws([
      "delete-message-batch",
      "--queue-url",
      url,
      "--entries",
      '[{"Id":"same","ReceiptHandle":"h"},{"Id":"same","ReceiptHandle":"h"}]',
    ]);
    expect(repeated.stderr).toContain("(AWS.SimpleQueueService.BatchEntryIdsNotDistinct)");
  });

  it("prints AWS's query error codes", async () => {
    const name = uniqueQueueName("cli-errors");
    const { QueueUrl: url } = json(await server.aws(["create-queue", "--queue-name", name])) as {
      QueueUrl: string;
    };
    const attribute = await server.aws([
      "get-queue-attributes",
      "--queue-url",
      url,
      "--attribute-names",
      "Nope",
    ]);
    expect(attribute.stderr).toContain("(InvalidAttributeName)");
    const value = await server.aws([
      "set-queue-attributes",
      "--queue-url",
      url,
      "--attributes",
      "DelaySeconds=5000",
    ]);
    expect(value.stderr).toContain("(InvalidAttributeValue)");
    const receive = await server.aws([
      "receive-message",
      "--queue-url",
      url,
      "--max-number-of-messages",
      "50",
    ]);
    expect(receive.stderr).toContain("(InvalidParameterValue)");
    const missing = await server.aws([
      "send-message",
      "--queue-url",
      `${url}-missing`,
      "--message-body",
      "x",
    ]);
    expect(missing.stderr).toContain("(AWS.SimpleQueueService.NonExistentQueue)");
    const exists = await server.aws([
      "create-queue",
      "--queue-name",
      name,
      "--attributes",
      "VisibilityTimeout=1",
    ]);
    expect(exists.stderr).toContain("(QueueAlreadyExists)");
  });
});
