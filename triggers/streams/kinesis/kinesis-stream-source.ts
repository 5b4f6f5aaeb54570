/**
 * One Kinesis data stream as the shared shard poller reads it: its shards (with their parents, so that a child
 * is read only once its parents are done), an iterator for a starting position or after a checkpoint, a page of
 * records, and what the function and an onFailure destination are given for a batch. Everything the poller does
 * with those (batches, retries, bisection, checkpoints, one poller per shard) is the poller's and the same for
 * DynamoDB Streams; everything Kinesis-specific is here.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html
 */
import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { KinesisStartingPosition } from "../../../runtime/manifest/kinesis-stream-event.js";
import type { StreamSource } from "../interfaces/stream-source.js";
import {
  type KinesisApiRecord,
  type KinesisBatchInfo,
  type KinesisEvent,
  type KinesisEventSource,
  kinesisBatchInfo,
  kinesisEvent,
} from "./kinesis-event.js";
import { type KinesisFilterView, kinesisFilterView } from "./kinesis-filter-view.js";
import {
  type KinesisIteratorPosition,
  type KinesisRecordsPage,
  type KinesisShard,
  KinesisShardApi,
} from "./kinesis-shard-api.js";

export interface KinesisStreamSourceOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly source: KinesisEventSource;
}

export class KinesisStreamSource implements StreamSource<KinesisApiRecord> {
  readonly kind = "kinesis";
  readonly streamArn: string;
  private readonly api: KinesisShardApi;
  private readonly source: KinesisEventSource;

  constructor(options: KinesisStreamSourceOptions) {
    this.api = new KinesisShardApi(options.client, options.streamName);
    this.source = options.source;
    this.streamArn = options.source.streamArn;
  }

  listShards(): Promise<KinesisShard[]> {
    return this.api.listShards();
  }

  /**
   * An iterator for a shard: after the checkpoint when there is one (AFTER_SEQUENCE_NUMBER: the checkpoint is the
   * last record done, so nothing is replayed and nothing skipped), else at the mapping's starting position. A
   * child shard found after a reshard is read from its beginning (TRIM_HORIZON) whatever the starting position,
   * as Lambda does: its records came after its parents'.
   */
  iterator(
    shardId: string,
    from:
      | { readonly checkpoint: string }
      | { readonly startingPosition: KinesisStartingPosition }
      | { readonly childOfReadShard: true },
  ): Promise<string> {
    const position: KinesisIteratorPosition =
      "checkpoint" in from
        ? { type: "AFTER_SEQUENCE_NUMBER", sequenceNumber: from.checkpoint }
        : "startingPosition" in from
          ? from.startingPosition
          : { type: "TRIM_HORIZON" };
    return this.api.shardIterator(shardId, position);
  }

  records(iterator: string, limit: number): Promise<KinesisRecordsPage> {
    return this.api.getRecords(iterator, limit);
  }

  sequenceNumber(record: KinesisApiRecord): string {
    return record.SequenceNumber ?? "";
  }

  /** Records of one partition key stay in order with parallelizationFactor > 1. */
  partitionKey(record: KinesisApiRecord): string {
    return record.PartitionKey ?? "";
  }

  /** When the record was put (ms since the epoch): MaximumRecordAgeInSeconds counts from it. */
  arrivalTime(record: KinesisApiRecord): number {
    return record.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
  }

  event(records: readonly KinesisApiRecord[], shardId: string): KinesisEvent {
    return kinesisEvent(records, shardId, this.source);
  }

  /** The onFailure record's source part: `{"KinesisBatchInfo": {…}}`. */
  batchInfo(records: readonly KinesisApiRecord[], shardId: string): { KinesisBatchInfo: KinesisBatchInfo } {
    return { KinesisBatchInfo: kinesisBatchInfo(records, shardId, this.streamArn) };
  }

  filterView(record: KinesisApiRecord, shardId: string): KinesisFilterView {
    const [eventRecord] = kinesisEvent([record], shardId, this.source).Records;
    if (eventRecord === undefined) throw new Error("unreachable: one record in, one out");
    return kinesisFilterView(eventRecord);
  }
}
