/**
 * Reads one shard of one mapping while this process holds its lease: iterator from the checkpoint (or the start
 * position), GetRecords in a loop, records gathered into batches (up to batchSize, or for up to batchWindow),
 * filtered, spread over the shard's lanes (parallelizationFactor: records of one partition key always in the same
 * lane, so in order), delivered, checkpointed. A shard whose iterator runs out is closed and read to its end: it
 * is marked finished so that its children can start.
 *
 * An empty shard is polled every `idlePollMs` (Lambda polls a DynamoDB stream's shards 4 times a second,
 * https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#services-dynamodb-polling). An expired iterator is
 * replaced from the checkpoint (records gathered but not delivered are read again); a throttled read backs off.
 */

import type { Invocations } from "../../runtime/invocation/invocations.js";
import { type DeliveryTiming, deliverLane, type FailureSink } from "./batch-delivery.js";
import type { CheckpointStore, ShardKey } from "./interfaces/checkpoint-store.js";
import {
  StreamCheckpointTrimmedError,
  StreamIteratorExpiredError,
  StreamThrottledError,
} from "./interfaces/stream-errors.js";
import type { StreamIteratorFrom } from "./interfaces/stream-source.js";
import { LeaseLostError, ShardProgress } from "./shard-progress.js";
import { StopSignal } from "./stop-signal.js";
import type { StreamMapping } from "./stream-mapping.js";
import type { StreamReporter } from "./stream-report.js";

export interface ShardReaderOptions<R> {
  readonly mapping: StreamMapping<R>;
  readonly shardId: string;
  readonly owner: string;
  readonly store: CheckpointStore;
  readonly invocations: Pick<Invocations, "run">;
  readonly onFailure: FailureSink | undefined;
  readonly report: StreamReporter;
  readonly timing: DeliveryTiming;
  readonly idlePollMs: number;
  /** Where to start when the shard has no checkpoint. */
  readonly from: Exclude<StreamIteratorFrom, { checkpoint: string }>;
}

export type ShardEnd = "finished" | "stopped" | "lease-lost";

/** The most records gathered before a batch is cut, whatever batchSize × parallelizationFactor asks. */
const MAX_GATHERED = 10_000;

export class ShardReader<R> {
  private readonly stop = new StopSignal();
  readonly done: Promise<ShardEnd>;

  constructor(private readonly options: ShardReaderOptions<R>) {
    this.done = this.run().catch((error: unknown) => {
      if (error instanceof LeaseLostError) return "lease-lost" as const;
      throw error;
    });
  }

  /** Stops reading; the batch being delivered finishes its current invocation first. */
  close(): Promise<ShardEnd> {
    this.stop.stop();
    return this.done;
  }

  private get key(): ShardKey {
    return { mappingId: this.options.mapping.id, shardId: this.options.shardId };
  }

  private async run(): Promise<ShardEnd> {
    const { mapping, idlePollMs } = this.options;
    const windowMs = mapping.settings.batchWindowSeconds * 1000;
    const wanted = Math.min(MAX_GATHERED, mapping.batchSize * mapping.settings.parallelizationFactor);
    let iterator: string | null | undefined;
    let gathered: R[] = [];
    let gatheringSince = 0;
    let failures = 0;
    while (!this.stop.stopped) {
      try {
        iterator ??= await this.iterator();
        const page = await mapping.source.records(iterator, wanted - gathered.length);
        failures = 0;
        if (gathered.length === 0 && page.records.length > 0) gatheringSince = Date.now();
        gathered.push(...page.records);
        iterator = page.nextIterator;
        const closed = iterator === null;
        const ready =
          gathered.length > 0 &&
          (closed || gathered.length >= wanted || windowMs === 0 || Date.now() - gatheringSince >= windowMs);
        if (ready) {
          const chunk = gathered;
          gathered = [];
          if (!(await this.deliver(chunk))) return "stopped";
        }
        if (closed) {
          await this.options.store.markShardFinished(this.key, this.options.owner);
          return "finished";
        }
        if (page.records.length === 0) {
          const waitMs =
            gathered.length > 0 ? Math.min(idlePollMs, windowMs - (Date.now() - gatheringSince)) : idlePollMs;
          await this.stop.sleep(Math.max(1, waitMs));
        }
      } catch (error) {
        if (error instanceof LeaseLostError) return "lease-lost";
        // What was gathered is read again from the checkpoint with the next iterator.
        gathered = [];
        iterator = undefined;
        if (error instanceof StreamIteratorExpiredError) continue;
        failures += 1;
        if (!(error instanceof StreamThrottledError)) {
          this.options.report({
            code: "LKN_WRN_STREAM_READ_FAILED",
            message: `${mapping.function.name}: reading ${this.options.shardId} of ${mapping.source.streamArn} failed (${(error as Error).message}); reading again from the checkpoint`,
          });
        }
        await this.stop.sleep(Math.min(30_000, idlePollMs * 2 ** Math.min(failures, 7)));
      }
    }
    return "stopped";
  }

  private async iterator(): Promise<string> {
    const { mapping, shardId, store } = this.options;
    const checkpoint = await store.checkpoint(this.key);
    if (checkpoint === undefined) return mapping.source.iterator(shardId, this.options.from);
    try {
      return await mapping.source.iterator(shardId, { checkpoint });
    } catch (error) {
      if (!(error instanceof StreamCheckpointTrimmedError)) throw error;
      // The records after the checkpoint are gone (older than the stream keeps): go on from the oldest kept.
      this.options.report({
        code: "LKN_WRN_STREAM_READ_FAILED",
        message: `${mapping.function.name}: the records after the checkpoint ${checkpoint} of ${shardId} were trimmed from the stream; reading from the oldest record kept`,
      });
      return mapping.source.iterator(shardId, { childOfReadShard: true });
    }
  }

  /** Filters a chunk, spreads it over the lanes, delivers them; false when stopped first. */
  private async deliver(chunk: readonly R[]): Promise<boolean> {
    const { mapping, shardId } = this.options;
    const progress = new ShardProgress(
      chunk,
      (record) => mapping.source.sequenceNumber(record),
      (sequenceNumber) => this.options.store.saveCheckpoint(this.key, this.options.owner, sequenceNumber),
    );
    const passing: R[] = [];
    const filteredOut: R[] = [];
    for (const record of chunk) (passes(mapping, record, shardId) ? passing : filteredOut).push(record);
    if (filteredOut.length > 0) await progress.markDone(filteredOut);
    const lanes = lanesOf(passing, mapping.settings.parallelizationFactor, (record) =>
      mapping.source.partitionKey(record),
    );
    const context = {
      mapping,
      shardId,
      invocations: this.options.invocations,
      onFailure: this.options.onFailure,
      report: this.options.report,
      timing: this.options.timing,
      stop: this.stop,
      done: (records: readonly R[]) => progress.markDone(records),
    };
    const results = await Promise.all(lanes.map((lane) => deliverLane(context, lane)));
    return results.every(Boolean);
  }
}

/**
 * Whether a record passes the mapping's filterPatterns. A Kinesis record whose data is not JSON has no `data` in its
 * view, so a pattern on `data` never matches it while one on its metadata still can
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis-filtering.html).
 */
function passes<R>(mapping: StreamMapping<R>, record: R, shardId: string): boolean {
  if (mapping.filter.size === 0) return true;
  return mapping.filter.matches(mapping.source.filterView(record, shardId).view);
}

/** Records spread over `factor` lanes by their partition key, each lane in shard order. */
export function lanesOf<R>(records: readonly R[], factor: number, key: (record: R) => string): R[][] {
  if (factor <= 1) return records.length > 0 ? [[...records]] : [];
  const lanes: R[][] = Array.from({ length: factor }, () => []);
  for (const record of records) lanes[hash(key(record)) % factor]?.push(record);
  return lanes.filter((lane) => lane.length > 0);
}

/** FNV-1a: a stable spread of keys over lanes. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
}
