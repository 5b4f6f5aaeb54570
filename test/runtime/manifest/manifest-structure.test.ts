/** The file itself: YAML syntax, service name, provider, events. */
import { describe, expect, it } from "vitest";
import { invalidFixtureError, invalidManifest } from "./manifest-fixtures.js";

describe("manifest structure", () => {
  it("reports YAML syntax errors with line and column", async () => {
    const error = await invalidFixtureError("yaml-syntax");
    expect(error.file).toBe(invalidManifest("yaml-syntax"));
    expect(error.keyPath).toBe("");
    expect(error.message).toMatch(
      /serverless\.yml: YAML syntax error at line \d+, column \d+: .+\. Fix the YAML at that position\.$/,
    );
  });

  it("requires a service name", async () => {
    const error = await invalidFixtureError("missing-service");
    expect(error.keyPath).toBe("service");
    expect(error.problem).toBe("is missing");
  });

  it("requires the aws provider", async () => {
    const error = await invalidFixtureError("provider-not-aws");
    expect(error.keyPath).toBe("provider.name");
    expect(error.problem).toBe('is the string "google": Lambkin runs AWS Lambda services only');
  });

  it("rejects an event entry holding two event types", async () => {
    const error = await invalidFixtureError("event-malformed");
    expect(error.keyPath).toBe("functions.hello.events[0]");
    expect(error.fix).toBe("Write e.g. - http: GET /hello");
  });
});
