// Warm reuse, scale-out and idle reaping of execution environments (docs/architecture.md "One path for every
// invocation"; docs/lambda-behaviour.md §1.5, §4).
import { afterEach, describe, expect, it } from "vitest";
import { type Fixture, payloadJson, startFixture } from "../conformance/harness.js";

describe("environment pool", () => {
  let fixture: Fixture;
  afterEach(() => fixture?.close());

  it("reuses one warm environment for sequential invocations; only the first reports Init Duration", async () => {
    fixture = await startFixture("conformance/node");
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await fixture.invoke("warmCounter"));
    expect(results.map(payloadJson)).toEqual([{ count: 1 }, { count: 2 }, { count: 3 }]);
    expect(results.map((result) => result.initDurationMs !== undefined)).toEqual([true, false, false]);
    expect(fixture.runtime.pool.list()).toHaveLength(1);
  });

  it("runs concurrent invocations in separate environments, then reuses them", async () => {
    fixture = await startFixture("concurrency");
    const environments = async () =>
      (await Promise.all([1, 2, 3].map(() => fixture.invoke("unreserved", { ms: 300 })))).map(
        (result) => (payloadJson(result) as { environment: string }).environment,
      );
    const first = await environments();
    expect(new Set(first).size).toBe(3);
    const second = await environments();
    expect(new Set(second)).toEqual(new Set(first));
  });

  it("reaps idle environments after the idle timeout; the next invocation starts cold", async () => {
    fixture = await startFixture("conformance/node", { idleTimeoutMs: 200 });
    expect(payloadJson(await fixture.invoke("warmCounter"))).toEqual({ count: 1 });
    for (let i = 0; i < 100 && fixture.runtime.pool.list().length > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(fixture.runtime.pool.list()).toHaveLength(0);
    const cold = await fixture.invoke("warmCounter");
    expect(payloadJson(cold)).toEqual({ count: 1 });
    expect(cold.initDurationMs).toBeGreaterThan(0);
  });
});
