// The SQS API shares the gateway's port: signed requests are routed by their credential scope, so API Gateway
// routes (also at `/`-rooted paths) and the Lambda Invoke API keep working beside it; with access keys configured,
// SQS requests must be signed by one of them for the `sqs` scope; a gateway without a store answers SQS clearly.
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  CreateQueueCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../support/eventually.js";
import {
  rejectionOf,
  type SqsApiServer,
  startSqsApiServer,
  TEST_KEY,
  uniqueQueueName,
} from "./sqs-api-server.js";

describe("beside API Gateway and the Lambda API", () => {
  let server: SqsApiServer;
  beforeAll(async () => {
    server = await startSqsApiServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("an API Gateway route and the Invoke API answer as before while SQS is served", async () => {
    const route = await fetch(`${server.endpoint}/hello`);
    expect(route.status).toBe(200);
    expect(await route.json()).toEqual({ message: "Hello Lambda" });
    const notARoute = await fetch(`${server.endpoint}/000000000000/some-queue`, {
      method: "POST",
      body: "Action=ListQueues",
    });
    expect(notARoute.headers.get("content-type")).not.toBe("text/xml");
    const lambda = new LambdaClient({
      endpoint: server.endpoint,
      region: "us-east-1",
      credentials: TEST_KEY,
      maxAttempts: 1,
    });
    try {
      const invoked = await lambda.send(
        new InvokeCommand({ FunctionName: "hello", Payload: Buffer.from("{}") }),
      );
      expect(invoked.StatusCode).toBe(200);
    } finally {
      lambda.destroy();
    }
    await server.client().send(new CreateQueueCommand({ QueueName: uniqueQueueName("beside") }));
    expect((await server.client().send(new ListQueuesCommand({}))).QueueUrls?.length).toBeGreaterThan(0);
  });
});

describe("closing the gateway", () => {
  it("answers a pending long poll at once instead of holding the close", async () => {
    const server = await startSqsApiServer();
    try {
      const sqs = server.client();
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueQueueName("closing") }));
      const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
      const wakeups = (server.store as unknown as { wakeups: { waiting: Map<string, Set<unknown>> } })
        .wakeups;
      await eventually(async () => expect(wakeups.waiting.size).toBe(1));
      await server.app.close();
      expect((await polling).Messages).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

describe("with access keys (LAMBKIN_ACCESS_KEYS)", () => {
  let server: SqsApiServer;
  beforeAll(async () => {
    server = await startSqsApiServer({
      accessKeys: new Map([[TEST_KEY.accessKeyId, TEST_KEY.secretAccessKey]]),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("serves requests signed by a known key, in both protocols", async () => {
    const name = uniqueQueueName("signed");
    const { QueueUrl } = await server.client().send(new CreateQueueCommand({ QueueName: name }));
    await server.client().send(new SendMessageCommand({ QueueUrl, MessageBody: "signed" }));
    const cli = await server.aws(["get-queue-url", "--queue-name", name]);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual({ QueueUrl });
  });

  it("refuses unknown keys, wrong secrets and unsigned requests with SQS's common errors", async () => {
    const unknown = await rejectionOf(
      server
        .client({ credentials: { accessKeyId: "AKIDUNKNOWN000000000", secretAccessKey: "x" } })
        .send(new ListQueuesCommand({})),
    );
    expect(unknown.name).toBe("InvalidClientTokenId");
    expect(unknown.$metadata).toMatchObject({ httpStatusCode: 403 });
    const wrongSecret = await server.aws(["list-queues"], {
      accessKeyId: TEST_KEY.accessKeyId,
      secretAccessKey: "wrong",
    });
    expect(wrongSecret.stderr).toContain("(SignatureDoesNotMatch)");
    const unsigned = await fetch(`${server.endpoint}/`, {
      method: "POST",
      headers: { "x-amz-target": "AmazonSQS.ListQueues", "content-type": "application/x-amz-json-1.0" },
      body: "{}",
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: "com.amazonaws.sqs#MissingAuthenticationToken" });
    expect(unsigned.headers.get("x-amzn-query-error")).toBe("MissingAuthenticationToken;Sender");
  });
});

describe("without an SQS store", () => {
  let server: SqsApiServer;
  beforeAll(async () => {
    server = await startSqsApiServer({ withStore: false });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("answers ServiceUnavailable in both protocols, naming why", async () => {
    const sdk = await rejectionOf(server.client().send(new ListQueuesCommand({})));
    expect(sdk.name).toBe("ServiceUnavailable");
    expect(sdk.message).toContain("LKN_ERR_SQS_API_NO_STORE");
    const cli = await server.aws(["list-queues"]);
    expect(cli.stderr).toContain("(ServiceUnavailable)");
  });
});
