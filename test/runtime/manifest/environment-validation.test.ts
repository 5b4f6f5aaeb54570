/** environment: Lambda's naming rules, reserved names, string values and the 4 KB limit. */
import { describe, expect, it } from "vitest";
import { invalidFixtureError, invalidManifest } from "./manifest-fixtures.js";

describe("environment validation", () => {
  it("rejects a name that does not start with a letter", async () => {
    const error = await invalidFixtureError("env-bad-name");
    expect(error.keyPath).toBe("functions.hello.environment.1BAD");
    expect(error.fix).toBe("Lambda requires a letter first, then at least one letter, digit or _");
  });

  it("rejects a name Lambda reserves, at the provider key", async () => {
    const error = await invalidFixtureError("env-reserved");
    expect(error.message).toBe(
      `${invalidManifest("env-reserved")}: provider.environment.AWS_REGION: AWS_REGION is reserved: Lambda sets it for every function. Rename the variable.`,
    );
  });

  it("rejects a value that is not a string, number or boolean", async () => {
    const error = await invalidFixtureError("env-object-value");
    expect(error.keyPath).toBe("functions.hello.environment.CONFIG");
    expect(error.problem).toBe("must be a string, not a mapping");
  });

  it("rejects environments over 4 KB", async () => {
    const error = await invalidFixtureError("env-too-large");
    expect(error.keyPath).toBe("functions.hello.environment");
    expect(error.problem).toBe("environment variables take 4120 bytes, over Lambda's 4 KB limit");
  });
});
