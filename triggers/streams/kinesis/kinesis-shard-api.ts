/**
 * The four Kinesis calls a shard poller makes, with what Lambda's poller does about their answers:
 * - ListShards, page by page (`NextToken` alone on the next page: AWS refuses it together with the stream name),
 *   https://docs.aws.amazon.com/kinesis/latest/APIReference/API_ListShards.html. Each shard keeps its
 *   `ParentShardId` / `AdjacentParentShardId` (a split has one parent, a merge two) so that children are read only
 *   after their parents, and its `EndingSequenceNumber` (a closed shard).
 * - GetShardIterator at TRIM_HORIZON, LATEST, AT_TIMESTAMP or AFTER_SEQUENCE_NUMBER (a checkpoint),
 *   https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html.
 * - GetRecords with the iterator; its `NextShardIterator` is the next call's, and none (null) means a closed shard
 *   has been read to its end, https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html.
 * - An iterator expires 5 minutes after it was handed out (ExpiredIteratorException): the poller gets a new one
 *   from its checkpoint. A shard read more than 5 times a second or 2 MB/s gets
 *   ProvisionedThroughputExceededException (GetShardIterator and ListShards: LimitExceededException): the poller
 *   backs off. Both are told apart here as typed errors so that the poller needs no Kinesis error names.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandInput,
  type ShardIteratorType,
} from "@aws-sdk/client-kinesis";
import { StreamIteratorExpiredError, StreamThrottledError } from "../interfaces/stream-errors.js";
import type { KinesisApiRecord } from "./kinesis-event.js";

export interface KinesisShard {
  readonly shardId: string;
  /** The shard this one was split from, or the first of the two it was merged from. */
  readonly parentShardId?: string;
  /** The second parent of a merged shard. */
  readonly adjacentParentShardId?: string;
  readonly startingSequenceNumber: string;
  /** Set once the shard is closed (split or merged): no record is added to it after this one. */
  readonly endingSequenceNumber?: string;
}

export type KinesisIteratorPosition =
  | { readonly type: "TRIM_HORIZON" }
  | { readonly type: "LATEST" }
  | { readonly type: "AT_TIMESTAMP"; readonly timestamp: Date }
  | { readonly type: "AFTER_SEQUENCE_NUMBER"; readonly sequenceNumber: string };

export interface KinesisRecordsPage {
  readonly records: readonly KinesisApiRecord[];
  /** The iterator for the next call; null once a closed shard has been read to its end. */
  readonly nextIterator: string | null;
  readonly millisBehindLatest: number | undefined;
}

/** The iterator is older than 5 minutes: get another one from the checkpoint. */
export class KinesisIteratorExpiredError extends StreamIteratorExpiredError {
  override readonly name = "KinesisIteratorExpiredError";
}

/** The shard (or the account's control-plane rate) is over its limit: try again later. */
export class KinesisThroughputExceededError extends StreamThrottledError {
  override readonly name = "KinesisThroughputExceededError";
}

/** At most this many ListShards pages (1,000 shards each at most): a server that never stops paging is an error. */
const MAX_LIST_SHARDS_PAGES = 100;
/** GetRecords takes at most 10,000 records a call. */
export const MAX_GET_RECORDS_LIMIT = 10_000;

export class KinesisShardApi {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  async listShards(): Promise<KinesisShard[]> {
    const shards: KinesisShard[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_LIST_SHARDS_PAGES; page += 1) {
      const input: ListShardsCommandInput =
        nextToken === undefined ? { StreamName: this.streamName } : { NextToken: nextToken };
      const output = await translated(() => this.client.send(new ListShardsCommand(input)));
      for (const shard of output.Shards ?? []) {
        if (!shard.ShardId) continue;
        shards.push({
          shardId: shard.ShardId,
          ...(shard.ParentShardId ? { parentShardId: shard.ParentShardId } : {}),
          ...(shard.AdjacentParentShardId ? { adjacentParentShardId: shard.AdjacentParentShardId } : {}),
          startingSequenceNumber: shard.SequenceNumberRange?.StartingSequenceNumber ?? "",
          ...(shard.SequenceNumberRange?.EndingSequenceNumber
            ? { endingSequenceNumber: shard.SequenceNumberRange.EndingSequenceNumber }
            : {}),
        });
      }
      nextToken = output.NextToken || undefined;
      if (nextToken === undefined) return shards;
    }
    throw new Error(`ListShards of ${this.streamName} did not end after ${MAX_LIST_SHARDS_PAGES} pages`);
  }

  async shardIterator(shardId: string, position: KinesisIteratorPosition): Promise<string> {
    const output = await translated(() =>
      this.client.send(
        new GetShardIteratorCommand({
          StreamName: this.streamName,
          ShardId: shardId,
          ShardIteratorType: position.type satisfies ShardIteratorType,
          ...(position.type === "AT_TIMESTAMP" ? { Timestamp: position.timestamp } : {}),
          ...(position.type === "AFTER_SEQUENCE_NUMBER"
            ? { StartingSequenceNumber: position.sequenceNumber }
            : {}),
        }),
      ),
    );
    if (!output.ShardIterator) throw new Error(`GetShardIterator gave no iterator for ${shardId}`);
    return output.ShardIterator;
  }

  async getRecords(iterator: string, limit: number): Promise<KinesisRecordsPage> {
    const output = await translated(() =>
      this.client.send(
        new GetRecordsCommand({
          ShardIterator: iterator,
          Limit: Math.max(1, Math.min(MAX_GET_RECORDS_LIMIT, Math.floor(limit))),
        }),
      ),
    );
    return {
      records: output.Records ?? [],
      nextIterator: output.NextShardIterator || null,
      millisBehindLatest: output.MillisBehindLatest,
    };
  }
}

async function translated<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    const message = error instanceof Error ? error.message : String(error);
    if (name === "ExpiredIteratorException") throw new KinesisIteratorExpiredError(message, { cause: error });
    if (name === "ProvisionedThroughputExceededException" || name === "LimitExceededException") {
      throw new KinesisThroughputExceededError(message, { cause: error });
    }
    throw error;
  }
}
