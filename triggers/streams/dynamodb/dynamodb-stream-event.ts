/**
 * What Lambda's DynamoDB Streams poller hands a function, record by record, and what it sends an onFailure
 * destination when a batch is given up (metadata only: the records stay in the stream).
 *
 * Event (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html, "Example event"):
 *   {"Records":[{"eventID":"1","eventName":"INSERT","eventVersion":"1.1","eventSource":"aws:dynamodb",
 *     "awsRegion":"us-east-1","dynamodb":{"Keys":{"Id":{"N":"101"}},"NewImage":{"Message":{"S":"New item!"},
 *     "Id":{"N":"101"}},"SequenceNumber":"111","SizeBytes":26,"StreamViewType":"NEW_AND_OLD_IMAGES"},
 *     "eventSourceARN":"arn:aws:dynamodb:us-east-1:111122223333:table/ExampleTableWithStream/stream/2015-06-27T00:48:05.899"}]}
 * Attribute values are DynamoDB's typed JSON ({"S": …}, {"N": "101"}); binary ones (B, BS) are base64 text, as
 * on the wire. `ApproximateCreationDateTime` is seconds since the epoch (rounded down, as DynamoDB Streams gives
 * it). `userIdentity` is there only for deletes by TTL ({"type":"Service","principalId":"dynamodb.amazonaws.com"}).
 *
 * onFailure record (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html):
 *   "DDBStreamBatchInfo":{"shardId","startSequenceNumber","endSequenceNumber","approximateArrivalOfFirstRecord",
 *    "approximateArrivalOfLastRecord","batchSize","streamArn"} (arrival times ISO 8601, to the second).
 */
import type { AttributeValue, _Record as StreamApiRecord } from "@aws-sdk/client-dynamodb-streams";

export type { StreamApiRecord };

/** Where the records come from. */
export interface DynamoDbEventSource {
  /** The stream's ARN as the endpoint names it (DescribeTable's LatestStreamArn). */
  readonly streamArn: string;
  /** The table's region, as the function's event names it. */
  readonly region: string;
}

export type WireAttributeValue = Readonly<Record<string, unknown>>;
export type WireItem = Readonly<Record<string, WireAttributeValue>>;

export interface DynamoDbStreamRecord {
  readonly eventID: string;
  readonly eventName: "INSERT" | "MODIFY" | "REMOVE";
  readonly eventVersion: "1.1";
  readonly eventSource: "aws:dynamodb";
  readonly awsRegion: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime: number;
    readonly Keys: WireItem;
    readonly NewImage?: WireItem;
    readonly OldImage?: WireItem;
    readonly SequenceNumber: string;
    readonly SizeBytes: number;
    readonly StreamViewType: string;
  };
  readonly eventSourceARN: string;
  readonly userIdentity?: { readonly type: string; readonly principalId: string };
}

export interface DDBStreamBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord: string;
  readonly approximateArrivalOfLastRecord: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

/** One attribute value as DynamoDB's JSON writes it: the SDK's union, binary as base64. */
export function wireAttributeValue(value: AttributeValue): WireAttributeValue {
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: wireItem(value.M) };
  if (value.L !== undefined) return { L: value.L.map(wireAttributeValue) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  return {};
}

export function wireItem(item: Readonly<Record<string, AttributeValue>> | undefined): WireItem {
  const result: Record<string, WireAttributeValue> = {};
  for (const [name, value] of Object.entries(item ?? {})) result[name] = wireAttributeValue(value);
  return result;
}

/** When the record was written, in ms since the epoch (the poller's record age counts from it). */
export function creationTimeMs(record: StreamApiRecord): number {
  const at = record.dynamodb?.ApproximateCreationDateTime;
  return at instanceof Date && !Number.isNaN(at.getTime()) ? at.getTime() : Date.now();
}

export function dynamoDbStreamRecord(
  record: StreamApiRecord,
  source: DynamoDbEventSource,
): DynamoDbStreamRecord {
  const change = record.dynamodb ?? {};
  const name = record.eventName;
  return {
    eventID: record.eventID ?? "",
    eventName: name === "MODIFY" || name === "REMOVE" ? name : "INSERT",
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: source.region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(creationTimeMs(record) / 1000),
      Keys: wireItem(change.Keys),
      ...(change.NewImage ? { NewImage: wireItem(change.NewImage) } : {}),
      ...(change.OldImage ? { OldImage: wireItem(change.OldImage) } : {}),
      SequenceNumber: change.SequenceNumber ?? "",
      SizeBytes: change.SizeBytes ?? 0,
      StreamViewType: change.StreamViewType ?? "",
    },
    eventSourceARN: source.streamArn,
    ...(record.userIdentity?.Type && record.userIdentity.PrincipalId
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
  };
}

/** ISO 8601 to the second, as AWS's example record writes the arrival times. */
const toSecond = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

export function ddbStreamBatchInfo(
  records: readonly StreamApiRecord[],
  shardId: string,
  streamArn: string,
): DDBStreamBatchInfo {
  const first = records[0];
  const last = records[records.length - 1];
  return {
    shardId,
    startSequenceNumber: first?.dynamodb?.SequenceNumber ?? "",
    endSequenceNumber: last?.dynamodb?.SequenceNumber ?? "",
    approximateArrivalOfFirstRecord: toSecond(first ? creationTimeMs(first) : Date.now()),
    approximateArrivalOfLastRecord: toSecond(last ? creationTimeMs(last) : Date.now()),
    batchSize: records.length,
    streamArn,
  };
}
