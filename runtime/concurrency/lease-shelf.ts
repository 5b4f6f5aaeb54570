/**
 * LeaseShelf: units of concurrency kept for a moment after an asynchronous invocation ends, so that the next
 * invocation of the same function takes one without asking the store again. With the Redis limiter every
 * invocation otherwise costs two scripts (acquire, release) on top of the queue's own; a worker draining a
 * backlog of one function's events releases a unit and takes it back a fraction of a millisecond later.
 *
 * What a caller can observe: a shelved unit still counts against the function's reservation and the account
 * for up to `holdMs` (20 ms by default) after its invocation ended. Lambda does not promise that a unit frees
 * the instant an invocation ends either (an environment stays busy while the runtime reports and asks for the
 * next event); an asynchronous event that finds the pool full waits in its queue with backoff, and only
 * asynchronous invocations shelve their unit, so a synchronous caller is refused at most for that long after a
 * burst of events at the cap. A shelved unit of a worker that dies expires with its lease, as any other.
 */
import type { ConcurrencyLease } from "./concurrency-limiter.js";

export const DEFAULT_LEASE_HOLD_MS = 20;

interface Shelved {
  readonly lease: ConcurrencyLease;
  readonly timer: NodeJS.Timeout;
}

export class LeaseShelf {
  private readonly byFunction = new Map<string, Shelved[]>();

  constructor(private readonly holdMs = DEFAULT_LEASE_HOLD_MS) {}

  /**
   * A unit put back under `functionName` (the invoker's key: function and reservation) within the last `holdMs`,
   * now the caller's; undefined when none.
   */
  take(functionName: string): ConcurrencyLease | undefined {
    const shelved = this.byFunction.get(functionName)?.pop();
    if (!shelved) return undefined;
    clearTimeout(shelved.timer);
    return shelved.lease;
  }

  /** Keeps the unit for `holdMs`, then releases it unless take() handed it out meanwhile. */
  put(functionName: string, lease: ConcurrencyLease): void {
    let shelf = this.byFunction.get(functionName);
    if (!shelf) {
      shelf = [];
      this.byFunction.set(functionName, shelf);
    }
    const entries = shelf;
    const timer = setTimeout(() => {
      const at = entries.findIndex((entry) => entry.lease === lease);
      if (at >= 0) entries.splice(at, 1);
      void lease.release();
    }, this.holdMs);
    // Nothing waits for a shelved unit: it must not keep the process alive.
    timer.unref();
    entries.push({ lease, timer });
  }

  /** Releases every shelved unit now. */
  async releaseAll(): Promise<void> {
    const all = [...this.byFunction.values()].flat();
    this.byFunction.clear();
    for (const { timer } of all) clearTimeout(timer);
    await Promise.all(all.map(({ lease }) => lease.release()));
  }
}
