/** timeout, memorySize, ephemeralStorageSize and reservedConcurrency must fit Lambda's limits. */
import { describe, expect, it } from "vitest";
import { invalidFixtureError, invalidManifest } from "./manifest-fixtures.js";

describe("limits validation", () => {
  it("rejects a timeout over 900 seconds", async () => {
    const error = await invalidFixtureError("timeout-too-long");
    expect(error.message).toBe(
      `${invalidManifest("timeout-too-long")}: functions.hello.timeout: must be a whole number from 1 to 900, not the number 901. ` +
        "Lambda allows 1 to 900 seconds (15 minutes).",
    );
  });

  it("rejects a fractional timeout, at the provider key", async () => {
    const error = await invalidFixtureError("timeout-fraction");
    expect(error.keyPath).toBe("provider.timeout");
    expect(error.problem).toBe("must be a whole number from 1 to 900, not the number 2.5");
  });

  it("rejects memory under 128 MB", async () => {
    const error = await invalidFixtureError("memory-too-small");
    expect(error.keyPath).toBe("functions.hello.memorySize");
    expect(error.fix).toBe("Lambda allows 128 to 10240 MB, in 1 MB steps");
  });

  it("rejects ephemeral storage over 10240 MB", async () => {
    const error = await invalidFixtureError("ephemeral-too-large");
    expect(error.keyPath).toBe("functions.hello.ephemeralStorageSize");
    expect(error.problem).toBe("must be a whole number from 512 to 10240, not the number 20480");
  });

  it("rejects negative reserved concurrency", async () => {
    const error = await invalidFixtureError("reserved-concurrency-negative");
    expect(error.keyPath).toBe("functions.hello.reservedConcurrency");
    expect(error.problem).toBe("must be a whole number 0 or more, not the number -1");
  });
});
