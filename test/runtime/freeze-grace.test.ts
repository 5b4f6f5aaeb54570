// The grace before an idle environment is frozen (runtime/environment/freeze-grace.ts): Lambda's immediate freeze
// for an environment invoked now and then, none between the invocations of one serving a steady stream.
import { describe, expect, it } from "vitest";
import { FreezeGrace, MAX_GRACE_MS, MIN_GRACE_MS } from "../../runtime/environment/freeze-grace.js";

describe("the freeze grace", () => {
  it("is the minimum at first and after a long idle gap, twice a short gap otherwise, within bounds", () => {
    const grace = new FreezeGrace();
    expect(grace.idleStarted(0)).toBe(MIN_GRACE_MS);
    grace.idleEnded(2); // back-to-back: 2 ms idle
    expect(grace.idleStarted(5)).toBe(MIN_GRACE_MS);
    grace.idleEnded(65); // a steady stream, every 60 ms: frozen at 10 ms and thawed at 60, for nothing
    expect(grace.idleStarted(70)).toBe(120);
    grace.idleEnded(70 + 200); // slower, but still a stream
    expect(grace.idleStarted(300)).toBe(MAX_GRACE_MS);
    grace.idleEnded(300 + MAX_GRACE_MS); // idle longer than the longest grace: it sat idle
    expect(grace.idleStarted(1000)).toBe(MIN_GRACE_MS);
    grace.idleEnded(6000);
    expect(grace.idleStarted(6001)).toBe(MIN_GRACE_MS);
  });

  it("counts only a gap that started: an invocation without an idle time before it changes nothing", () => {
    const grace = new FreezeGrace();
    grace.idleEnded(100); // the first invocation, straight after init
    expect(grace.idleStarted(200)).toBe(MIN_GRACE_MS);
  });
});
