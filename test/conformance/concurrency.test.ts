// Concurrency caps and throttling (docs/lambda-behaviour.md §4): reserved concurrency is a cap, 0 throttles
// everything, the account limit caps the unreserved pool, and a throttled synchronous invocation
// fails at once with TooManyRequestsException and the Reason AWS gives.
import { afterEach, describe, expect, it } from "vitest";
import { ServiceError } from "../../runtime/errors/service-errors.js";
import { type Fixture, payloadJson, startFixture } from "./harness.js";

describe("concurrency", () => {
  let fixture: Fixture;
  afterEach(() => fixture?.close());

  async function throttleOf(promise: Promise<unknown>): Promise<ServiceError> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ServiceError);
    return error as ServiceError;
  }

  it("reservedConcurrency: 0 throttles every invocation", async () => {
    fixture = await startFixture("concurrency");
    const error = await throttleOf(fixture.invoke("reservedZero", { ms: 1 }));
    expect(error.errorName).toBe("TooManyRequestsException");
    expect(error.statusCode).toBe(429);
    expect(error.toBody()).toEqual({
      Type: "User",
      message: "Rate Exceeded.",
      Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
    });
  });

  it("a reserved function runs at most its reservation at once; the next call is refused at once", async () => {
    fixture = await startFixture("concurrency");
    const inFlight = fixture.invoke("reservedOne", { ms: 1500 });
    const error = await throttleOf(fixture.invoke("reservedOne", { ms: 1 }));
    expect(error.extra.reason).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
    expect((await inFlight).functionError).toBeUndefined();
    // The unit is given back: the next call runs, in the same (warm) environment.
    const again = await fixture.invoke("reservedOne", { ms: 1 });
    expect(payloadJson(again)).toEqual(payloadJson(await inFlight));
  });

  it("the account limit caps the unreserved pool (ConcurrentInvocationLimitExceeded)", async () => {
    fixture = await startFixture("concurrency", { accountConcurrency: 12 });
    // 12 - 1 reserved = 11 unreserved: eleven calls fill the pool, the twelfth is refused.
    const inFlight = Array.from({ length: 11 }, () => fixture.invoke("unreserved", { ms: 2000 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const error = await throttleOf(fixture.invoke("unreserved", { ms: 1 }));
    expect(error.extra.reason).toBe("ConcurrentInvocationLimitExceeded");
    const results = await Promise.all(inFlight);
    // Concurrency means more environments: eleven distinct environments served them.
    expect(
      new Set(results.map((result) => (payloadJson(result) as { environment: string }).environment)).size,
    ).toBe(11);
  });

  it("refuses a configuration that reserves more than the account can spare", async () => {
    await expect(startFixture("concurrency", { accountConcurrency: 1 })).rejects.toThrow(
      /must stay unreserved/,
    );
  });
});
