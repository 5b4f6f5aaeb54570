/** runtime: must be one Lambkin runs; the error says why not and what to use. */
import { describe, expect, it } from "vitest";
import { SUPPORTED_RUNTIMES } from "../../../runtime/manifest/function-definition.js";
import { invalidFixtureError, invalidManifest } from "./manifest-fixtures.js";

describe("runtime validation", () => {
  it("sends other languages to provided.al2023", async () => {
    const error = await invalidFixtureError("runtime-python");
    expect(error.file).toBe(invalidManifest("runtime-python"));
    expect(error.keyPath).toBe("functions.hello.runtime");
    expect(error.problem).toContain("python3.12 is not supported");
    expect(error.fix).toBe("Use provided.al2023 with a bootstrap, or wait for a later Lambkin");
  });

  it("calls nodejs16.x deprecated, at the provider key it came from", async () => {
    const error = await invalidFixtureError("runtime-deprecated");
    expect(error.keyPath).toBe("provider.runtime");
    expect(error.problem).toBe("nodejs16.x is deprecated on AWS Lambda: new functions cannot use it");
    expect(error.fix).toContain(SUPPORTED_RUNTIMES.join(", "));
  });

  it("lists the supported runtimes for an unknown one", async () => {
    const error = await invalidFixtureError("runtime-unknown");
    expect(error.message).toBe(
      `${invalidManifest("runtime-unknown")}: functions.hello.runtime: "nodejs99.x" is not a runtime Lambkin knows. ` +
        `Use one of: ${SUPPORTED_RUNTIMES.join(", ")}.`,
    );
  });
});
