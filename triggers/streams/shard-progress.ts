/**
 * The checkpoint of a chunk of a shard's records being delivered, possibly by several lanes at once
 * (parallelizationFactor > 1): the checkpoint may only move to a record when it and every record before it in
 * the shard are done (delivered, filtered out, or given up), so a restart never skips one. A record done by a
 * lane ahead of a slower one is replayed after a crash (at-least-once, as Lambda with parallel batches); with one
 * lane the checkpoint follows each batch, and nothing is replayed after a successful one.
 * Saves are made one at a time, in order.
 */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

export class ShardProgress<R> {
  private readonly index = new Map<R, number>();
  private readonly done: boolean[];
  private next = 0;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly records: readonly R[],
    private readonly sequenceNumber: (record: R) => string,
    /** Saves a checkpoint; false when the shard's lease is lost. */
    private readonly save: (sequenceNumber: string) => Promise<boolean>,
  ) {
    for (const [position, record] of records.entries()) this.index.set(record, position);
    this.done = records.map(() => false);
  }

  /** Marks records done and moves the checkpoint as far as the done prefix goes; rejects with LeaseLostError. */
  markDone(records: readonly R[]): Promise<void> {
    for (const record of records) {
      const position = this.index.get(record);
      if (position !== undefined) this.done[position] = true;
    }
    const before = this.next;
    while (this.next < this.records.length && this.done[this.next]) this.next += 1;
    if (this.next === before) return this.saving;
    const last = this.records[this.next - 1] as R;
    const sequenceNumber = this.sequenceNumber(last);
    this.saving = this.saving.then(async () => {
      if (!(await this.save(sequenceNumber))) throw new LeaseLostError("the shard's lease was taken over");
    });
    return this.saving;
  }

  get complete(): boolean {
    return this.next === this.records.length;
  }
}
