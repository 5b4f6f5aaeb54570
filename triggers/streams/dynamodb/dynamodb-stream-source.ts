/**
 * One DynamoDB stream as the shared shard poller reads it (the StreamSource port), over the DynamoDB Streams API
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB_Streams.html):
 * - DescribeStream, page by page (ExclusiveStartShardId = the last page's LastEvaluatedShardId): every shard with
 *   its ParentShardId and, once closed, its EndingSequenceNumber. DynamoDB rolls a table's shards over on its own
 *   (a closed shard gets one child), so children are found by listing again.
 * - GetShardIterator at TRIM_HORIZON, LATEST or AFTER_SEQUENCE_NUMBER (DynamoDB has no AT_TIMESTAMP).
 * - GetRecords (at most 1,000 records a call); no NextShardIterator means a closed shard was read to its end.
 * - Errors: ExpiredIteratorException (iterators last 15 minutes) → StreamIteratorExpiredError;
 *   LimitExceededException / ThrottlingException → StreamThrottledError; TrimmedDataAccessException (a checkpoint
 *   older than the 24 hours the stream keeps) → StreamCheckpointTrimmedError.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html
 */
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type ShardIteratorType,
} from "@aws-sdk/client-dynamodb-streams";
import {
  StreamCheckpointTrimmedError,
  StreamIteratorExpiredError,
  StreamThrottledError,
} from "../interfaces/stream-errors.js";
import type {
  StreamFilterView,
  StreamIteratorFrom,
  StreamRecordsPage,
  StreamShard,
  StreamSource,
} from "../interfaces/stream-source.js";
import {
  creationTimeMs,
  type DDBStreamBatchInfo,
  type DynamoDbEventSource,
  type DynamoDbStreamRecord,
  ddbStreamBatchInfo,
  dynamoDbStreamRecord,
  type StreamApiRecord,
} from "./dynamodb-stream-event.js";

/** DynamoDB Streams' GetRecords takes at most 1,000 records a call. */
export const MAX_GET_RECORDS_LIMIT = 1_000;
/** At most this many DescribeStream pages (100 shards each): a server that never stops paging is an error. */
const MAX_DESCRIBE_PAGES = 1_000;

export class DynamoDbStreamSource implements StreamSource<StreamApiRecord> {
  readonly kind = "dynamodb";
  readonly streamArn: string;

  constructor(
    private readonly client: DynamoDBStreamsClient,
    private readonly source: DynamoDbEventSource,
  ) {
    this.streamArn = source.streamArn;
  }

  async listShards(): Promise<StreamShard[]> {
    const shards: StreamShard[] = [];
    let start: string | undefined;
    for (let page = 0; page < MAX_DESCRIBE_PAGES; page += 1) {
      const output = await translated(() =>
        this.client.send(
          new DescribeStreamCommand({
            StreamArn: this.streamArn,
            ...(start === undefined ? {} : { ExclusiveStartShardId: start }),
          }),
        ),
      );
      for (const shard of output.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId) continue;
        const range = shard.SequenceNumberRange;
        shards.push({
          shardId: shard.ShardId,
          ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
          ...(range?.StartingSequenceNumber ? { startingSequenceNumber: range.StartingSequenceNumber } : {}),
          ...(range?.EndingSequenceNumber ? { endingSequenceNumber: range.EndingSequenceNumber } : {}),
        });
      }
      start = output.StreamDescription?.LastEvaluatedShardId || undefined;
      if (start === undefined) return shards;
    }
    throw new Error(`DescribeStream of ${this.streamArn} did not end after ${MAX_DESCRIBE_PAGES} pages`);
  }

  async iterator(shardId: string, from: StreamIteratorFrom): Promise<string> {
    let type: ShardIteratorType;
    let sequenceNumber: string | undefined;
    if ("checkpoint" in from) {
      type = "AFTER_SEQUENCE_NUMBER";
      sequenceNumber = from.checkpoint;
    } else if ("startingPosition" in from && from.startingPosition.type === "LATEST") type = "LATEST";
    else type = "TRIM_HORIZON"; // a child shard, TRIM_HORIZON, or AT_TIMESTAMP (refused for DynamoDB at load)
    const output = await translated(() =>
      this.client.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shardId,
          ShardIteratorType: type,
          ...(sequenceNumber === undefined ? {} : { SequenceNumber: sequenceNumber }),
        }),
      ),
    );
    if (!output.ShardIterator) throw new Error(`GetShardIterator gave no iterator for ${shardId}`);
    return output.ShardIterator;
  }

  async records(iterator: string, limit: number): Promise<StreamRecordsPage<StreamApiRecord>> {
    const output = await translated(() =>
      this.client.send(
        new GetRecordsCommand({
          ShardIterator: iterator,
          Limit: Math.max(1, Math.min(MAX_GET_RECORDS_LIMIT, Math.floor(limit))),
        }),
      ),
    );
    return { records: output.Records ?? [], nextIterator: output.NextShardIterator || null };
  }

  sequenceNumber(record: StreamApiRecord): string {
    return record.dynamodb?.SequenceNumber ?? "";
  }

  arrivalTime(record: StreamApiRecord): number {
    return creationTimeMs(record);
  }

  /** The item's key: changes to one item stay in order with parallelizationFactor > 1. */
  partitionKey(record: StreamApiRecord): string {
    return JSON.stringify(this.eventRecord(record).dynamodb.Keys);
  }

  event(records: readonly StreamApiRecord[]): { Records: DynamoDbStreamRecord[] } {
    return { Records: records.map((record) => this.eventRecord(record)) };
  }

  batchInfo(
    records: readonly StreamApiRecord[],
    shardId: string,
  ): { DDBStreamBatchInfo: DDBStreamBatchInfo } {
    return { DDBStreamBatchInfo: ddbStreamBatchInfo(records, shardId, this.streamArn) };
  }

  /**
   * DynamoDB filters match the record as the function gets it (`eventName`, `dynamodb.Keys`, `dynamodb.NewImage`,
   * …), https://docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html.
   */
  filterView(record: StreamApiRecord): StreamFilterView {
    return { view: this.eventRecord(record) as unknown as Record<string, unknown> };
  }

  private eventRecord(record: StreamApiRecord): DynamoDbStreamRecord {
    return dynamoDbStreamRecord(record, this.source);
  }
}

async function translated<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    const message = error instanceof Error ? error.message : String(error);
    if (name === "ExpiredIteratorException") throw new StreamIteratorExpiredError(message, { cause: error });
    if (name === "LimitExceededException" || name === "ThrottlingException")
      throw new StreamThrottledError(message, { cause: error });
    if (name === "TrimmedDataAccessException")
      throw new StreamCheckpointTrimmedError(message, { cause: error });
    throw error;
  }
}
