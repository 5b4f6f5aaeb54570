/**
 * SQS's query protocol, checked against the aws CLI's own code: the inputs are serialized by botocore's
 * QuerySerializer (the Debian awscli 2.9 package behind /usr/bin/aws) and must read back as the JSON input
 * client-sqs would send; the outputs are written as XML and must parse, with botocore's QueryParser, back to the
 * JSON output they were written from.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { queryResponseXml } from "../../../gateway/aws-protocols/query-protocol.js";
import { queryInput as sqsQueryInput } from "../../../gateway/sqs-api/sqs-query-input.js";
import { queryOutput as sqsQueryResult } from "../../../gateway/sqs-api/sqs-query-output.js";

const BOTOCORE = fileURLToPath(new URL("./botocore-query.py", import.meta.url));
const NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/";
const URL_ = "http://localhost:4000/000000000000/orders";

function botocore(request: Record<string, unknown>): unknown {
  const out = execFileSync("/usr/bin/python3", [BOTOCORE], { input: JSON.stringify(request) });
  return JSON.parse(out.toString("utf8"));
}

/** What the aws CLI sends for `input`, as the form parameters the gateway reads. */
function cliParameters(action: string, input: Record<string, unknown>): Map<string, string> {
  const body = botocore({ mode: "serialize", action, input }) as Record<string, string>;
  return new Map(Object.entries(body));
}

/** What the aws CLI reads from the XML Lambkin writes for `output`. */
function cliReads(action: string, output: Record<string, unknown>): unknown {
  const xml = queryResponseXml(action, NAMESPACE, "req-1", sqsQueryResult(action, output));
  return botocore({ mode: "parse", action, xml });
}

/** The input with every number as its decimal text, as the query protocol carries it. */
function asText(value: unknown): unknown {
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return value.map(asText);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asText(item)]));
  }
  return value;
}

const messageAttributes = {
  color: { DataType: "String", StringValue: "blue & <green>" },
  count: { DataType: "Number", StringValue: "12.5" },
  blob: { DataType: "Binary.custom", BinaryValue: Buffer.from([0, 1, 2, 255]).toString("base64") },
};

const INPUTS: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  [
    "CreateQueue",
    {
      QueueName: "orders.fifo",
      Attributes: {
        FifoQueue: "true",
        VisibilityTimeout: "45",
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:dlq",
          maxReceiveCount: 3,
        }),
      },
      tags: { team: "a b", env: "dev" },
    },
  ],
  ["GetQueueUrl", { QueueName: "orders", QueueOwnerAWSAccountId: "000000000000" }],
  ["ListQueues", { QueueNamePrefix: "ord", MaxResults: 5, NextToken: "tok+/=" }],
  ["GetQueueAttributes", { QueueUrl: URL_, AttributeNames: ["All", "VisibilityTimeout"] }],
  ["SetQueueAttributes", { QueueUrl: URL_, Attributes: { DelaySeconds: "5", Policy: '{"a":"&="}' } }],
  [
    "SendMessage",
    {
      QueueUrl: URL_,
      MessageBody: "héllo\r\n&=+%20 <x/>",
      DelaySeconds: 10,
      MessageAttributes: messageAttributes,
      MessageSystemAttributes: { AWSTraceHeader: { DataType: "String", StringValue: "Root=1-abc" } },
      MessageDeduplicationId: "d-1",
      MessageGroupId: "g-1",
    },
  ],
  [
    "SendMessageBatch",
    {
      QueueUrl: URL_,
      Entries: [
        { Id: "a", MessageBody: "one", DelaySeconds: 0, MessageAttributes: messageAttributes },
        { Id: "b", MessageBody: "two", MessageGroupId: "g" },
      ],
    },
  ],
  [
    "ReceiveMessage",
    {
      QueueUrl: URL_,
      AttributeNames: ["All"],
      MessageAttributeNames: ["color", "blob.*"],
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 20,
      ReceiveRequestAttemptId: "attempt",
    },
  ],
  ["DeleteMessage", { QueueUrl: URL_, ReceiptHandle: "rh/+=" }],
  [
    "DeleteMessageBatch",
    {
      QueueUrl: URL_,
      Entries: [
        { Id: "1", ReceiptHandle: "r1" },
        { Id: "2", ReceiptHandle: "r2" },
      ],
    },
  ],
  ["ChangeMessageVisibility", { QueueUrl: URL_, ReceiptHandle: "r", VisibilityTimeout: 43200 }],
  [
    "ChangeMessageVisibilityBatch",
    { QueueUrl: URL_, Entries: [{ Id: "1", ReceiptHandle: "r1", VisibilityTimeout: 5 }] },
  ],
  ["PurgeQueue", { QueueUrl: URL_ }],
  ["DeleteQueue", { QueueUrl: URL_ }],
];

describe("query-protocol input read as the JSON input client-sqs sends", () => {
  it.each(INPUTS)("%s", (action, input) => {
    const parameters = cliParameters(action, input);
    expect(parameters.get("Action")).toBe(action);
    // Scalars stay the text sent (the operations read integers from it), so numbers compare as text.
    expect(sqsQueryInput(action, parameters)).toEqual(asText(input));
  });

  it("reads no list or map past its limit + 1, whatever the request holds", () => {
    const parameters = new Map<string, string>([["QueueUrl", URL_]]);
    for (let n = 1; n <= 1500; n++) {
      parameters.set(`SendMessageBatchRequestEntry.${n}.Id`, `e${n}`);
      parameters.set(`SendMessageBatchRequestEntry.${n}.MessageBody`, "x");
    }
    for (let n = 1; n <= 1500; n++) {
      parameters.set(`SendMessageBatchRequestEntry.1.MessageAttribute.${n}.Name`, `a${n}`);
      parameters.set(`SendMessageBatchRequestEntry.1.MessageAttribute.${n}.Value.DataType`, "String");
    }
    const input = sqsQueryInput("SendMessageBatch", parameters) as {
      Entries: Array<{ MessageAttributes?: Record<string, unknown> }>;
    };
    expect(input.Entries).toHaveLength(11);
    expect(Object.keys(input.Entries[0]?.MessageAttributes ?? {})).toHaveLength(11);
  });
});

const hostileBody = "<&>\"' ]]> \r\n\t \u00e9 \u{1F600} &amp;";

const OUTPUTS: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["CreateQueue", { QueueUrl: URL_ }],
  ["GetQueueUrl", { QueueUrl: URL_ }],
  ["ListQueues", { QueueUrls: [URL_, `${URL_}-2`], NextToken: "next&<" }],
  ["GetQueueAttributes", { Attributes: { VisibilityTimeout: "30", Policy: '{"x":"<&>"}' } }],
  [
    "SendMessage",
    {
      MD5OfMessageBody: "a".repeat(32),
      MD5OfMessageAttributes: "b".repeat(32),
      MD5OfMessageSystemAttributes: "c".repeat(32),
      MessageId: "id-1",
      SequenceNumber: "10000000000000000001",
    },
  ],
  [
    "SendMessageBatch",
    {
      Successful: [{ Id: "a", MessageId: "m", MD5OfMessageBody: "d".repeat(32) }],
      Failed: [{ Id: "b", SenderFault: true, Code: "InvalidParameterValue", Message: "bad <value>" }],
    },
  ],
  [
    "ReceiveMessage",
    {
      Messages: [
        {
          MessageId: "m1",
          ReceiptHandle: "rh+/=",
          MD5OfBody: "e".repeat(32),
          Body: hostileBody,
          Attributes: { SenderId: "000000000000", ApproximateReceiveCount: "1" },
          MD5OfMessageAttributes: "f".repeat(32),
          MessageAttributes: messageAttributes,
        },
        { MessageId: "m2", ReceiptHandle: "rh2", MD5OfBody: "0".repeat(32), Body: "" },
      ],
    },
  ],
  ["ReceiveMessage", {}],
  ["DeleteMessageBatch", { Successful: [{ Id: "1" }], Failed: [] }],
  [
    "ChangeMessageVisibilityBatch",
    {
      Successful: [{ Id: "1" }],
      Failed: [{ Id: "2", SenderFault: true, Code: "ReceiptHandleIsInvalid", Message: "no" }],
    },
  ],
];

describe("query-protocol output as the aws CLI reads it", () => {
  it.each(OUTPUTS)("%s", (action, output) => {
    const withoutEmptyLists = Object.fromEntries(
      Object.entries(output).filter(([, value]) => !(Array.isArray(value) && value.length === 0)),
    );
    expect(cliReads(action, output)).toEqual(withoutEmptyLists);
  });

  it("writes no result element for an action without output", () => {
    const xml = queryResponseXml("DeleteQueue", NAMESPACE, "req-1", sqsQueryResult("DeleteQueue", {}));
    expect(xml).not.toContain("DeleteQueueResult");
    expect(xml).toContain("<RequestId>req-1</RequestId>");
  });

  it("writes a carriage return as a character reference, so that it survives XML parsing", () => {
    const children = sqsQueryResult("ReceiveMessage", { Messages: [{ Body: "a\rb" }] });
    const xml = queryResponseXml("ReceiveMessage", NAMESPACE, "r", children);
    expect(xml).toContain("<Body>a&#xD;b</Body>");
  });
});
