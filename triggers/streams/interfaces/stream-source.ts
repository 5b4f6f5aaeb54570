/**
 * The StreamSource port: what the shared shard poller (triggers/streams/shard-poller.ts) needs of one stream —
 * a DynamoDB stream (triggers/streams/dynamodb/) or a Kinesis data stream (triggers/streams/kinesis/). Lambda
 * reads both the same way (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html): it lists the shards, reads each shard in order
 * with an iterator, hands batches to the function and checkpoints the last sequence number done. Everything the
 * poller does with those (batching, retries, bisection, record age, partial failures, checkpoints, leases,
 * following closed shards to their children) is the poller's; everything service-specific is an adapter's.
 *
 * `R` is the adapter's record as its GetRecords returns it; the poller never looks inside one except through
 * the methods below.
 */

/** One shard, as DescribeStream (DynamoDB) or ListShards (Kinesis) lists it. */
export interface StreamShard {
  readonly shardId: string;
  /** The shard this one was split from (DynamoDB: the shard it succeeds), or the first of the two of a merge. */
  readonly parentShardId?: string;
  /** The second parent of a merged Kinesis shard. */
  readonly adjacentParentShardId?: string;
  readonly startingSequenceNumber?: string;
  /** Set once the shard is closed: no record is added to it after this one; its children follow it. */
  readonly endingSequenceNumber?: string;
}

/** Where a mapping starts reading a shard it has no checkpoint for (CreateEventSourceMapping StartingPosition). */
export type StreamStartingPosition =
  | { readonly type: "TRIM_HORIZON" }
  | { readonly type: "LATEST" }
  | { readonly type: "AT_TIMESTAMP"; readonly timestamp: Date };

/**
 * Where an iterator starts:
 * - `checkpoint`: AFTER_SEQUENCE_NUMBER of the last record done (nothing replayed, nothing skipped);
 * - `startingPosition`: a shard open when the mapping started, with no checkpoint yet;
 * - `childOfReadShard`: a child found after its parents were read — from its beginning (TRIM_HORIZON) whatever
 *   the starting position, as Lambda does: its records came after its parents'.
 */
export type StreamIteratorFrom =
  | { readonly checkpoint: string }
  | { readonly startingPosition: StreamStartingPosition }
  | { readonly childOfReadShard: true };

export interface StreamRecordsPage<R> {
  readonly records: readonly R[];
  /** The iterator of the next call; null once a closed shard has been read to its end ("shard closed"). */
  readonly nextIterator: string | null;
}

/** What a mapping's filterPatterns are matched against for one record. */
export interface StreamFilterView {
  readonly view: Readonly<Record<string, unknown>>;
  /**
   * Kinesis: whether `data` was JSON. When false, a pattern with a `data` key never matches the record
   * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-filtering.html). Absent: true.
   */
  readonly dataIsJson?: boolean;
}

/** The event the function receives for a batch. */
export interface StreamEvent {
  readonly Records: readonly unknown[];
}

export interface StreamSource<R = unknown> {
  readonly kind: "dynamodb" | "kinesis";
  /** The stream's ARN as records and the onFailure record name it (eventSourceARN, streamArn). */
  readonly streamArn: string;
  /** Every shard of the stream, open and closed, with its parents. */
  listShards(): Promise<StreamShard[]>;
  /**
   * An iterator for a shard. Rejects with StreamThrottledError (back off) or another error (the poller retries
   * later; nothing is lost: the checkpoint did not move).
   */
  iterator(shardId: string, from: StreamIteratorFrom): Promise<string>;
  /**
   * Up to `limit` records after the iterator. Rejects with StreamIteratorExpiredError (get another one from the
   * checkpoint) or StreamThrottledError (back off).
   */
  records(iterator: string, limit: number): Promise<StreamRecordsPage<R>>;
  /** The record's sequence number: what is checkpointed, and the itemIdentifier of a partial batch failure. */
  sequenceNumber(record: R): string;
  /** When the record entered the stream (ms since the epoch): MaximumRecordAgeInSeconds counts from it. */
  arrivalTime(record: R): number;
  /**
   * What keeps order with parallelizationFactor > 1: records of one key are never in two batches at once
   * (Kinesis: the partition key; DynamoDB: the item's key).
   */
  partitionKey(record: R): string;
  /** The function's event for a batch (records in shard order). */
  event(records: readonly R[], shardId: string): StreamEvent;
  /** The onFailure record's source part: `{"DDBStreamBatchInfo": {…}}` or `{"KinesisBatchInfo": {…}}`. */
  batchInfo(records: readonly R[], shardId: string): Readonly<Record<string, unknown>>;
  filterView(record: R, shardId: string): StreamFilterView;
}
