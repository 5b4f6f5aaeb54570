/**
 * POST /_lambkin/s3-events and GET /_lambkin/endpoints through a real gateway (in-process, with a real embedded
 * queue and the runtime's functions), with access keys configured: SigV4 is required as on every /_lambkin
 * route; a notification an S3 server posts becomes one asynchronous invocation per matching record, in AWS's
 * exact event shape (checked against Powertools' S3Schema, strict, on the event the queue kept); S3's test
 * event is accepted and ignored; bad posts get Lambkin's JSON errors, bounded in size and count, and queue
 * nothing.
 */
import { join } from "node:path";
import { S3Schema } from "@aws-lambda-powertools/parser/schemas/s3";
import { SignatureV4 } from "@smithy/signature-v4";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3NotificationsOf } from "../../../cli/commands/serve-support.js";
import { createGateway } from "../../../gateway/gateway-app.js";
import { NodeSha256 } from "../../../gateway/invoke-api/sigv4/node-sha256.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import type { DeadLetterView } from "../../../triggers/queue/dead-letter-view.js";
import { eventually } from "../../support/eventually.js";
import { type LocalBackend, localBackend } from "../local-backend.js";
import { rawExchange } from "../raw-http.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const SERVICE = join(ROOT, "test", "fixtures", "s3-events");
const KEY = { accessKeyId: "AKIDLAMBKINS3EVENTS1", secretAccessKey: "s3-events-secret/abc+123" };

/** A record as AWS documents it (https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html). */
function awsRecord(bucket: string, key: string, eventName = "ObjectCreated:Put") {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: "us-east-1",
    eventTime: "2026-12-02T10:00:00.000Z",
    eventName,
    userIdentity: { principalId: "EXAMPLE" },
    requestParameters: { sourceIPAddress: "127.0.0.1" },
    responseElements: { "x-amz-request-id": "EXAMPLE123456789", "x-amz-id-2": "EXAMPLE123/5678" },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "testConfigRule",
      bucket: { name: bucket, ownerIdentity: { principalId: "EXAMPLE" }, arn: `arn:aws:s3:::${bucket}` },
      object: { key, size: 1024, eTag: "0123456789abcdef0123456789abcdef", sequencer: "0A1B2C3D4E5F678901" },
    },
  };
}

describe("/_lambkin/s3-events and /_lambkin/endpoints through a gateway with access keys", () => {
  let runtime: LambkinRuntime;
  let local: LocalBackend;
  let app: FastifyInstance;
  let endpoint: string;
  let port: number;
  let host: string;

  beforeAll(async () => {
    runtime = await startRuntime({ dir: SERVICE, logger: pino({ level: "silent" }), env: {} });
    local = await localBackend(runtime);
    app = await createGateway({
      backend: local.backend,
      logger: pino({ level: "silent" }),
      accessKeys: new Map([[KEY.accessKeyId, KEY.secretAccessKey]]),
      deadLetters: local.queue.deadLetters,
      s3Notifications: s3NotificationsOf(
        runtime.registry,
        local.backend.invocations,
        runtime.services,
        pino({ level: "silent" }),
      ),
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    port = typeof address === "object" && address ? address.port : 0;
    endpoint = `http://127.0.0.1:${port}`;
    host = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close();
    await local?.close();
    await runtime?.close();
  });

  /** A request signed by AWS's signer, as an S3 server's webhook behind a signing proxy would send it. */
  async function signed(method: string, path: string, body?: string): Promise<Response> {
    const signer = new SignatureV4({
      credentials: KEY,
      region: "us-east-1",
      service: "lambda",
      sha256: NodeSha256,
    });
    const headers: Record<string, string> = { host };
    if (body !== undefined) headers["content-type"] = "application/json";
    const request = await signer.sign({
      method,
      protocol: "http:",
      hostname: host,
      path,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    return fetch(`${endpoint}${path}`, {
      method,
      headers: request.headers,
      ...(body === undefined ? {} : { body }),
    });
  }

  const post = (document: unknown) =>
    signed("POST", "/_lambkin/s3-events", typeof document === "string" ? document : JSON.stringify(document));

  async function deadLetters(): Promise<DeadLetterView[]> {
    const response = await signed("GET", "/_lambkin/events");
    expect(response.status).toBe(200);
    return (await response.json()) as DeadLetterView[];
  }

  it("refuses an unsigned post with 403 before reading it, and queues nothing", async () => {
    const before = await local.queue.counts();
    const response = await fetch(`${endpoint}/_lambkin/s3-events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ Records: [awsRecord("broken", "unsigned.txt")] }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: "LKN_ERR_ADMIN_UNAUTHENTICATED" });
    expect(await local.queue.counts()).toEqual(before);
  });

  it("turns a signed record into one Event invocation whose event is exactly S3's shape", async () => {
    // `broken` is the failing function's bucket (maximumRetryAttempts: 0): its event ends as a dead letter,
    // where the queued payload can be read back.
    const response = await post({ Records: [awsRecord("broken", "reports/2026+Q4%2Bfinal.pdf")] });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ records: 1, invocations: 1 });
    const letter = await eventually(async () => {
      const found = (await deadLetters()).find((view) => view.source === "s3:broken");
      if (!found) throw new Error("not dead-lettered yet");
      return found;
    });
    expect(letter.functionName).toBe("s3events-dev-failing");
    const event = letter.payload as { Records: Record<string, unknown>[] };
    expect(S3Schema.strict().parse(event)).toEqual(event);
    const [record] = event.Records;
    expect(record).toMatchObject({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "eu-west-1",
      eventTime: "2026-12-02T10:00:00.000Z",
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "s3events-dev-failing-s3-1",
        bucket: { name: "broken", arn: "arn:aws:s3:::broken" },
        // Decoded to `reports/2026 Q4+final.pdf` for matching, form-encoded again for the function.
        object: { key: "reports/2026+Q4%2Bfinal.pdf", size: 1024, eTag: "0123456789abcdef0123456789abcdef" },
      },
    });
  });

  it("answers records no configuration matches, and S3's test event, without invoking anything", async () => {
    const before = await local.queue.counts();
    const unmatched = await post({
      Records: [
        awsRecord("photos", "uploads/cat.png"), // suffix .jpg does not match
        awsRecord("photos", "elsewhere/cat.jpg"), // prefix uploads/ does not match
        awsRecord("photos", "uploads/cat.jpg", "ObjectRemoved:DeleteMarkerCreated"), // cleanup wants Delete
        awsRecord("unwatched", "a.txt"),
      ],
    });
    expect(await unmatched.json()).toEqual({ records: 4, invocations: 0 });
    const test = await post({
      Service: "Amazon S3",
      Event: "s3:TestEvent",
      Time: "2026-12-02T10:00:00.000Z",
      Bucket: "photos",
      RequestId: "5582815E1AEA5ADF",
      HostId: "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    });
    expect(test.status).toBe(202);
    expect(await test.json()).toEqual({ records: 0, invocations: 0 });
    expect(await local.queue.counts()).toEqual(before);
  });

  it.each([
    ["not JSON", "{Records:", /S3 notification JSON/],
    ["a JSON list", "[]", /JSON object/],
    ["no Records", "{}", /"Records"/],
    [
      "a record without a key",
      JSON.stringify({ Records: [{ eventName: "ObjectCreated:Put", s3: {} }] }),
      /Records\[0\]/,
    ],
    [
      "a record nested half a million levels deep",
      `{"Records":[${"[".repeat(500_000)}${"]".repeat(500_000)}]}`,
      /Records\[0\]: a record must be a JSON object/,
    ],
    [
      "too many records",
      JSON.stringify({ Records: Array.from({ length: 1001 }, () => awsRecord("photos", "uploads/a.jpg")) }),
      /at most 1000/,
    ],
  ])("refuses %s with a 400 in Lambkin's JSON, queueing nothing", async (_name, body, reason) => {
    const before = await local.queue.counts();
    const response = await post(body);
    expect(response.status).toBe(400);
    const error = (await response.json()) as { code: string; type: string; message: string };
    expect(error.code).toBe("LKN_ERR_ADMIN_REQUEST_INVALID");
    expect(error.type).toBe("InvalidRequestContentException");
    expect(error.message).toMatch(reason);
    expect(await local.queue.counts()).toEqual(before);
  });

  it("refuses a signed body over 1 MiB with 413, and an unsigned one with 403 before reading it", async () => {
    const before = await local.queue.counts();
    const huge = JSON.stringify({ Records: [awsRecord("broken", "a.txt")], padding: "x".repeat(1_100_000) });
    const response = await post(huge);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      code: "LKN_ERR_ADMIN_REQUEST_INVALID",
      type: "RequestTooLargeException",
      message: "the request body is over what this operation of Lambkin's API takes",
    });
    const exchange = rawExchange(
      port,
      `POST /_lambkin/s3-events HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n`,
    );
    exchange.socket.write(Buffer.alloc(64 * 1024, 0x20));
    expect((await exchange.answer).status).toBe(403);
    expect(await local.queue.counts()).toEqual(before);
  });

  it("serves GET /_lambkin/endpoints signed: this gateway for lambda/sqs/sns, the given endpoints for the rest", async () => {
    const saved = { ...process.env };
    process.env.AWS_ENDPOINT_URL_DYNAMODB = "http://127.0.0.1:8000";
    delete process.env.AWS_ENDPOINT_URL_KINESIS;
    delete process.env.AWS_ENDPOINT_URL_S3;
    try {
      expect((await fetch(`${endpoint}/_lambkin/endpoints`)).status).toBe(403);
      const response = await signed("GET", "/_lambkin/endpoints");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        lambda: endpoint,
        sqs: endpoint,
        sns: endpoint,
        dynamodb: "http://127.0.0.1:8000",
        kinesis: null,
        s3: null,
      });
    } finally {
      process.env = saved;
    }
  });
});
