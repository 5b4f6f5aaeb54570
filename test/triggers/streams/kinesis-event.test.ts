/**
 * The Kinesis event a function gets and the KinesisBatchInfo an onFailure destination gets: built from records
 * read back from a real Kinesis API (kinesalite) and checked, strictly (no field more, none missing), against the
 * Kinesis schemas of Powertools for AWS Lambda, and against AWS's documented example record by value.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html
 */
import {
  KinesisDataStreamRecord,
  KinesisDataStreamRecordPayload,
  KinesisDataStreamSchema,
} from "@aws-lambda-powertools/parser/schemas/kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  kinesisBatchInfo,
  kinesisEvent,
  kinesisEventRecord,
} from "../../../triggers/streams/kinesis/kinesis-event.js";
import { KinesisShardApi } from "../../../triggers/streams/kinesis/kinesis-shard-api.js";
import { type Kinesalite, startKinesalite } from "../../support/kinesalite.js";

const StrictRecord = KinesisDataStreamRecord.extend({
  kinesis: KinesisDataStreamRecordPayload.strict(),
}).strict();
const StrictEvent = KinesisDataStreamSchema.extend({ Records: z.array(StrictRecord).min(1) }).strict();

/** AWS's example record, as the Lambda developer guide prints it. */
const DOCUMENTED_RECORD = {
  kinesis: {
    kinesisSchemaVersion: "1.0",
    partitionKey: "1",
    sequenceNumber: "49590338271490256608559692538361571095921575989136588898",
    data: "SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==",
    approximateArrivalTimestamp: 1545084650.987,
  },
  eventSource: "aws:kinesis",
  eventVersion: "1.0",
  eventID: "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
  eventName: "aws:kinesis:record",
  invokeIdentityArn: "arn:aws:iam::123456789012:role/lambda-role",
  awsRegion: "us-east-2",
  eventSourceARN: "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream",
};

describe("the Kinesis event", () => {
  let kinesalite: Kinesalite;
  let streamArn: string;
  const source = () => ({
    streamArn,
    region: "us-east-1",
    invokeIdentityArn: "arn:aws:iam::000000000000:role/orders-dev-us-east-1-lambdaRole",
  });

  beforeAll(async () => {
    kinesalite = await startKinesalite();
    streamArn = await kinesalite.createStream("shape", 1);
  });
  afterAll(async () => {
    await kinesalite?.dispose();
  });

  it("is AWS's documented record when built from the documented values", () => {
    const record = kinesisEventRecord(
      {
        SequenceNumber: DOCUMENTED_RECORD.kinesis.sequenceNumber,
        ApproximateArrivalTimestamp: new Date(1545084650987),
        Data: new TextEncoder().encode("Hello, this is a test."),
        PartitionKey: "1",
      },
      "shardId-000000000006",
      {
        streamArn: DOCUMENTED_RECORD.eventSourceARN,
        region: "us-east-2",
        invokeIdentityArn: DOCUMENTED_RECORD.invokeIdentityArn,
      },
    );
    expect(record).toStrictEqual(DOCUMENTED_RECORD);
    expect(JSON.stringify(record)).toBe(JSON.stringify(DOCUMENTED_RECORD));
  });

  it("passes Powertools' KinesisDataStreamSchema strictly, for records read from the stream", async () => {
    const before = Date.now();
    await kinesalite.put("shape", "order-1", JSON.stringify({ order: { type: "buy", quantity: 1000 } }));
    await kinesalite.put("shape", "order-2", "plain text, not JSON");
    await kinesalite.put("shape", "order-3", new Uint8Array([0, 255, 128, 10]));
    const api = new KinesisShardApi(kinesalite.client(), "shape");
    const [shard] = await api.listShards();
    if (!shard) throw new Error("no shard");
    const page = await api.getRecords(await api.shardIterator(shard.shardId, { type: "TRIM_HORIZON" }), 100);
    const event = kinesisEvent(page.records, shard.shardId, source());

    expect(StrictEvent.parse(event)).toBeTruthy();
    expect(event.Records).toHaveLength(3);
    const [json, text, binary] = event.Records;
    expect(json?.kinesis.partitionKey).toBe("order-1");
    expect(Buffer.from(json?.kinesis.data ?? "", "base64").toString()).toBe(
      '{"order":{"type":"buy","quantity":1000}}',
    );
    expect(Buffer.from(text?.kinesis.data ?? "", "base64").toString()).toBe("plain text, not JSON");
    // Bytes reach the function as they were put: base64 of the bytes, no text decoding on the way.
    expect([...Buffer.from(binary?.kinesis.data ?? "", "base64")]).toEqual([0, 255, 128, 10]);
    for (const record of event.Records) {
      expect(record.eventID).toBe(`${shard.shardId}:${record.kinesis.sequenceNumber}`);
      expect(record.eventSourceARN).toBe(streamArn);
      expect(streamArn).toBe("arn:aws:kinesis:us-east-1:000000000000:stream/shape");
      // Seconds, with the milliseconds as a fraction.
      expect(record.kinesis.approximateArrivalTimestamp * 1000).toBeGreaterThanOrEqual(
        Math.floor(before / 1000) * 1000,
      );
      expect(record.kinesis.approximateArrivalTimestamp).toBeLessThan(Date.now() / 1000 + 1);
    }
  });

  it("gives an onFailure destination the batch's KinesisBatchInfo", async () => {
    const api = new KinesisShardApi(kinesalite.client(), "shape");
    const [shard] = await api.listShards();
    if (!shard) throw new Error("no shard");
    const page = await api.getRecords(await api.shardIterator(shard.shardId, { type: "TRIM_HORIZON" }), 100);
    const [first] = page.records;
    const last = page.records[page.records.length - 1];
    expect(kinesisBatchInfo(page.records, shard.shardId, streamArn)).toStrictEqual({
      shardId: "shardId-000000000000",
      startSequenceNumber: first?.SequenceNumber,
      endSequenceNumber: last?.SequenceNumber,
      approximateArrivalOfFirstRecord: first?.ApproximateArrivalTimestamp?.toISOString(),
      approximateArrivalOfLastRecord: last?.ApproximateArrivalTimestamp?.toISOString(),
      batchSize: page.records.length,
      streamArn,
    });
  });
});
