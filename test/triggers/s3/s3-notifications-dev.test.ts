/**
 * S3 notifications end to end through a real `lambkin dev` (compiled, as a user runs it): records posted to
 * POST /_lambkin/s3-events as an S3 server's webhook posts them reach the functions whose `s3` events match —
 * bucket, event type, prefix and suffix — asynchronously, one invocation per record, in AWS's event shape; bad
 * posts get a 400 before anything is queued; a failing function's event ends as a dead letter (retries of
 * any Event invocation). And `lambkin env` prints the endpoints of that running Lambkin.
 */
import { join } from "node:path";
import { S3Schema } from "@aws-lambda-powertools/parser/schemas/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LambkinProcess, ROOT, startLambkin, stopLambkin } from "../../cli/cluster-process.js";
import { eventually } from "../../support/eventually.js";
import { runLambkin } from "../../support/run-lambkin.js";

const SERVICE = join(ROOT, "test", "fixtures", "s3-events");

function record(bucket: string, key: string, eventName = "ObjectCreated:Put") {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: "eu-west-1",
    eventTime: "2026-12-02T10:00:00.000Z",
    eventName,
    s3: { s3SchemaVersion: "1.0", bucket: { name: bucket }, object: { key, size: 3, eTag: "abc" } },
  };
}

describe("S3 notifications through lambkin dev", () => {
  let dev: LambkinProcess;
  beforeAll(async () => {
    dev = await startLambkin("dev", SERVICE, { LAMBKIN_ASYNC_RETRY_DELAYS: "0,0" });
  });
  afterAll(async () => {
    if (dev) await stopLambkin(dev);
  });

  async function post(body: unknown): Promise<Response> {
    return fetch(`${dev.url}/_lambkin/s3-events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  /** The events a function printed (RECORD lines of Lambkin's output). */
  async function received(functionKey: string): Promise<{ Records: unknown[] }[]> {
    const prefix = `RECORD s3events-dev-${functionKey} `;
    return dev
      .output()
      .split("\n")
      .flatMap((line) => {
        const at = line.indexOf(prefix);
        return at === -1 ? [] : [JSON.parse(line.slice(at + prefix.length))];
      });
  }

  it("invokes each matching function once per record, asynchronously, in AWS's shape", async () => {
    const response = await post({
      Records: [
        record("photos", "uploads/cat+1.jpg"), // thumbnails: prefix and suffix match
        record("photos", "uploads/notes.txt"), // no suffix match
        record("photos", "other/cat.jpg"), // no prefix match
        record("photos", "uploads/old.jpg", "ObjectRemoved:Delete"), // cleanup, not thumbnails
        record("s3events-dev-documents", "report.pdf"), // documents, through !Ref
        record("elsewhere", "uploads/x.jpg"), // nobody watches it
      ],
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ records: 6, invocations: 3 });
    await eventually(async () => expect(await received("thumbnails")).toHaveLength(1));
    await eventually(async () => expect(await received("cleanup")).toHaveLength(1));
    await eventually(async () => expect(await received("documents")).toHaveLength(1));
    const [event] = await received("thumbnails");
    expect(S3Schema.parse(event)).toEqual(event);
    expect(event?.Records).toHaveLength(1);
    expect(event?.Records[0]).toMatchObject({
      eventVersion: "2.1",
      eventName: "ObjectCreated:Put",
      awsRegion: "eu-west-1",
      s3: {
        configurationId: "s3events-dev-thumbnails-s3-1",
        bucket: { name: "photos", arn: "arn:aws:s3:::photos" },
        object: { key: "uploads/cat+1.jpg", size: 3, eTag: "abc" },
      },
    });
  });

  it("refuses a malformed post with a 400 naming the record, and queues nothing of it", async () => {
    const response = await post({
      Records: [record("photos", "uploads/ok.jpg"), { eventName: "ObjectCreated:Put" }],
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: "LKN_ERR_ADMIN_REQUEST_INVALID",
      type: "InvalidRequestContentException",
      message: "Records[1]: s3.bucket and s3.object must be objects",
    });
    for (const body of ["not json", "[]", '{"Records": 5}']) expect((await post(body)).status).toBe(400);
    expect((await post({ Records: Array.from({ length: 1001 }, () => ({})) })).status).toBe(400);
    expect((await post("x".repeat(2_000_000))).status).toBe(413);
    // S3's test event is accepted and starts nothing.
    expect(
      await (await post({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "photos" })).json(),
    ).toEqual({
      records: 0,
      invocations: 0,
    });
    expect(await received("thumbnails")).toHaveLength(1);
  });

  it("keeps a failing function's event as a dead letter, as any asynchronous invocation", async () => {
    expect((await post({ Records: [record("broken", "a.txt")] })).status).toBe(202);
    await eventually(async () => {
      const list = await runLambkin(["events", "list", "--json", "--endpoint", dev.url]);
      const letters = JSON.parse(list.stdout) as { functionName: string; source: string }[];
      expect(letters.map((letter) => [letter.functionName, letter.source])).toContainEqual([
        "s3events-dev-failing",
        "s3:broken",
      ]);
    });
  });

  it("lambkin env prints the running Lambkin's endpoints as shell exports", async () => {
    const run = await runLambkin(["env", "--endpoint", dev.url], { AWS_ENDPOINT_URL_DYNAMODB: "" });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`export AWS_ENDPOINT_URL_LAMBDA='${dev.url}'\n`);
    expect(run.stdout).toContain(`export AWS_ENDPOINT_URL_SQS='${dev.url}'\n`);
    expect(run.stdout).toContain(`export AWS_ENDPOINT_URL_SNS='${dev.url}'\n`);
    expect(run.stdout).toContain("# AWS_ENDPOINT_URL_DYNAMODB: Lambkin has no dynamodb endpoint\n");
    const endpoints = await (await fetch(`${dev.url}/_lambkin/endpoints`)).json();
    expect(endpoints).toEqual({
      lambda: dev.url,
      sqs: dev.url,
      sns: dev.url,
      dynamodb: null,
      kinesis: null,
      // The service has s3 events: lambkin dev runs Lambkin's S3 for their buckets.
      s3: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
  });
});
