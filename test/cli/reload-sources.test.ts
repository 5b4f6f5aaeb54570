// `lambkin dev`'s event sources and resources follow a serverless.yml edit without a restart, on one real process
// and real files: events added to a function — sqs (queue declared in resources), sns (topic made by the event), s3
// (bucket declared in resources) and a DynamoDB stream (on a table declared with the edit, created by the reload,
// on AWS's DynamoDB Local) — start delivering; an unrelated edit leaves the stream poller alone (each record is
// seen once); a changed batchSize restarts it from its checkpoint (no record again); removed events stop
// delivering (the SQS message stays in its queue, the subscription is gone, an object event invokes nothing); and a
// table DynamoDB refuses is one LKN_WRN_RELOAD_SOURCE_FAILED that stops nothing else. Then changed filters
// apply, a removed stream mapping stops reading, and declared again it goes on from its checkpoints.
import { chmodSync, mkdtempSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeFolder, saveByRename } from "../../bench/hot-reload-services.js";
import { type DynamoDbLocal, startDynamoDbLocal } from "../support/dynamodb-local.js";
import { eventually } from "../support/eventually.js";
import { tableYaml } from "../support/table-yaml.js";
import { type LambkinProcess, startLambkin, stopLambkin } from "./cluster-process.js";

const id = Math.random().toString(36).slice(2, 8);
const QUEUE = `rs-jobs-${id}`;
const TOPIC = `rs-news-${id}`;
const BUCKET = `rs-uploads-${id}`;
const TABLE = `rs-orders-${id}`;
const REGION = "us-east-1";
const credentials = { accessKeyId: "AKIDLAMBKIN", secretAccessKey: "lambkin" };

// One line per record the function sees: `SEEN:<source>:<id>`.
const HANDLER = `
exports.sink = async (event) => {
  for (const record of event.Records ?? []) {
    const source = record.eventSource ?? record.EventSource;
    const text = source === "aws:sqs" ? record.body : source === "aws:sns" ? record.Sns.Message : "";
    let named;
    try { named = JSON.parse(text).n; } catch {}
    const seen =
      named ? named
      : source === "aws:sqs" ? record.body
      : source === "aws:sns" ? record.Sns.Message
      : source === "aws:s3" ? record.s3.object.key
      : source === "aws:dynamodb" ? record.dynamodb.Keys.pk.S
      : "unknown";
    console.log("SEEN:" + source.slice(4) + ":" + seen);
  }
  return {};
};
exports.other = async () => ({ other: true });
`;

interface Edit {
  readonly events: readonly string[];
  readonly otherEnv?: string;
  readonly table?: boolean;
  /** A second table, under this TableName (DynamoDB refuses some). */
  readonly badTable?: string;
}

const SQS_EVENT = "      - sqs:\n          arn: !GetAtt JobsQueue.Arn";
const SNS_EVENT = `      - sns: ${TOPIC}`;
const S3_EVENT = `      - s3:\n          bucket: ${BUCKET}\n          event: s3:ObjectCreated:*\n          existing: true`;
const FILTERED_SQS_EVENT =
  "      - sqs:\n          arn: !GetAtt JobsQueue.Arn\n          filterPatterns:\n            - body:\n                kind: [keep]";
const FILTERED_SNS_EVENT = `      - sns:\n          topicName: ${TOPIC}\n          filterPolicy:\n            kind: [keep]`;
const streamEvent = (batchSize: number) =>
  `      - stream:\n          type: dynamodb\n          arn: !GetAtt OrdersTable.StreamArn\n          batchSize: ${batchSize}\n          startingPosition: TRIM_HORIZON`;

function manifest(edit: Edit): string {
  const events = edit.events.length > 0 ? `    events:\n${edit.events.join("\n")}\n` : "";
  return `service: rsrc${id}
provider:
  name: aws
  runtime: nodejs20.x
  region: ${REGION}
  timeout: 3
functions:
  sink:
    handler: handler.sink
${events}  other:
    handler: handler.other
    environment:
      MOOD: "${edit.otherEnv ?? "calm"}"
resources:
  Resources:
    JobsQueue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: ${QUEUE}
        VisibilityTimeout: 30
    UploadsBucket:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: ${BUCKET}
${edit.table ? tableYaml("OrdersTable", TABLE, { stream: true }) : ""}${
  edit.badTable ? tableYaml("BadTable", `"${edit.badTable}"`) : ""
}`;
}

/** How many times the function saw the record `what` of `source`. */
function seen(output: string, source: string, what: string): number {
  return output.match(new RegExp(`SEEN:${source}:${what}\\b`, "g"))?.length ?? 0;
}

function count(text: string, needle: string | RegExp): number {
  return typeof needle === "string"
    ? text.split(needle).length - 1
    : (text.match(new RegExp(needle, "g")) ?? []).length;
}

describe("lambkin dev: event sources and resources follow a serverless.yml edit", () => {
  let ddb: DynamoDbLocal;
  let dev: LambkinProcess;
  let root: string;
  let file: string;
  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
    root = mkdtempSync(join(tmpdir(), "lambkin-reload-sources-"));
    chmodSync(root, 0o755); // as Lambda's code: readable by the unprivileged user functions run as
    file = join(root, "serverless.yml");
    await writeFile(join(root, "handler.js"), HANDLER);
    await writeFile(file, manifest({ events: [] }));
    dev = await startLambkin("dev", root, { AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint });
  }, 60_000);
  afterAll(async () => {
    await stopLambkin(dev);
    await ddb?.dispose();
    await removeFolder(root);
  });

  /** Waits for the n-th "event sources follow the reload" line, and returns it. */
  async function followed(n: number): Promise<string> {
    return eventually(async () => {
      const lines = dev
        .output()
        .split("\n")
        .filter((line) => line.includes("event sources follow the reload"));
      const line = lines[n - 1];
      if (line === undefined) throw new Error(`no reload line ${n} yet:\n${dev.output()}`);
      return line;
    });
  }

  it("starts, keeps, restarts and stops sources as serverless.yml changes", async () => {
    const sqs = new SQSClient({ endpoint: dev.url, region: REGION, credentials });
    const sns = new SNSClient({ endpoint: dev.url, region: REGION, credentials });
    const s3Endpoint = /S3 on (http:\/\/[\d.:]+)/.exec(dev.output())?.[1] ?? "";
    expect(s3Endpoint).not.toBe("");
    const s3 = new S3Client({ endpoint: s3Endpoint, region: REGION, credentials, forcePathStyle: true });
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
    const topicArn = `arn:aws:sns:${REGION}:000000000000:${TOPIC}`;
    const put = (pk: string) =>
      ddb.tables().send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk } } }));

    // 1. Four events added, and a table for the stream; a table DynamoDB refuses is reported, nothing else stops.
    saveByRename(
      file,
      manifest({
        events: [SQS_EVENT, SNS_EVENT, S3_EVENT, streamEvent(10)],
        table: true,
        badTable: `no spaces allowed ${id}`,
      }),
    );
    const first = await followed(1);
    expect(first).toMatch(/sqs 1 added/);
    expect(first).toMatch(/sns 2 added/); // the topic and its subscription
    expect(first).toMatch(/streams 1 added/);
    expect(first).toMatch(/s3 1 added/);
    expect(dev.output()).toMatch(/LKN_WRN_RELOAD_SOURCE_FAILED.*table no spaces allowed/);
    const described = await ddb.tables().send(new DescribeTableCommand({ TableName: TABLE }));
    expect(described.Table?.LatestStreamArn).toContain(TABLE);

    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "m1" }));
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: "p1" }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "k1", Body: "one" }));
    await put("o1");
    await eventually(async () => {
      const output = dev.output();
      expect(seen(output, "sqs", "m1")).toBe(1);
      expect(seen(output, "sns", "p1")).toBe(1);
      expect(seen(output, "s3", "k1")).toBe(1);
      expect(seen(output, "dynamodb", "o1")).toBe(1);
    });
    expect(count(dev.output(), `reads the DynamoDB stream ${described.Table?.LatestStreamArn}`)).toBe(1);

    // 2. An unrelated edit (another function's environment): the whole service reloads, no source restarts.
    saveByRename(
      file,
      manifest({ events: [SQS_EVENT, SNS_EVENT, S3_EVENT, streamEvent(10)], table: true, otherEnv: "busy" }),
    );
    await eventually(async () => expect(count(dev.output(), /reloaded rsrc/)).toBe(2));
    await put("o2");
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "m2" }));
    await eventually(async () => {
      expect(seen(dev.output(), "dynamodb", "o2")).toBe(1);
      expect(seen(dev.output(), "sqs", "m2")).toBe(1);
    });
    expect(seen(dev.output(), "dynamodb", "o1")).toBe(1);
    expect(count(dev.output(), "reads the DynamoDB stream")).toBe(1);
    // Nothing but the bad table (dropped) changed: no second line says a source was added, removed or changed.
    expect(count(dev.output(), "event sources follow the reload")).toBe(1);

    // 3. sqs, sns and s3 events removed, the stream's batchSize changed: it restarts from its checkpoint.
    saveByRename(file, manifest({ events: [streamEvent(7)], table: true }));
    const third = await followed(2);
    expect(third).toMatch(/sqs 1 removed/);
    expect(third).toMatch(/sns 1 removed/);
    expect(third).toMatch(/streams 1 changed/);
    expect(third).toMatch(/s3 1 removed/);
    await eventually(async () => expect(count(dev.output(), "reads the DynamoDB stream")).toBe(2));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "m3" }));
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: "p3" }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "k3", Body: "three" }));
    const subscriptions = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
    expect(subscriptions.Subscriptions ?? []).toEqual([]);
    await put("o3");
    await eventually(async () => expect(seen(dev.output(), "dynamodb", "o3")).toBe(1));
    // The restarted poller went on from its checkpoint: no record seen twice.
    expect(seen(dev.output(), "dynamodb", "o1")).toBe(1);
    expect(seen(dev.output(), "dynamodb", "o2")).toBe(1);
    // The message stays in its queue for whoever reads it; the publish and the object event invoked nothing.
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect((received.Messages ?? []).map((message) => message.Body)).toEqual(["m3"]);
    expect(seen(dev.output(), "sqs", "m3")).toBe(0);
    expect(seen(dev.output(), "sns", "p3")).toBe(0);
    expect(seen(dev.output(), "s3", "k3")).toBe(0);
    // The topic, the queue and the bucket are kept (a deploy would delete what is no longer declared).
    expect(seen(dev.output(), "sqs", "m1")).toBe(1);
  }, 120_000);
  // Goes on from the first test's process and state (the stream mapping at batchSize 7, the other events removed).
  it("applies changed filters, stops a removed stream mapping, and creates a corrected table", async () => {
    const sqs = new SQSClient({ endpoint: dev.url, region: REGION, credentials });
    const sns = new SNSClient({ endpoint: dev.url, region: REGION, credentials });
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
    const topicArn = `arn:aws:sns:${REGION}:000000000000:${TOPIC}`;
    const lines = () => count(dev.output(), "event sources follow the reload");
    const before = lines();

    // Filters added to the sqs and sns events: only what they match invokes the function.
    saveByRename(
      file,
      manifest({ events: [FILTERED_SQS_EVENT, FILTERED_SNS_EVENT, streamEvent(7)], table: true }),
    );
    const filtered = await followed(before + 1);
    expect(filtered).toMatch(/sqs 1 added/);
    expect(filtered).toMatch(/sns 2 added/); // the topic (kept since) declared again, and its subscription
    expect(filtered).not.toMatch(/streams/); // unchanged: the same poller
    await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ kind: "drop", n: "f1" }) }),
    );
    await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ kind: "keep", n: "f2" }) }),
    );
    const publish = (n: string, kind: string) =>
      sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: JSON.stringify({ n }),
          MessageAttributes: { kind: { DataType: "String", StringValue: kind } },
        }),
      );
    await publish("g1", "drop");
    await publish("g2", "keep");
    await eventually(async () => {
      expect(seen(dev.output(), "sqs", "f2")).toBe(1);
      expect(seen(dev.output(), "sns", "g2")).toBe(1);
    });
    expect(seen(dev.output(), "sqs", "f1")).toBe(0);
    expect(seen(dev.output(), "sns", "g1")).toBe(0);
    expect(count(dev.output(), "reads the DynamoDB stream")).toBe(2);

    // The stream event removed, a valid second table: the poller stops, the table is created.
    const fixed = `rs-fixed-${id}`;
    saveByRename(file, manifest({ events: [FILTERED_SQS_EVENT], table: true, badTable: fixed }));
    const removed = await followed(before + 2);
    expect(removed).toMatch(/streams 1 removed/);
    expect(removed).toMatch(/sns 1 removed/);
    expect(removed).toMatch(/tables and buckets 1 added/);
    const created = await ddb.tables().send(new DescribeTableCommand({ TableName: fixed }));
    expect(created.Table?.TableStatus).toBe("ACTIVE");
    await ddb.tables().send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: "o4" } } }));
    // A message the still-declared sqs event takes, after the item: by then a poller would have read o4.
    await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ kind: "keep", n: "f3" }) }),
    );
    await eventually(async () => expect(seen(dev.output(), "sqs", "f3")).toBe(1));
    // Long enough for a poller still running to read it (it polls a shard four times a second).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(seen(dev.output(), "dynamodb", "o4")).toBe(0);

    // Declared again: the mapping goes on from its checkpoints — o4 once, nothing before it again.
    saveByRename(
      file,
      manifest({ events: [FILTERED_SQS_EVENT, streamEvent(7)], table: true, badTable: fixed }),
    );
    expect(await followed(before + 3)).toMatch(/streams 1 added/);
    await eventually(async () => expect(seen(dev.output(), "dynamodb", "o4")).toBe(1));
    for (const pk of ["o1", "o2", "o3"]) expect(seen(dev.output(), "dynamodb", pk)).toBe(1);
  }, 60_000);
});
