// The coupon shop's handlers (functions/coupon), imported as they are and run in this process against real
// services: AWS's DynamoDB Local (tables created from the serverless.yml's own resources), s3rver, an SMTP
// server. The SDK clients in the handlers have no endpoint in their code: they find these through
// AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3, as they find AWS's without them. The handlers' environment is
// the one the loaded manifest gives each function.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { CreateTableCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PDFParse } from "pdf-parse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFilterCriteria } from "../../runtime/event-filtering/index.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import { type LoadedServices, loadServices } from "../../runtime/manifest/load-services.js";
import { parsePostedRecord, s3EventRecord } from "../../triggers/s3/s3-event-record.js";
import type { DynamoDbStreamRecord } from "../../triggers/streams/dynamodb/dynamodb-stream-event.js";
import { type DynamoDbLocal, startDynamoDbLocal } from "../support/dynamodb-local.js";
import { createTableInput } from "./support/cloudformation-tables.js";
import { httpApiEvent } from "./support/http-api-event.js";
import { S3RVER_CREDENTIALS, type S3Server, startS3rver } from "./support/s3rver-server.js";
import { type SmtpTestServer, startSmtpTestServer } from "./support/smtp-test-server.js";
import { tableStreamRecords } from "./support/table-stream.js";

const SERVICE_DIR = join(import.meta.dirname, "..", "..", "functions", "coupon");
const REGION = "us-east-1";

type Handler = (event: unknown) => Promise<unknown>;
interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
interface Coupon {
  id: string;
  code: string;
  status: string;
  email: string;
  amount: number;
  paymentReference: string;
  createdAt: string;
  mailedAt?: string;
}

let services: LoadedServices;
let dynamodb: DynamoDbLocal;
let s3server: S3Server;
let smtp: SmtpTestServer;
let tables: DynamoDBClient;
let streams: DynamoDBStreamsClient;
let objects: S3Client;
const handlers: Record<string, Handler> = {};
let couponsTable: string;
let paymentsTable: string;
let pdfBucket: string;

function fn(key: string): FunctionDefinition {
  const found = services.functions.find((candidate) => candidate.key === key);
  if (!found) throw new Error(`functions.${key} is not in the coupon service`);
  return found;
}

/** The handler's module, imported as Lambda's Node.js runtime would find it: `<file>.<export>`, .mjs. */
async function importHandler(definition: FunctionDefinition): Promise<Handler> {
  const handler = definition.handler ?? "";
  const dot = handler.lastIndexOf(".");
  const url = pathToFileURL(join(SERVICE_DIR, `${handler.slice(0, dot)}.mjs`)).href;
  const module = (await import(url)) as Record<string, Handler>;
  const exported = module[handler.slice(dot + 1)];
  if (typeof exported !== "function") throw new Error(`${handler} exports no handler`);
  return exported;
}

beforeAll(async () => {
  smtp = await startSmtpTestServer();
  services = await loadServices(SERVICE_DIR, { env: { ...process.env, COUPON_SMTP_URL: smtp.url } });
  const resource = (logicalId: string) => {
    const found = services.resources.find((candidate) => candidate.logicalId === logicalId);
    if (!found) throw new Error(`resources.Resources.${logicalId} is not declared`);
    return found;
  };
  dynamodb = await startDynamoDbLocal();
  // DynamoDB Local keeps one database per access key and region: the test's clients sign as the handlers do
  // (with s3rver's key, the only one s3rver takes).
  const local = { region: REGION, endpoint: dynamodb.endpoint, credentials: S3RVER_CREDENTIALS };
  tables = new DynamoDBClient(local);
  streams = new DynamoDBStreamsClient(local);
  for (const logicalId of ["CouponsTable", "PaymentsTable"])
    await tables.send(new CreateTableCommand(createTableInput(resource(logicalId))));
  couponsTable = resource("CouponsTable").name;
  paymentsTable = resource("PaymentsTable").name;
  pdfBucket = resource("PdfBucket").name;
  s3server = await startS3rver([pdfBucket]);
  objects = new S3Client({
    region: REGION,
    endpoint: s3server.endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  // What Lambda and Lambkin give every function, then each function's own variables from serverless.yml (the
  // same for every function but SMTP_URL / MAIL_FROM, which only the mail function has and needs).
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_ENDPOINT_URL_S3: s3server.endpoint,
  });
  for (const key of ["createCoupon", "getCoupon", "listCoupons", "pdf", "mail"]) {
    Object.assign(process.env, fn(key).environment);
    handlers[key] = await importHandler(fn(key));
  }
}, 60_000);

afterAll(async () => {
  objects?.destroy();
  tables?.destroy();
  streams?.destroy();
  await s3server?.dispose();
  await dynamodb?.dispose();
  await smtp?.close();
});

async function call(key: string, event: unknown): Promise<HttpResponse> {
  const response = (await (handlers[key] as Handler)(event)) as HttpResponse;
  expect(response.headers["content-type"]).toBe("application/json");
  return response;
}

function createRequest(body: unknown, headers: Record<string, string> = {}, raw?: string) {
  return httpApiEvent({
    routeKey: "POST /coupons",
    path: "/coupons",
    headers: { "content-type": "application/json", ...headers },
    body: raw ?? JSON.stringify(body),
  });
}

async function createCoupon(
  body: Record<string, unknown>,
  key: string = randomUUID(),
): Promise<{ response: HttpResponse; coupon: Coupon }> {
  const response = await call("createCoupon", createRequest(body, { "Idempotency-Key": key }));
  return { response, coupon: JSON.parse(response.body) as Coupon };
}

function purchase(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    email: `buyer-${randomUUID()}@example.com`,
    amount: 25,
    paymentReference: `pi_${randomUUID().slice(0, 8)}`,
    ...overrides,
  };
}

async function paymentsFor(key: string): Promise<number> {
  const scan = await tables.send(
    new ScanCommand({
      TableName: paymentsTable,
      FilterExpression: "idempotencyKey = :key",
      ExpressionAttributeValues: { ":key": { S: key } },
      ConsistentRead: true,
    }),
  );
  return scan.Items?.length ?? 0;
}

async function couponsWithKey(key: string): Promise<number> {
  const scan = await tables.send(
    new ScanCommand({
      TableName: couponsTable,
      FilterExpression: "idempotencyKey = :key",
      ExpressionAttributeValues: { ":key": { S: key } },
      ConsistentRead: true,
    }),
  );
  return scan.Items?.length ?? 0;
}

async function storedCoupon(id: string): Promise<Coupon> {
  const response = await call(
    "getCoupon",
    httpApiEvent({ routeKey: "GET /coupons/{id}", path: `/coupons/${id}`, pathParameters: { id } }),
  );
  expect(response.statusCode).toBe(200);
  return JSON.parse(response.body) as Coupon;
}

/** The coupon's records in the coupons table's stream, as the pdf function's mapping delivers them. */
async function pdfEventRecords(id: string): Promise<DynamoDbStreamRecord[]> {
  const stream = fn("pdf").events.find((event) => Object.hasOwn(event, "stream"))?.stream as {
    filterPatterns: unknown;
  };
  const filter = compileFilterCriteria(stream.filterPatterns);
  const records = await tableStreamRecords(tables, streams, couponsTable, REGION);
  return records.filter((record) => record.dynamodb.Keys.id?.S === id && filter.matches(record));
}

/** The S3 event s3rver emitted for an object, in AWS's shape (Lambkin's reading of a server's record). */
function s3Event(key: string): { Records: unknown[] } {
  const emitted = s3server.records.filter(
    (record) => (record as { s3: { object: { key: string } } }).s3.object.key === key,
  );
  const last = emitted.at(-1);
  if (!last) throw new Error(`s3rver emitted no event for ${key}`);
  const parsed = parsePostedRecord(last);
  if (parsed.ok !== true) throw new Error(`s3rver's record is unreadable: ${JSON.stringify(parsed)}`);
  return { Records: [s3EventRecord(parsed.event, REGION, "coupon-dev-mail-s3-1")] };
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  const parser = new PDFParse({ data: bytes });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

/** A coupon bought and its PDF made from its real stream record. */
async function couponWithPdf(overrides: Record<string, unknown> = {}): Promise<Coupon> {
  const { coupon } = await createCoupon(purchase(overrides));
  const records = await pdfEventRecords(coupon.id);
  expect(await (handlers.pdf as Handler)({ Records: records })).toEqual({ batchItemFailures: [] });
  return coupon;
}

describe("the coupon service's serverless.yml", () => {
  it("loads in Lambkin without a warning: five functions with their events, tables, bucket and queue", () => {
    expect(services.warnings).toEqual([]);
    expect(services.functions.map((definition) => definition.name)).toEqual([
      "coupon-dev-createCoupon",
      "coupon-dev-getCoupon",
      "coupon-dev-listCoupons",
      "coupon-dev-pdf",
      "coupon-dev-mail",
    ]);
    expect(fn("createCoupon").environment).toEqual({
      COUPONS_TABLE: "coupon-dev-coupons",
      COUPONS_BY_EMAIL_INDEX: "byEmail",
      PAYMENTS_TABLE: "coupon-dev-payments",
      PDF_BUCKET: "coupon-dev-pdfs-000000000000",
    });
    expect(fn("mail").environment).toMatchObject({ SMTP_URL: smtp.url });
    expect(services.s3Notifications).toMatchObject([
      { functionName: "coupon-dev-mail", bucket: pdfBucket, prefix: "coupons/", suffix: ".pdf" },
    ]);
    expect(services.resources.map((resource) => [resource.logicalId, resource.type])).toEqual([
      ["CouponsTable", "AWS::DynamoDB::Table"],
      ["PaymentsTable", "AWS::DynamoDB::Table"],
      ["PdfBucket", "AWS::S3::Bucket"],
      ["PdfFailuresQueue", "AWS::SQS::Queue"],
    ]);
  });
});

describe("POST /coupons", () => {
  it("answers 201 with the paid coupon, stored with exactly one payment", async () => {
    const key = randomUUID();
    const body = purchase({ email: "  Ada@Example.COM ", amount: 12.5 });
    const { response, coupon } = await createCoupon(body, key);
    expect(response.statusCode).toBe(201);
    expect(response.headers.location).toBe(`/coupons/${coupon.id}`);
    expect(coupon).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      code: expect.stringMatching(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/),
      status: "paid",
      email: "ada@example.com",
      amount: 12.5,
      paymentReference: body.paymentReference,
      createdAt: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(coupon.createdAt))).toBe(false);
    expect(await paymentsFor(key)).toBe(1);
    expect(await storedCoupon(coupon.id)).toEqual(coupon);
  });

  it("answers a retry with the same key with the same coupon (201, Idempotent-Replayed) and stores no second payment", async () => {
    const key = randomUUID();
    const body = purchase();
    const first = await createCoupon(body, key);
    const again = await createCoupon(body, key);
    // The key may be sent as a structured-header string, quoted.
    const quoted = await createCoupon(body, `"${key}"`);
    for (const retry of [again, quoted]) {
      expect(retry.response.statusCode).toBe(201);
      expect(retry.response.headers["idempotent-replayed"]).toBe("true");
      expect(retry.coupon).toEqual(first.coupon);
    }
    expect(first.response.headers["idempotent-replayed"]).toBeUndefined();
    expect(await paymentsFor(key)).toBe(1);
    expect(await couponsWithKey(key)).toBe(1);
  });

  it("keeps one payment when the same request arrives many times at once", async () => {
    const key = randomUUID();
    const body = purchase();
    const answers = await Promise.all(Array.from({ length: 8 }, () => createCoupon(body, key)));
    const created = answers.filter((answer) => answer.response.statusCode === 201);
    expect(created.length).toBeGreaterThan(0);
    for (const answer of answers) {
      // 409 only while another copy was being written; never a second coupon.
      expect([201, 409]).toContain(answer.response.statusCode);
    }
    expect(new Set(created.map((answer) => answer.coupon.id)).size).toBe(1);
    expect(await paymentsFor(key)).toBe(1);
    expect(await couponsWithKey(key)).toBe(1);
  });

  it("refuses the same key with a different body with 422 and a reason, storing nothing more", async () => {
    const key = randomUUID();
    const body = purchase();
    const first = await createCoupon(body, key);
    for (const changed of [
      { amount: 26 },
      { email: "other@example.com" },
      { paymentReference: "pi_other" },
    ]) {
      const { response } = await createCoupon({ ...body, ...changed }, key);
      expect(response.statusCode).toBe(422);
      expect(JSON.parse(response.body).message).toMatch(
        /Idempotency-Key was already used for a different purchase/,
      );
    }
    expect(await paymentsFor(key)).toBe(1);
    expect(await couponsWithKey(key)).toBe(1);
    expect((await storedCoupon(first.coupon.id)).amount).toBe(25);
  });

  it("reads a base64-encoded body as API Gateway passes one", async () => {
    const body = purchase({ amount: 40 });
    const response = await call(
      "createCoupon",
      httpApiEvent({
        routeKey: "POST /coupons",
        path: "/coupons",
        headers: { "content-type": "application/octet-stream", "idempotency-key": randomUUID() },
        body: Buffer.from(JSON.stringify(body)).toString("base64"),
        isBase64Encoded: true,
      }),
    );
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body)).toMatchObject({ amount: 40, email: body.email });
  });

  const valid = { email: "valid@example.com", amount: 10, paymentReference: "pi_valid" };
  const refusals: [string, string | undefined, Record<string, string> | undefined, RegExp][] = [
    ["no Idempotency-Key", JSON.stringify(valid), {}, /Idempotency-Key header is required/],
    [
      "an empty Idempotency-Key",
      JSON.stringify(valid),
      { "idempotency-key": "" },
      /Idempotency-Key header is required/,
    ],
    ["an Idempotency-Key of spaces", JSON.stringify(valid), { "idempotency-key": "a b" }, /printable ASCII/],
    [
      "an Idempotency-Key over 255 characters",
      JSON.stringify(valid),
      { "idempotency-key": "k".repeat(256) },
      /1 to 255/,
    ],
    ["no body", undefined, undefined, /no body/],
    ["an empty body", "", undefined, /no body/],
    ["malformed JSON", '{"email": "a@example.com",', undefined, /not valid JSON/],
    ["a JSON array", JSON.stringify([valid]), undefined, /must be a JSON object/],
    ["JSON null", "null", undefined, /must be a JSON object/],
    ["a JSON string", '"coupon"', undefined, /must be a JSON object/],
    ["no email", JSON.stringify({ ...valid, email: undefined }), undefined, /email is required/],
    ["an empty email", JSON.stringify({ ...valid, email: " " }), undefined, /email is required/],
    [
      "an email that is a number",
      JSON.stringify({ ...valid, email: 42 }),
      undefined,
      /email must be a string/,
    ],
    [
      "an email without @",
      JSON.stringify({ ...valid, email: "ada.example.com" }),
      undefined,
      /not an e-mail address/,
    ],
    [
      "an email without a domain dot",
      JSON.stringify({ ...valid, email: "ada@example" }),
      undefined,
      /not an e-mail/,
    ],
    [
      "an email with two @",
      JSON.stringify({ ...valid, email: "a@b@example.com" }),
      undefined,
      /not an e-mail/,
    ],
    [
      "an email over 254 characters",
      JSON.stringify({ ...valid, email: `${"a".repeat(250)}@example.com` }),
      undefined,
      /not an e-mail/,
    ],
    ["no amount", JSON.stringify({ ...valid, amount: undefined }), undefined, /amount is required/],
    [
      "an amount in a string",
      JSON.stringify({ ...valid, amount: "25" }),
      undefined,
      /amount must be a number/,
    ],
    ["a boolean amount", JSON.stringify({ ...valid, amount: true }), undefined, /amount must be a number/],
    ["a zero amount", JSON.stringify({ ...valid, amount: 0 }), undefined, /greater than 0/],
    ["a negative amount", JSON.stringify({ ...valid, amount: -5 }), undefined, /greater than 0/],
    ["an amount too big", JSON.stringify({ ...valid, amount: 10_000.01 }), undefined, /at most 10000/],
    [
      "an amount past any limit",
      '{"email":"valid@example.com","amount":1e400,"paymentReference":"pi"}',
      undefined,
      /must be a number/,
    ],
    ["fractions of a cent", JSON.stringify({ ...valid, amount: 1.005 }), undefined, /two decimals/],
    [
      "no paymentReference",
      JSON.stringify({ ...valid, paymentReference: undefined }),
      undefined,
      /paymentReference is required/,
    ],
    [
      "an empty paymentReference",
      JSON.stringify({ ...valid, paymentReference: "" }),
      undefined,
      /paymentReference is required/,
    ],
    [
      "a numeric paymentReference",
      JSON.stringify({ ...valid, paymentReference: 7 }),
      undefined,
      /must be a string/,
    ],
    [
      "a paymentReference with spaces around",
      JSON.stringify({ ...valid, paymentReference: " pi " }),
      undefined,
      /printable ASCII/,
    ],
    [
      "a paymentReference too long",
      JSON.stringify({ ...valid, paymentReference: "p".repeat(129) }),
      undefined,
      /1 to 128/,
    ],
  ];

  it.each(refusals)(
    "refuses %s with 400 and a reason, storing nothing",
    async (_case, body, headers, reason) => {
      const key = randomUUID();
      const response = await call(
        "createCoupon",
        httpApiEvent({
          routeKey: "POST /coupons",
          path: "/coupons",
          headers: headers ?? { "idempotency-key": key },
          ...(body === undefined ? {} : { body }),
        }),
      );
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body)).toEqual({ message: expect.stringMatching(reason) });
      expect(await paymentsFor(key)).toBe(0);
    },
  );

  it("refuses malformed JSON sent base64-encoded with 400", async () => {
    const response = await call(
      "createCoupon",
      httpApiEvent({
        routeKey: "POST /coupons",
        path: "/coupons",
        headers: { "idempotency-key": randomUUID() },
        body: Buffer.from("{not json").toString("base64"),
        isBase64Encoded: true,
      }),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).message).toMatch(/not valid JSON/);
  });
});

describe("GET /coupons/{id} and GET /coupons?email=", () => {
  it("answers 404 for an id no coupon has, and for one that is not an id", async () => {
    for (const id of [randomUUID(), "not-a-coupon", "../../etc"]) {
      const response = await call(
        "getCoupon",
        httpApiEvent({ routeKey: "GET /coupons/{id}", path: `/coupons/${id}`, pathParameters: { id } }),
      );
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body)).toEqual({ message: "no coupon has this id" });
    }
  });

  it("lists an address's coupons newest first, through the email index, whatever the address's case", async () => {
    const email = `list-${randomUUID()}@example.com`;
    const bought: Coupon[] = [];
    for (const amount of [10, 20, 30]) {
      bought.push((await createCoupon(purchase({ email, amount }))).coupon);
      // createdAt has milliseconds: the next coupon must be later to be sorted after it.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await createCoupon(purchase());
    const response = await call(
      "listCoupons",
      httpApiEvent({ routeKey: "GET /coupons", path: "/coupons", query: { email: email.toUpperCase() } }),
    );
    expect(response.statusCode).toBe(200);
    const { coupons } = JSON.parse(response.body) as { coupons: Coupon[] };
    expect(coupons).toEqual([...bought].reverse());
  });

  it("answers an address with no coupon an empty list", async () => {
    const response = await call(
      "listCoupons",
      httpApiEvent({ routeKey: "GET /coupons", path: "/coupons", query: { email: "nobody@example.com" } }),
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ coupons: [] });
  });

  it("refuses a list without an email, or with one that is not an address, with 400", async () => {
    const missing = await call("listCoupons", httpApiEvent({ routeKey: "GET /coupons", path: "/coupons" }));
    expect(missing.statusCode).toBe(400);
    expect(JSON.parse(missing.body).message).toMatch(/email query parameter is required/);
    for (const email of ["", "nobody", "a@b@example.com", "a@example.com,b@example.com"]) {
      const response = await call(
        "listCoupons",
        httpApiEvent({ routeKey: "GET /coupons", path: "/coupons", query: { email } }),
      );
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).message).toMatch(/email/);
    }
  });
});

describe("the pdf function, on the coupons table's stream", () => {
  it("makes the coupon's PDF from its INSERT record: code and amount as text, in the bucket, status pdf_ready", async () => {
    const { coupon } = await createCoupon(purchase({ amount: 25 }));
    const records = await pdfEventRecords(coupon.id);
    expect(records.map((record) => record.eventName)).toEqual(["INSERT"]);
    expect(await (handlers.pdf as Handler)({ Records: records })).toEqual({ batchItemFailures: [] });
    const key = `coupons/${coupon.id}.pdf`;
    const object = await objects.send(new GetObjectCommand({ Bucket: pdfBucket, Key: key }));
    expect(object.ContentType).toBe("application/pdf");
    expect(object.Metadata).toEqual({ "coupon-id": coupon.id });
    const bytes = await (
      object.Body as { transformToByteArray(): Promise<Uint8Array> }
    ).transformToByteArray();
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe("%PDF-");
    const text = await pdfText(bytes);
    expect(text).toContain(coupon.code);
    expect(text).toContain("25.00 EUR");
    expect(await storedCoupon(coupon.id)).toMatchObject({
      status: "pdf_ready",
      pdfReadyAt: expect.any(String),
    });
    // The status update is a MODIFY record, which the mapping's filter keeps from the function.
    const all = await tableStreamRecords(tables, streams, couponsTable, REGION);
    expect(all.filter((record) => record.dynamodb.Keys.id?.S === coupon.id).map((r) => r.eventName)).toEqual([
      "INSERT",
      "MODIFY",
    ]);
    expect(await pdfEventRecords(coupon.id)).toHaveLength(1);
  });

  it("does the same record delivered again as nothing new (at least once): one object, unchanged, still pdf_ready", async () => {
    const coupon = await couponWithPdf();
    const key = `coupons/${coupon.id}.pdf`;
    const before = await objects.send(new HeadObjectCommand({ Bucket: pdfBucket, Key: key }));
    const eventsBefore = s3server.records.length;
    const records = await pdfEventRecords(coupon.id);
    expect(await (handlers.pdf as Handler)({ Records: records })).toEqual({ batchItemFailures: [] });
    const after = await objects.send(new HeadObjectCommand({ Bucket: pdfBucket, Key: key }));
    expect(after.ETag).toBe(before.ETag);
    expect(s3server.records.length).toBe(eventsBefore);
    expect((await storedCoupon(coupon.id)).status).toBe("pdf_ready");
  });

  it("never moves a mailed coupon back to pdf_ready", async () => {
    const coupon = await couponWithPdf();
    await (handlers.mail as Handler)(s3Event(`coupons/${coupon.id}.pdf`));
    expect((await storedCoupon(coupon.id)).status).toBe("mailed");
    const records = await pdfEventRecords(coupon.id);
    expect(await (handlers.pdf as Handler)({ Records: records })).toEqual({ batchItemFailures: [] });
    expect((await storedCoupon(coupon.id)).status).toBe("mailed");
  });

  it("reports the first record it could not do as a batch item failure, keeping those before it done", async () => {
    const done = await couponWithPdf();
    const { coupon: pending } = await createCoupon(purchase());
    const { coupon: later } = await createCoupon(purchase());
    const records = [
      ...(await pdfEventRecords(done.id)),
      ...(await pdfEventRecords(pending.id)),
      ...(await pdfEventRecords(later.id)),
    ];
    const bucket = process.env.PDF_BUCKET;
    // A bucket that does not exist: S3 refuses the PutObject for real (NoSuchBucket).
    process.env.PDF_BUCKET = `missing-${randomUUID()}`;
    let response: unknown;
    try {
      response = await (handlers.pdf as Handler)({ Records: records });
    } finally {
      process.env.PDF_BUCKET = bucket;
    }
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: records[1]?.dynamodb.SequenceNumber }],
    });
    expect((await storedCoupon(pending.id)).status).toBe("paid");
    expect((await storedCoupon(later.id)).status).toBe("paid");
    // Lambda retries from the failed record on: both are done then.
    expect(await (handlers.pdf as Handler)({ Records: records.slice(1) })).toEqual({ batchItemFailures: [] });
    expect((await storedCoupon(pending.id)).status).toBe("pdf_ready");
    expect((await storedCoupon(later.id)).status).toBe("pdf_ready");
  });
});

describe("the mail function, on the bucket's ObjectCreated events", () => {
  it("mails the coupon with its PDF attached, from the event s3rver emitted, then marks it mailed", async () => {
    const coupon = await couponWithPdf({ amount: 75.5 });
    const key = `coupons/${coupon.id}.pdf`;
    const event = s3Event(key);
    expect(event.Records[0]).toMatchObject({
      eventName: "ObjectCreated:Put",
      s3: { bucket: { name: pdfBucket } },
    });
    const sentBefore = smtp.messages.length;
    await (handlers.mail as Handler)(event);
    const sent = smtp.messages.slice(sentBefore);
    expect(sent).toHaveLength(1);
    const message = sent[0];
    expect(message?.subject).toBe(`Your coupon ${coupon.code}`);
    expect(message?.to).toMatchObject({ value: [{ address: coupon.email }] });
    expect(message?.from?.value[0]?.address).toBe("coupons@example.com");
    expect(message?.text).toContain("75.50 EUR");
    expect(message?.attachments).toHaveLength(1);
    const attachment = message?.attachments[0];
    expect(attachment?.filename).toBe(`coupon-${coupon.code}.pdf`);
    expect(attachment?.contentType).toBe("application/pdf");
    const object = await objects.send(new GetObjectCommand({ Bucket: pdfBucket, Key: key }));
    const stored = await (
      object.Body as { transformToByteArray(): Promise<Uint8Array> }
    ).transformToByteArray();
    expect(Buffer.compare(attachment?.content as Buffer, Buffer.from(stored))).toBe(0);
    expect(await pdfText(new Uint8Array(attachment?.content as Buffer))).toContain(coupon.code);
    expect(await storedCoupon(coupon.id)).toMatchObject({ status: "mailed", mailedAt: expect.any(String) });
  });

  it("sends nothing for a coupon mailed already (the same event delivered again)", async () => {
    const coupon = await couponWithPdf();
    const event = s3Event(`coupons/${coupon.id}.pdf`);
    await (handlers.mail as Handler)(event);
    const sent = smtp.messages.length;
    const { mailedAt } = await storedCoupon(coupon.id);
    await (handlers.mail as Handler)(event);
    expect(smtp.messages.length).toBe(sent);
    expect((await storedCoupon(coupon.id)).mailedAt).toBe(mailedAt);
  });

  it.each([
    ["refuses the recipient (550)", "recipient"],
    ["refuses the message (554)", "data"],
  ] as const)(
    "throws when the SMTP server %s, and does not mark the coupon mailed",
    async (_case, refusal) => {
      const coupon = await couponWithPdf();
      const event = s3Event(`coupons/${coupon.id}.pdf`);
      const sent = smtp.messages.length;
      smtp.refuse(refusal);
      try {
        await expect((handlers.mail as Handler)(event)).rejects.toThrow(/550|554/);
      } finally {
        smtp.refuse("none");
      }
      expect(smtp.messages.length).toBe(sent);
      expect((await storedCoupon(coupon.id)).status).toBe("pdf_ready");
      // Lambda's retry of the same event, once the server takes mail again.
      await (handlers.mail as Handler)(event);
      expect(smtp.messages.length).toBe(sent + 1);
      expect((await storedCoupon(coupon.id)).status).toBe("mailed");
    },
  );

  it("throws when no SMTP server answers, and does not mark the coupon mailed", async () => {
    const coupon = await couponWithPdf();
    const smtpUrl = process.env.SMTP_URL;
    const closed = await startSmtpTestServer();
    await closed.close();
    process.env.SMTP_URL = closed.url;
    try {
      await expect((handlers.mail as Handler)(s3Event(`coupons/${coupon.id}.pdf`))).rejects.toThrow(
        /ECONNREFUSED/,
      );
    } finally {
      process.env.SMTP_URL = smtpUrl;
    }
    expect((await storedCoupon(coupon.id)).status).toBe("pdf_ready");
  });

  it("passes over objects that are not a coupon's PDF, decoding the key as S3 encodes it", async () => {
    const sent = smtp.messages.length;
    const event = {
      Records: [
        s3EventRecord(
          { bucket: pdfBucket, key: "coupons/not a coupon.pdf", eventName: "ObjectCreated:Put" },
          REGION,
          "coupon-dev-mail-s3-1",
        ),
      ],
    };
    expect((event.Records[0] as { s3: { object: { key: string } } }).s3.object.key).toBe(
      "coupons/not+a+coupon.pdf",
    );
    await expect((handlers.mail as Handler)(event)).resolves.toBeUndefined();
    expect(smtp.messages.length).toBe(sent);
  });
});
