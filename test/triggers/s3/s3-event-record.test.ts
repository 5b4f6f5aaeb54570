/**
 * The S3 event record a function gets: checked against the S3 schema of Powertools for AWS Lambda (parsing strips
 * any field the schema does not know, so "parses to itself" means no field more and none missing) and against
 * AWS's documented example field by field; keys URL-form-encoded as S3 writes them; records posted by S3
 * servers that differ from AWS normalized into the same shape.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
import { S3Schema } from "@aws-lambda-powertools/parser/schemas/s3";
import { describe, expect, it } from "vitest";
import {
  formDecodeKey,
  formEncodeKey,
  parsePostedRecord,
  s3EventRecord,
} from "../../../triggers/s3/s3-event-record.js";

/** AWS's example record (Lambda developer guide, "Example Amazon S3 notification event"). */
const DOCUMENTED_RECORD = {
  eventVersion: "2.0",
  eventSource: "aws:s3",
  awsRegion: "us-east-1",
  eventTime: "1970-01-01T00:00:00.000Z",
  eventName: "ObjectCreated:Put",
  userIdentity: { principalId: "EXAMPLE" },
  requestParameters: { sourceIPAddress: "127.0.0.1" },
  responseElements: {
    "x-amz-request-id": "EXAMPLE123456789",
    "x-amz-id-2": "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH",
  },
  s3: {
    s3SchemaVersion: "1.0",
    configurationId: "testConfigRule",
    bucket: {
      name: "example-bucket",
      ownerIdentity: { principalId: "EXAMPLE" },
      arn: "arn:aws:s3:::example-bucket",
    },
    object: {
      key: "test%2Fkey",
      size: 1024,
      eTag: "0123456789abcdef0123456789abcdef",
      sequencer: "0A1B2C3D4E5F678901",
    },
  },
};

describe("the S3 event record", () => {
  const record = s3EventRecord(
    {
      bucket: "photos",
      key: "uploads/my cat (1).jpg",
      eventName: "s3:ObjectCreated:Put",
      size: 2048,
      eTag: "abc123",
    },
    "eu-west-1",
    "thumbnails-s3-1",
  );
  const event = { Records: [record] };

  it("parses to itself with Powertools' S3Schema: nothing missing, nothing more", () => {
    expect(S3Schema.parse(event)).toEqual(event);
  });

  it("has the documented record's fields, with eventVersion 2.1 and the values of this event", () => {
    expect(Object.keys(record).sort()).toEqual(Object.keys(DOCUMENTED_RECORD).sort());
    expect(Object.keys(record.s3).sort()).toEqual(Object.keys(DOCUMENTED_RECORD.s3).sort());
    expect(Object.keys(record.s3.object).sort()).toEqual(Object.keys(DOCUMENTED_RECORD.s3.object).sort());
    expect(record).toMatchObject({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "eu-west-1",
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "thumbnails-s3-1",
        bucket: { name: "photos", arn: "arn:aws:s3:::photos" },
        object: { key: "uploads/my+cat+%281%29.jpg", size: 2048, eTag: "abc123" },
      },
    });
    expect(record.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]{18,}$/);
  });

  it("orders the sequencers of successive events", () => {
    const first = s3EventRecord({ bucket: "b", key: "k", eventName: "ObjectCreated:Put" }, "us-east-1", "c");
    const second = s3EventRecord(
      { bucket: "b", key: "k", eventName: "ObjectRemoved:Delete" },
      "us-east-1",
      "c",
    );
    expect(BigInt(`0x${second.s3.object.sequencer}`)).toBeGreaterThan(
      BigInt(`0x${first.s3.object.sequencer}`),
    );
  });

  it("form-encodes keys as S3 does (space as +) and decodes them back", () => {
    for (const key of ["a b+c.txt", "ünïcödé/😀.png", "100%/x?y=z&w", "plain-key_1.*"]) {
      const encoded = formEncodeKey(key);
      expect(encoded).not.toContain(" ");
      expect(formDecodeKey(encoded)).toBe(key);
    }
    expect(formEncodeKey("a b+c")).toBe("a+b%2Bc");
    expect(formDecodeKey("bad%E0%A4%A")).toBeUndefined();
  });
});

describe("records posted by S3 servers", () => {
  it("reads AWS's own record, decoding the key", () => {
    const parsed = parsePostedRecord(DOCUMENTED_RECORD);
    expect(parsed).toEqual({
      ok: true,
      event: {
        bucket: "example-bucket",
        key: "test/key",
        eventName: "ObjectCreated:Put",
        size: 1024,
        eTag: "0123456789abcdef0123456789abcdef",
        eventTime: new Date("1970-01-01T00:00:00.000Z"),
        sourceIPAddress: "127.0.0.1",
        principalId: "EXAMPLE",
        ownerPrincipalId: "EXAMPLE",
        sequencer: "0A1B2C3D4E5F678901",
        requestId: "EXAMPLE123456789",
        hostId: "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyzABCDEFGH",
      },
    });
    expect(
      parsePostedRecord({ ...DOCUMENTED_RECORD, requestParameters: { sourceIPAddress: "::1" } }),
    ).toMatchObject({
      event: { sourceIPAddress: "127.0.0.1" },
    });
  });

  it("normalizes a MinIO-style record (eventVersion 2.0, s3: prefix, quoted eTag, extra fields)", () => {
    const parsed = parsePostedRecord({
      eventVersion: "2.0",
      eventSource: "minio:s3",
      awsRegion: "",
      eventTime: "2026-12-02T10:00:00.123Z",
      eventName: "s3:ObjectCreated:Put",
      userIdentity: { principalId: "minioadmin" },
      s3: {
        bucket: { name: "photos", arn: "arn:aws:s3:::photos" },
        object: {
          key: "uploads%2Fa+b.jpg",
          size: 5,
          eTag: '"d41d8cd9"',
          contentType: "image/jpeg",
          userMetadata: {},
        },
      },
      source: { host: "10.0.0.1", port: "", userAgent: "MinIO" },
    });
    expect(parsed.ok).toBe(true);
    if (parsed.ok !== true) return;
    expect(parsed.event).toMatchObject({
      bucket: "photos",
      key: "uploads/a b.jpg",
      eTag: "d41d8cd9",
      size: 5,
    });
    const record = s3EventRecord(parsed.event, "us-east-1", "cfg");
    expect(S3Schema.parse({ Records: [record] })).toEqual({ Records: [record] });
    expect(record.eventName).toBe("ObjectCreated:Put");
  });

  it.each([
    ["not an object", "text", /JSON object/],
    ["no eventName", { s3: { bucket: { name: "b" }, object: { key: "k" } } }, /eventName/],
    ["no bucket", { eventName: "ObjectCreated:Put", s3: { object: { key: "k" } } }, /s3\.bucket/],
    [
      "an empty key",
      { eventName: "ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key: "" } } },
      /key/,
    ],
    [
      "a malformed escape",
      { eventName: "ObjectCreated:Put", s3: { bucket: { name: "b" }, object: { key: "%E0%A4%A" } } },
      /malformed/,
    ],
  ])("refuses %s", (_name, posted, reason) => {
    const parsed = parsePostedRecord(posted);
    expect(parsed.ok).toBe(false);
    if (parsed.ok === false) expect(parsed.reason).toMatch(reason);
  });

  it("normalizes an s3rver-style record (eventVersion 2.0, no ms in eventTime, its own sequencer and ids)", () => {
    const parsed = parsePostedRecord({
      eventVersion: "2.0",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventTime: "2026-12-02T10:00:00Z",
      eventName: "ObjectCreated:Copy",
      userIdentity: { principalId: "AWS:AIDAJDPLRKLG7UEXAMPLE" },
      requestParameters: { sourceIPAddress: "::ffff:10.0.0.7" },
      responseElements: { "x-amz-request-id": "1D1A3B6DA7F3C6A2", "x-amz-id-2": "eftixk72aD6Ap51T" },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: "testConfigId",
        bucket: {
          name: "photos",
          ownerIdentity: { principalId: "A3NL1KOZZKExample" },
          arn: "arn:aws:s3:::photos",
        },
        object: { key: "a%20b/c.txt", sequencer: "0055AED6DCD90281E5", size: 12, eTag: '"abc"' },
      },
    });
    expect(parsed.ok).toBe(true);
    if (parsed.ok !== true) return;
    const record = s3EventRecord(parsed.event, "eu-west-1", "cfg-1");
    expect(S3Schema.strict().parse({ Records: [record] })).toEqual({ Records: [record] });
    expect(record).toMatchObject({
      eventVersion: "2.1",
      awsRegion: "eu-west-1",
      eventTime: "2026-12-02T10:00:00.000Z",
      eventName: "ObjectCreated:Copy",
      userIdentity: { principalId: "AWS:AIDAJDPLRKLG7UEXAMPLE" },
      requestParameters: { sourceIPAddress: "10.0.0.7" },
      responseElements: { "x-amz-request-id": "1D1A3B6DA7F3C6A2", "x-amz-id-2": "eftixk72aD6Ap51T" },
      s3: {
        configurationId: "cfg-1",
        bucket: { name: "photos", ownerIdentity: { principalId: "A3NL1KOZZKExample" } },
        // %20 read as a space, written back as S3 writes it: +.
        object: { key: "a+b/c.txt", size: 12, eTag: "abc", sequencer: "0055AED6DCD90281E5" },
      },
    });
  });

  it("replaces what a hostile record cannot carry on: huge texts, a non-hex sequencer, a bad size", () => {
    const parsed = parsePostedRecord({
      eventName: "ObjectCreated:Put",
      eventTime: "not a time",
      userIdentity: { principalId: "p".repeat(100_000) },
      requestParameters: { sourceIPAddress: { ip: "1.2.3.4" } },
      responseElements: { "x-amz-request-id": "r".repeat(10_000) },
      s3: {
        bucket: { name: "photos" },
        object: { key: "k", size: -1, eTag: "e".repeat(10_000), sequencer: "<script>" },
      },
    });
    expect(parsed).toEqual({
      ok: true,
      event: { bucket: "photos", key: "k", eventName: "ObjectCreated:Put" },
    });
    if (parsed.ok !== true) return;
    const record = s3EventRecord(parsed.event, "us-east-1", "cfg");
    expect(S3Schema.strict().parse({ Records: [record] })).toEqual({ Records: [record] });
    expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]{18}$/);
    expect(JSON.stringify(record).length).toBeLessThan(2000);
  });

  it("recognizes S3's test event", () => {
    expect(parsePostedRecord({ Service: "Amazon S3", Event: "s3:TestEvent", Bucket: "b" })).toEqual({
      ok: "test",
    });
  });
});
