/** A poller's stop: once stopped, every sleep ends at once, and loops see `stopped` and end. */
export class StopSignal {
  private isStopped = false;
  private readonly wakers = new Set<() => void>();

  get stopped(): boolean {
    return this.isStopped;
  }

  stop(): void {
    this.isStopped = true;
    for (const wake of this.wakers) wake();
    this.wakers.clear();
  }

  /** Waits `ms`, or less when stopped meanwhile. */
  sleep(ms: number): Promise<void> {
    if (this.isStopped || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref?.();
      this.wakers.add(wake);
    });
  }
}
