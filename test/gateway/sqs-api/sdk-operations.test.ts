// The SQS API through @aws-sdk/client-sqs (JSON 1.0 protocol, MD5 checks on, as a handler's code runs it): every
// operation, AWS's errors with the query codes restored from x-amzn-query-error, long polling, queue URLs.
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { md5OfAttributes } from "../../../gateway/sqs-api/message-md5.js";
import { eventually } from "../../support/eventually.js";
import { rejectionOf, type SqsApiServer, startSqsApiServer, uniqueQueueName } from "./sqs-api-server.js";

let server: SqsApiServer;

beforeAll(async () => {
  server = await startSqsApiServer();
});
afterAll(async () => {
  await server?.close();
});

async function newQueue(label: string, attributes?: Record<string, string>): Promise<string> {
  const { QueueUrl } = await server.client().send(
    new CreateQueueCommand({
      QueueName: uniqueQueueName(label),
      ...(attributes ? { Attributes: attributes } : {}),
    }),
  );
  return QueueUrl as string;
}

/** Long polls waiting in the store right now (the store's waiting room; its size is what a freed poll changes). */
function pollsWaiting(): number {
  const wakeups = (server.store as unknown as { wakeups: { waiting: Map<string, Set<unknown>> } }).wakeups;
  return [...wakeups.waiting.values()].reduce((sum, set) => sum + set.size, 0);
}

describe("queues", () => {
  it("CreateQueue, GetQueueUrl, ListQueues (prefix, paging), Get/SetQueueAttributes, DeleteQueue", async () => {
    const sqs = server.client();
    const name = uniqueQueueName("queues");
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "45", DelaySeconds: "0" } }),
    );
    expect(QueueUrl).toBe(`${server.endpoint}/000000000000/${name}`);
    // Idempotent with the same attributes; QueueNameExists with others.
    await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "45" } }));
    const exists = await rejectionOf(
      sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "46" } })),
    );
    expect(exists.name).toBe("QueueNameExists");
    expect(exists.Code).toBe("QueueAlreadyExists");

    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(QueueUrl);
    const second = `${name}-b`;
    await sqs.send(new CreateQueueCommand({ QueueName: second }));
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }))).QueueUrls).toEqual([
      QueueUrl,
      `${server.endpoint}/000000000000/${second}`,
    ]);
    const page = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name, MaxResults: 1 }));
    expect(page.QueueUrls).toEqual([QueueUrl]);
    expect(page.NextToken).toBeTruthy();
    const next = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: name, MaxResults: 1, NextToken: page.NextToken as string }),
    );
    expect(next.QueueUrls).toEqual([`${server.endpoint}/000000000000/${second}`]);

    const all = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["All"] }));
    expect(all.Attributes).toMatchObject({
      VisibilityTimeout: "45",
      QueueArn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
      ApproximateNumberOfMessages: "0",
    });
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: "10" } }));
    const some = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["VisibilityTimeout"] }),
    );
    expect(some.Attributes).toEqual({ VisibilityTimeout: "10" });
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl }))).Attributes).toBeUndefined();

    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    const gone = await rejectionOf(sqs.send(new GetQueueUrlCommand({ QueueName: name })));
    expect(gone).toBeInstanceOf(QueueDoesNotExist);
    expect(gone.Code).toBe("AWS.SimpleQueueService.NonExistentQueue");
    expect(gone.$fault).toBe("client");
  });

  it("answers AWS's errors for bad queue input", async () => {
    const sqs = server.client();
    const QueueUrl = await newQueue("errors");
    const unknownAttribute = await rejectionOf(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["Nope" as "All"] })),
    );
    expect(unknownAttribute.name).toBe("InvalidAttributeName");
    const badValue = await rejectionOf(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: "99999" } })),
    );
    expect(badValue.name).toBe("InvalidAttributeValue");
    const badName = await rejectionOf(sqs.send(new CreateQueueCommand({ QueueName: "bad name!" })));
    expect(badName.name).toBe("InvalidParameterValue");
    const badUrl = await rejectionOf(sqs.send(new PurgeQueueCommand({ QueueUrl: "http://x/not-a-queue" })));
    expect(badUrl.name).toBe("InvalidAddress");
    const missing = await rejectionOf(sqs.send(new PurgeQueueCommand({ QueueUrl: `${QueueUrl}-missing` })));
    expect(missing).toBeInstanceOf(QueueDoesNotExist);
  });
});

describe("messages", () => {
  it("SendMessage with attributes answers the digests the SDK checks; ReceiveMessage returns them", async () => {
    const sqs = server.client();
    const QueueUrl = await newQueue("messages");
    const MessageAttributes = {
      text: { DataType: "String", StringValue: "héllo <&>" },
      count: { DataType: "Number", StringValue: "42" },
      "group.a": { DataType: "Number.int", StringValue: "7" },
      blob: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    };
    const MessageSystemAttributes = { AWSTraceHeader: { DataType: "String", StringValue: "Root=1-abc" } };
    const body = "body with \r\n line breaks, ünïcödé and 𝄞";
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: body, MessageAttributes, MessageSystemAttributes }),
    );
    expect(sent.MessageId).toBeTruthy();
    expect(sent.MD5OfMessageAttributes).toBe(md5OfAttributes(MessageAttributes));
    expect(sent.MD5OfMessageSystemAttributes).toBe(md5OfAttributes(MessageSystemAttributes));

    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
        WaitTimeSeconds: 1,
      }),
    );
    const [message] = received.Messages ?? [];
    expect(message?.Body).toBe(body);
    expect(message?.MessageId).toBe(sent.MessageId);
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message?.MessageAttributes?.blob?.BinaryValue).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(message?.MessageAttributes?.text?.StringValue).toBe("héllo <&>");
    expect(message?.Attributes).toMatchObject({ ApproximateReceiveCount: "1", AWSTraceHeader: "Root=1-abc" });

    // Only the attributes asked for, and their digest.
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: message?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const filtered = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ["group.*", "text"], WaitTimeSeconds: 1 }),
    );
    const [again] = filtered.Messages ?? [];
    expect(Object.keys(again?.MessageAttributes ?? {}).sort()).toEqual(["group.a", "text"]);
    expect(again?.MD5OfMessageAttributes).toBe(
      md5OfAttributes({ text: MessageAttributes.text, "group.a": MessageAttributes["group.a"] }),
    );
    expect(again?.Attributes).toBeUndefined();
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again?.ReceiptHandle }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
  });

  it("SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch: per-entry results and batch errors", async () => {
    const sqs = server.client();
    const QueueUrl = await newQueue("batch");
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: "a", MessageBody: "one" },
          { Id: "b", MessageBody: "two", MessageAttributes: { k: { DataType: "String", StringValue: "v" } } },
          { Id: "bad", MessageBody: "three", DelaySeconds: 9999 },
        ],
      }),
    );
    expect(sent.Successful?.map((entry) => entry.Id)).toEqual(["a", "b"]);
    expect(sent.Successful?.[1]?.MD5OfMessageAttributes).toBe(
      md5OfAttributes({ k: { DataType: "String", StringValue: "v" } }),
    );
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: "bad", Code: "InvalidParameterValue", SenderFault: true }),
    ]);

    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const messages = received.Messages ?? [];
    expect(messages.map((message) => message.Body).sort()).toEqual(["one", "two"]);
    const changed = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: [
          { Id: "x", ReceiptHandle: messages[0]?.ReceiptHandle, VisibilityTimeout: 60 },
          { Id: "y", ReceiptHandle: "not-a-handle", VisibilityTimeout: 60 },
        ],
      }),
    );
    expect(changed.Successful).toEqual([{ Id: "x" }]);
    expect(changed.Failed?.[0]).toMatchObject({ Id: "y", Code: "ReceiptHandleIsInvalid", SenderFault: true });
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: messages.map((message, index) => ({
          Id: `m${index}`,
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
    expect(deleted.Successful).toHaveLength(2);
    expect(deleted.Failed).toEqual([]);

    const empty = await rejectionOf(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] })));
    expect(empty.name).toBe("EmptyBatchRequest");
    expect(empty.Code).toBe("AWS.SimpleQueueService.EmptyBatchRequest");
    const tooMany = await rejectionOf(
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl,
          Entries: Array.from({ length: 11 }, (_, index) => ({ Id: `e${index}`, MessageBody: "x" })),
        }),
      ),
    );
    expect(tooMany.name).toBe("TooManyEntriesInBatchRequest");
    const repeated = await rejectionOf(
      sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl,
          Entries: [
            { Id: "same", ReceiptHandle: "h1" },
            { Id: "same", ReceiptHandle: "h2" },
          ],
        }),
      ),
    );
    expect(repeated.name).toBe("BatchEntryIdsNotDistinct");
    expect(repeated.Code).toBe("AWS.SimpleQueueService.BatchEntryIdsNotDistinct");
    const badId = await rejectionOf(
      sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: "no spaces", MessageBody: "x" }] })),
    );
    expect(badId.name).toBe("InvalidBatchEntryId");
  });

  it("answers message errors: missing body, too many attributes, bad receive options, bad receipt handle", async () => {
    const sqs = server.client();
    const QueueUrl = await newQueue("message-errors");
    const noBody = await rejectionOf(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: undefined })));
    expect(noBody.name).toBe("MissingParameter");
    const attributes = Object.fromEntries(
      Array.from({ length: 11 }, (_, index) => [`a${index}`, { DataType: "String", StringValue: "v" }]),
    );
    const tooMany = await rejectionOf(
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x", MessageAttributes: attributes })),
    );
    expect(tooMany.name).toBe("InvalidParameterValue");
    const receive = await rejectionOf(
      sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 })),
    );
    expect(receive.name).toBe("InvalidParameterValue");
    const unknownSystem = await rejectionOf(
      sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ["Nope" as "All"] })),
    );
    expect(unknownSystem.name).toBe("InvalidAttributeName");
    const handle = await rejectionOf(
      sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: "garbage" })),
    );
    expect(handle.name).toBe("ReceiptHandleIsInvalid");
    expect((handle as unknown as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode).toBe(
      404,
    );
  });

  it("PurgeQueue deletes every message", async () => {
    const sqs = server.client();
    const QueueUrl = await newQueue("purge");
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    expect(
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))).Messages,
    ).toBeUndefined();
  });
});

describe("long polling", () => {
  it("a ReceiveMessage waiting (WaitTimeSeconds) is answered by a send", async () => {
    const sqs = server.client();
    const QueueUrl = await newQueue("long-poll");
    const before = pollsWaiting();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await eventually(async () => expect(pollsWaiting()).toBe(before + 1));
    await server.client().send(new SendMessageCommand({ QueueUrl, MessageBody: "wake up" }));
    expect((await polling).Messages?.[0]?.Body).toBe("wake up");
  });

  it("the queue's ReceiveMessageWaitTimeSeconds makes a plain ReceiveMessage wait", async () => {
    const sqs = server.client();
    const QueueUrl = await newQueue("queue-wait", { ReceiveMessageWaitTimeSeconds: "20" });
    const before = pollsWaiting();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    await eventually(async () => expect(pollsWaiting()).toBe(before + 1));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "queue default" }));
    expect((await polling).Messages?.[0]?.Body).toBe("queue default");
  });

  it("a client that disconnects mid-poll frees its poll, which then takes no message", async () => {
    const QueueUrl = await newQueue("disconnect");
    const before = pollsWaiting();
    const abort = new AbortController();
    const polling = server
      .client()
      .send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }), { abortSignal: abort.signal })
      .catch((error: Error) => error);
    await eventually(async () => expect(pollsWaiting()).toBe(before + 1));
    abort.abort();
    expect(await polling).toBeInstanceOf(Error);
    await eventually(async () => expect(pollsWaiting()).toBe(before));
    const sqs = server.client();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "for the next receiver" }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(received.Messages?.[0]?.Body).toBe("for the next receiver");
  });
});

describe("queue URLs", () => {
  it("a QueueUrl of any host (the https://sqs.<region>.amazonaws.com/… of !Ref) names the queue, with `endpoint` set", async () => {
    const sqs = server.client();
    const name = uniqueQueueName("aws-url");
    await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const awsUrl = `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`;
    await sqs.send(new SendMessageCommand({ QueueUrl: awsUrl, MessageBody: "via the AWS URL" }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: awsUrl, WaitTimeSeconds: 1 }));
    expect(received.Messages?.[0]?.Body).toBe("via the AWS URL");
  });

  it("without `endpoint` in code (AWS_ENDPOINT_URL_SQS only), the SDK sends to the QueueUrl's own host", async () => {
    // @aws-sdk/middleware-sdk-sqs `useQueueUrlAsEndpoint` (default true) replaces the endpoint by the QueueUrl's
    // origin unless `endpoint` is set in the client's config: a Lambkin queue URL keeps requests on Lambkin, an
    // amazonaws.com one would leave. Observed here without any network: the request's host is captured and stopped.
    const previous = process.env.AWS_ENDPOINT_URL_SQS;
    process.env.AWS_ENDPOINT_URL_SQS = server.endpoint;
    try {
      const hosts: string[] = [];
      const client = server.client({ endpoint: undefined });
      client.middlewareStack.add(
        (next) => async (args) => {
          hosts.push(String((args.request as { hostname?: string }).hostname));
          return next(args);
        },
        { step: "finalizeRequest" },
      );
      const name = uniqueQueueName("env-endpoint");
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: "stays on Lambkin" }));
      expect(hosts).toEqual(["127.0.0.1", "127.0.0.1"]);
      const awsUrl = `https://sqs.us-east-1.amazonaws.com/000000000000/${name}`;
      client.middlewareStack.add(
        () => async () => {
          throw new Error("stopped before the network");
        },
        { step: "finalizeRequest", priority: "low" },
      );
      await rejectionOf(
        client.send(new SendMessageCommand({ QueueUrl: awsUrl, MessageBody: "would leave" })),
      );
      expect(hosts[2]).toBe("sqs.us-east-1.amazonaws.com");
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SQS;
      else process.env.AWS_ENDPOINT_URL_SQS = previous;
    }
  });
});
