/**
 * How long an environment back in `/next` stays thawed before it is frozen (SIGSTOP, the cgroup freezer).
 *
 * Lambda freezes an environment as soon as its runtime is back in /next
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html, "Invoke phase"). Each freeze
 * and thaw is a round trip of signals to every process of the environment, and under load an environment that is
 * frozen and thawed around every invocation spends much of its CPU, and Lambkin much of its, on that alone
 * (measured at c=50 through `lambkin dev`, docs/lambda-behaviour.md §1.5). So the grace follows the environment's
 * own cadence: after an idle gap shorter than MAX_GRACE_MS (the next invocation came soon, frozen meanwhile or not)
 * the next grace is twice that gap, at least MIN_GRACE_MS and at most MAX_GRACE_MS; after a longer one (an
 * environment that really sat idle) it is MIN_GRACE_MS again. An environment invoked now and then is frozen
 * MIN_GRACE_MS after each invocation, as before; one serving a steady stream stays thawed between its invocations.
 */
export const MIN_GRACE_MS = 10;
export const MAX_GRACE_MS = 250;

export class FreezeGrace {
  private idleSince: number | undefined;
  private lastGapMs: number | undefined;

  /** The runtime is back in /next: how long to wait before freezing it. */
  idleStarted(now = performance.now()): number {
    this.idleSince = now;
    const gap = this.lastGapMs;
    if (gap === undefined) return MIN_GRACE_MS;
    return Math.min(MAX_GRACE_MS, Math.max(MIN_GRACE_MS, 2 * gap));
  }

  /** The next invocation reached the environment. */
  idleEnded(now = performance.now()): void {
    if (this.idleSince === undefined) return;
    const gap = now - this.idleSince;
    this.idleSince = undefined;
    this.lastGapMs = gap < MAX_GRACE_MS ? gap : undefined;
  }
}
