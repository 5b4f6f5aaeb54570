/**
 * Long polling's waiting room: receivers blocked on a queue wait here until a change of that queue is signalled
 * (a send, a delete, a visibility change), a deadline passes, their AbortSignal fires, or the store closes.
 * "Long polling ... returns messages as soon as they become available" —
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html
 * Every wait has a deadline, so a lost wake-up (another process's send, a message whose delay ends) costs at
 * most one slice of the caller's choosing, never a hang.
 */
export class Wakeups {
  private readonly waiting = new Map<string, Set<() => void>>();
  private closed = false;

  /** Resolves at the first of: wake(key), `untilMs` (epoch ms), the signal aborting, close(). */
  wait(key: string, untilMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiting.get(key) ?? new Set<() => void>();
      this.waiting.set(key, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(key) === set) this.waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, untilMs - Date.now()));
      signal?.addEventListener("abort", done, { once: true });
      set.add(done);
    });
  }

  wake(key: string): void {
    const set = this.waiting.get(key);
    if (set === undefined) return;
    for (const done of [...set]) done();
  }

  /** How many receivers wait on `key` (for a backend that only listens while someone waits). */
  waiters(key: string): number {
    return this.waiting.get(key)?.size ?? 0;
  }

  close(): void {
    this.closed = true;
    for (const key of [...this.waiting.keys()]) this.wake(key);
  }
}
