/**
 * What Lambda's Kinesis poller hands a function, record by record, and what it sends an onFailure destination
 * when a batch is given up (metadata only: the records stay in the stream).
 *
 * Event (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, "Example event"):
 *   {"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"1","sequenceNumber":"4959…","data":"SGVs…",
 *     "approximateArrivalTimestamp":1545084650.987},"eventSource":"aws:kinesis","eventVersion":"1.0",
 *     "eventID":"shardId-000000000006:4959…","eventName":"aws:kinesis:record",
 *     "invokeIdentityArn":"arn:aws:iam::123456789012:role/lambda-role","awsRegion":"us-east-2",
 *     "eventSourceARN":"arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"}]}
 * `data` is the record's bytes in base64 (never decoded: a binary record reaches the function as it was put),
 * `approximateArrivalTimestamp` is seconds since the epoch with the milliseconds as a fraction.
 *
 * onFailure record (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html):
 *   "KinesisBatchInfo":{"shardId","startSequenceNumber","endSequenceNumber","approximateArrivalOfFirstRecord",
 *    "approximateArrivalOfLastRecord","batchSize","streamArn"} (arrival times in ISO 8601 with milliseconds).
 */

/** One record as GetRecords returns it (the SDK's `_Record`, the fields Lambda uses). */
export interface KinesisApiRecord {
  readonly SequenceNumber?: string | undefined;
  readonly ApproximateArrivalTimestamp?: Date | undefined;
  readonly Data?: Uint8Array | undefined;
  readonly PartitionKey?: string | undefined;
}

/** Where the records come from and on whose behalf the function reads them. */
export interface KinesisEventSource {
  /** `arn:aws:kinesis:<region>:<account>:stream/<name>` */
  readonly streamArn: string;
  readonly region: string;
  /** The function's execution role ARN, as Lambda puts it in every record. */
  readonly invokeIdentityArn: string;
}

export interface KinesisEventRecord {
  readonly kinesis: {
    readonly kinesisSchemaVersion: "1.0";
    readonly partitionKey: string;
    readonly sequenceNumber: string;
    readonly data: string;
    readonly approximateArrivalTimestamp: number;
  };
  readonly eventSource: "aws:kinesis";
  readonly eventVersion: "1.0";
  readonly eventID: string;
  readonly eventName: "aws:kinesis:record";
  readonly invokeIdentityArn: string;
  readonly awsRegion: string;
  readonly eventSourceARN: string;
}

export interface KinesisEvent {
  readonly Records: readonly KinesisEventRecord[];
}

export interface KinesisBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord: string;
  readonly approximateArrivalOfLastRecord: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

export function kinesisEventRecord(
  record: KinesisApiRecord,
  shardId: string,
  source: KinesisEventSource,
): KinesisEventRecord {
  const sequenceNumber = record.SequenceNumber ?? "";
  return {
    kinesis: {
      kinesisSchemaVersion: "1.0",
      partitionKey: record.PartitionKey ?? "",
      sequenceNumber,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString("base64"),
      approximateArrivalTimestamp: arrivalMs(record) / 1000,
    },
    eventSource: "aws:kinesis",
    eventVersion: "1.0",
    eventID: `${shardId}:${sequenceNumber}`,
    eventName: "aws:kinesis:record",
    invokeIdentityArn: source.invokeIdentityArn,
    awsRegion: source.region,
    eventSourceARN: source.streamArn,
  };
}

export function kinesisEvent(
  records: readonly KinesisApiRecord[],
  shardId: string,
  source: KinesisEventSource,
): KinesisEvent {
  return { Records: records.map((record) => kinesisEventRecord(record, shardId, source)) };
}

/** The metadata of a batch that was given up, in the order GetRecords returned it (at least one record). */
export function kinesisBatchInfo(
  records: readonly KinesisApiRecord[],
  shardId: string,
  streamArn: string,
): KinesisBatchInfo {
  const first = records[0];
  const last = records[records.length - 1];
  if (first === undefined || last === undefined) throw new RangeError("a batch has at least one record");
  return {
    shardId,
    startSequenceNumber: first.SequenceNumber ?? "",
    endSequenceNumber: last.SequenceNumber ?? "",
    approximateArrivalOfFirstRecord: new Date(arrivalMs(first)).toISOString(),
    approximateArrivalOfLastRecord: new Date(arrivalMs(last)).toISOString(),
    batchSize: records.length,
    streamArn,
  };
}

/** A record always has an arrival time in Kinesis; one without (a non-conforming server) counts as now. */
function arrivalMs(record: KinesisApiRecord): number {
  return record.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
}
