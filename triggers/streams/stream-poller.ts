/**
 * One mapping's poller: it lists the stream's shards every `discoveryMs`, takes the lease of each shard it may
 * read — not finished, and every parent of it finished (a child is read only after its parents, so the records of
 * one key stay in order across a split, a merge or DynamoDB's shard rollover; a parent no longer listed was trimmed
 * and counts as finished) — and runs a ShardReader per leased shard. Leases are renewed every third of their
 * duration; a reader whose lease was lost (this process was paused past it and another took the shard over)
 * stops. Across a cluster (workers sharing one Redis), each shard is so read by one process at a time; a SIGKILLed
 * process's shards are taken over from their checkpoints once its leases expire.
 *
 * Where a shard without a checkpoint starts: a shard with a parent in the stream from its beginning
 * (TRIM_HORIZON: its records came after its parent's, which are read first), any other at the mapping's
 * startingPosition.
 */
import type { Invocations } from "../../runtime/invocation/invocations.js";
import { DEFAULT_TIMING, type DeliveryTiming, type FailureSink } from "./batch-delivery.js";
import { type CheckpointStore, CheckpointStoreUnavailableError } from "./interfaces/checkpoint-store.js";
import type { StreamShard } from "./interfaces/stream-source.js";
import { type ShardEnd, ShardReader } from "./shard-reader.js";
import { StopSignal } from "./stop-signal.js";
import type { StreamMapping } from "./stream-mapping.js";
import type { StreamReporter } from "./stream-report.js";

export interface StreamPollerOptions<R> {
  readonly mapping: StreamMapping<R>;
  readonly store: CheckpointStore;
  readonly invocations: Pick<Invocations, "run">;
  readonly onFailure?: FailureSink;
  readonly report: StreamReporter;
  /** This process, as lease holder: unique per process. */
  readonly owner: string;
  /** How long a shard stays this process's without renewal (ms; default 30 s). */
  readonly leaseMs?: number;
  /** How often the shards are listed (ms; default 2 s). */
  readonly discoveryMs?: number;
  /** How often an empty shard is polled (ms; default 250, Lambda's 4 times a second). */
  readonly idlePollMs?: number;
  readonly timing?: DeliveryTiming;
}

export const DEFAULT_LEASE_MS = 30_000;

export class StreamPoller<R> {
  private readonly stop = new StopSignal();
  private readonly readers = new Map<string, ShardReader<R>>();
  private readonly leaseMs: number;
  private readonly loop: Promise<void>;
  private readonly renewal: NodeJS.Timeout;
  private wake: (() => void) | undefined;

  constructor(private readonly options: StreamPollerOptions<R>) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.renewal = setInterval(() => void this.renewLeases(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.renewal.unref?.();
    this.loop = this.discover();
  }

  /** The shards this process reads now. */
  get shardsRead(): readonly string[] {
    return [...this.readers.keys()];
  }

  /** Stops every reader (each finishes the invocation under way) and gives its lease up. */
  async close(): Promise<void> {
    this.stop.stop();
    this.wake?.();
    clearInterval(this.renewal);
    await this.loop;
    const readers = [...this.readers.entries()];
    await Promise.all(readers.map(([, reader]) => reader.close().catch(() => "stopped" as const)));
    await Promise.all(
      readers.map(([shardId]) =>
        this.options.store
          .releaseLease({ mappingId: this.options.mapping.id, shardId }, this.options.owner)
          .catch(() => {}),
      ),
    );
    this.readers.clear();
  }

  private async discover(): Promise<void> {
    const { mapping, report } = this.options;
    let failing = false;
    while (!this.stop.stopped) {
      try {
        await this.takeShards(await mapping.source.listShards());
        failing = false;
      } catch (error) {
        // Said once per outage, not at every listing.
        if (!failing)
          report({
            code:
              error instanceof CheckpointStoreUnavailableError
                ? "LKN_WRN_STREAM_CHECKPOINTS_UNAVAILABLE"
                : "LKN_WRN_STREAM_SOURCE_WAITING",
            message: `${mapping.function.name}: cannot list the shards of ${mapping.source.streamArn} now (${(error as Error).message}); trying again`,
          });
        failing = true;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void this.stop.sleep(this.options.discoveryMs ?? 2_000).then(resolve);
      });
      this.wake = undefined;
    }
  }

  private async takeShards(shards: readonly StreamShard[]): Promise<void> {
    const { mapping, store, owner } = this.options;
    const listed = new Set(shards.map((shard) => shard.shardId));
    const finished = await store.finishedShards(mapping.id, [...listed]);
    for (const shard of shards) {
      if (this.stop.stopped) return;
      if (this.readers.has(shard.shardId) || finished.has(shard.shardId)) continue;
      const parents = [shard.parentShardId, shard.adjacentParentShardId].filter(
        (parent): parent is string => parent !== undefined && listed.has(parent),
      );
      if (parents.some((parent) => !finished.has(parent))) continue;
      const key = { mappingId: mapping.id, shardId: shard.shardId };
      if (!(await store.acquireLease(key, owner, this.leaseMs))) continue;
      this.startReader(shard.shardId, parents.length > 0);
    }
  }

  private startReader(shardId: string, isChild: boolean): void {
    const { mapping } = this.options;
    const reader = new ShardReader<R>({
      mapping,
      shardId,
      owner: this.options.owner,
      store: this.options.store,
      invocations: this.options.invocations,
      onFailure: this.options.onFailure,
      report: this.options.report,
      timing: this.options.timing ?? DEFAULT_TIMING,
      idlePollMs: this.options.idlePollMs ?? 250,
      from: isChild ? { childOfReadShard: true } : { startingPosition: mapping.startingPosition },
    });
    this.readers.set(shardId, reader);
    void reader.done
      .catch((error: unknown): ShardEnd => {
        this.options.report({
          code: "LKN_WRN_STREAM_READ_FAILED",
          message: `${mapping.function.name}: the reader of ${shardId} stopped (${(error as Error).message}); it starts again from its checkpoint`,
        });
        return "stopped";
      })
      .then(async (end) => {
        if (this.stop.stopped) return;
        this.readers.delete(shardId);
        if (end !== "lease-lost")
          await this.options.store
            .releaseLease({ mappingId: mapping.id, shardId }, this.options.owner)
            .catch(() => {});
        this.wake?.(); // a finished shard's children may start now
      });
  }

  private async renewLeases(): Promise<void> {
    const { mapping, store, owner } = this.options;
    for (const [shardId, reader] of this.readers) {
      try {
        if (!(await store.acquireLease({ mappingId: mapping.id, shardId }, owner, this.leaseMs)))
          void reader.close();
      } catch {
        // The store is unreachable: nobody can take the lease over meanwhile; renew at the next round.
      }
    }
  }
}
