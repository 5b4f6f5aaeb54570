/** A minimal serverless.yml gets what the Serverless Framework would deploy. */
import { describe, expect, it } from "vitest";
import { fixture, load } from "./manifest-fixtures.js";

describe("defaults", () => {
  it("applies the Serverless Framework's defaults to a minimal service", async () => {
    const { functions, warnings } = await load(fixture("defaults"));
    expect(warnings).toEqual([]);
    expect(functions).toEqual([
      {
        name: "defaults-demo-dev-hello",
        key: "hello",
        service: "defaults-demo",
        stage: "dev",
        region: "us-east-1",
        serviceDir: fixture("defaults"),
        manifestPath: fixture("defaults", "serverless.yml"),
        handler: "src/hello.handler",
        runtime: "nodejs20.x",
        timeout: 6,
        memorySize: 1024,
        ephemeralStorageSize: 512,
        environment: {},
        reservedConcurrency: undefined,
        events: [],
        schedules: [],
        // Lambda's defaults: 2 retries, events kept 6 hours, no destination.
        asyncInvocation: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21600 },
      },
    ]);
  });

  it("uses --stage and --region in place of the defaults", async () => {
    const { functions } = await load(fixture("defaults"), { stage: "qa", region: "ap-south-1" });
    expect(functions[0]).toMatchObject({ name: "defaults-demo-qa-hello", stage: "qa", region: "ap-south-1" });
  });
});
