// Hostile and malformed requests to the SQS API get AWS's error shape in the protocol they used — never a crash,
// a hang or unbounded memory — and the server keeps serving. Raw HTTP, as an attacker would send it; with no access
// keys configured a credential scope is enough to be routed to SQS (signatures are not checked).
import { CreateQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SqsApiServer, startSqsApiServer, uniqueQueueName } from "./sqs-api-server.js";

let server: SqsApiServer;
let queueUrl: string;

const SQS_AUTHORIZATION =
  "AWS4-HMAC-SHA256 Credential=AKIDLAMBKINTEST00001/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";

beforeAll(async () => {
  server = await startSqsApiServer();
  const created = await server
    .client()
    .send(new CreateQueueCommand({ QueueName: uniqueQueueName("hostile") }));
  queueUrl = created.QueueUrl as string;
});
afterAll(async () => {
  await server?.close();
});

function query(body: string | Buffer, path = "/"): Promise<Response> {
  return fetch(`${server.endpoint}${path}`, {
    method: "POST",
    headers: {
      authorization: SQS_AUTHORIZATION,
      "x-amz-date": "20260101T000000Z",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
}

function json(target: string, body: string): Promise<Response> {
  return fetch(`${server.endpoint}/`, {
    method: "POST",
    headers: { "x-amz-target": target, "content-type": "application/x-amz-json-1.0" },
    body,
  });
}

async function queryError(
  response: Response,
): Promise<{ status: number; code: string | undefined; type: string | undefined }> {
  const text = await response.text();
  expect(text).toMatch(
    /^<\?xml version="1\.0"\?><ErrorResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/">/,
  );
  expect(response.headers.get("x-amzn-requestid")).toBeTruthy();
  return {
    status: response.status,
    code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
    type: /<Type>([^<]*)<\/Type>/.exec(text)?.[1],
  };
}

async function jsonError(
  response: Response,
): Promise<{ status: number; type: unknown; queryError: string | null }> {
  const body = (await response.json()) as { __type?: unknown; message?: unknown };
  expect(typeof body.message).toBe("string");
  return {
    status: response.status,
    type: body.__type,
    queryError: response.headers.get("x-amzn-query-error"),
  };
}

async function stillServes(): Promise<void> {
  const received = await server.client().send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
  expect(received.$metadata.httpStatusCode).toBe(200);
}

describe("query protocol", () => {
  it("refuses a body over the limit as it arrives (413), and keeps serving", async () => {
    const huge = Buffer.alloc(6 * 1024 * 1024, "a");
    const error = await queryError(
      await query(Buffer.concat([Buffer.from("Action=SendMessage&MessageBody="), huge])),
    );
    expect(error).toEqual({ status: 413, code: "RequestEntityTooLarge", type: "Sender" });
    await stillServes();
  });

  it("refuses thousands of parameters (MalformedQueryString) and thousands of attribute entries", async () => {
    const many = Array.from({ length: 5000 }, (_, index) => `Attribute.${index + 1}.Name=A${index}`).join(
      "&",
    );
    expect(await queryError(await query(`Action=CreateQueue&QueueName=q&${many}`))).toMatchObject({
      status: 400,
      code: "MalformedQueryString",
    });
    const attributes = Array.from(
      { length: 300 },
      (_, index) =>
        `MessageAttribute.${index + 1}.Name=a${index}&MessageAttribute.${index + 1}.Value.DataType=String&MessageAttribute.${index + 1}.Value.StringValue=v`,
    ).join("&");
    const error = await queryError(
      await query(`Action=SendMessage&QueueUrl=${encodeURIComponent(queueUrl)}&MessageBody=x&${attributes}`),
    );
    expect(error).toMatchObject({ status: 400, code: "InvalidParameterValue" });
    await stillServes();
  });

  it("answers an unknown or missing Action, malformed percent-encoding and repeated parameters", async () => {
    expect(await queryError(await query("Action=DropAllTables"))).toMatchObject({
      status: 400,
      code: "InvalidAction",
    });
    expect(await queryError(await query("QueueName=x"))).toMatchObject({
      status: 400,
      code: "MissingAction",
    });
    expect(await queryError(await query("Action=ListQueues&QueueNamePrefix=%E0%A4%A"))).toMatchObject({
      code: "MalformedQueryString",
    });
    expect(await queryError(await query("Action=ListQueues&Action=ListQueues"))).toMatchObject({
      code: "MalformedQueryString",
    });
    expect(await queryError(await query("Action=GetQueueUrl"))).toMatchObject({ code: "MissingParameter" });
  });

  it("takes the queue from the path when a client POSTs to the queue URL, and escapes what it echoes", async () => {
    const path = new URL(queueUrl).pathname;
    const response = await query("Action=SendMessage&MessageBody=%3Cscript%3E%26%00", path);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("<SendMessageResponse");
    expect(text).toMatch(/<MD5OfMessageBody>[0-9a-f]{32}<\/MD5OfMessageBody>/);
    const invalid = await queryError(await query("Action=ListQueues&QueueNamePrefix=%3C%2FCode%3E%3Cx%3E"));
    expect(invalid.status).toBeLessThan(500);
  });

  it("answers a classified request with a malformed URL in SQS's format", async () => {
    expect(await queryError(await query("Action=ListQueues", "/000000000000/%ZZ"))).toMatchObject({
      status: 400,
    });
  });
});

describe("JSON protocol", () => {
  it("answers malformed JSON and non-object bodies with SerializationException", async () => {
    for (const body of ["{not json", "[1,2]", "null", '"text"']) {
      expect(await jsonError(await json("AmazonSQS.ListQueues", body))).toEqual({
        status: 400,
        type: "com.amazonaws.sqs#SerializationException",
        queryError: "MalformedQueryString;Sender",
      });
    }
  });

  it("answers an unknown X-Amz-Target with UnknownOperationException", async () => {
    for (const target of [
      "AmazonSQS.DropAllTables",
      "AmazonSQS.",
      "AmazonSQS.List Queues",
      `AmazonSQS.${"A".repeat(5000)}`,
    ]) {
      expect(await jsonError(await json(target, "{}"))).toMatchObject({
        status: 400,
        type: "com.amazonaws.sqs#UnknownOperationException",
      });
    }
  });

  it("answers wrong member types and oversized maps with InvalidParameterValue, not a crash", async () => {
    const cases = [
      { QueueUrl: 5 },
      { QueueUrl: queueUrl, MessageBody: "x", DelaySeconds: "soon" },
      { QueueUrl: queueUrl, MessageBody: "x", MessageAttributes: [1, 2] },
      { QueueUrl: queueUrl, MessageBody: "x", MessageAttributes: { a: "not an object" } },
      {
        QueueUrl: queueUrl,
        MessageBody: "x",
        MessageAttributes: { a: { DataType: "Binary", BinaryValue: "!!" } },
      },
    ];
    for (const input of cases) {
      const error = await jsonError(await json("AmazonSQS.SendMessage", JSON.stringify(input)));
      expect(error).toMatchObject({ status: 400, type: "com.amazonaws.sqs#InvalidParameterValue" });
    }
    const attributes = Object.fromEntries(Array.from({ length: 5000 }, (_, index) => [`A${index}`, "1"]));
    const error = await jsonError(
      await json("AmazonSQS.CreateQueue", JSON.stringify({ QueueName: "q", Attributes: attributes })),
    );
    expect(error.type).toBe("com.amazonaws.sqs#InvalidParameterValue");
    const entries = await jsonError(
      await json("AmazonSQS.SendMessageBatch", JSON.stringify({ QueueUrl: queueUrl, Entries: [null] })),
    );
    expect(entries.type).toBe("com.amazonaws.sqs#InvalidParameterValue");
    await stillServes();
  });
});
