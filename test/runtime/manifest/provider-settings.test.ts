/** provider settings apply to every function; a function's own settings win. */
import { describe, expect, it } from "vitest";
import { fixture, load } from "./manifest-fixtures.js";

describe("provider settings", () => {
  it("lets a function override the provider and inherit the rest", async () => {
    const { functions } = await load(fixture("provider-settings"));
    const [custom, inherits] = functions;
    expect(custom).toMatchObject({
      name: "settings-demo-prod-custom",
      stage: "prod",
      region: "eu-west-1",
      runtime: "nodejs24.x",
      timeout: 20,
      memorySize: 2048,
      ephemeralStorageSize: 4096,
      reservedConcurrency: 5,
    });
    expect(inherits).toMatchObject({
      name: "settings-demo-prod-inherits",
      runtime: "nodejs22.x",
      timeout: 10,
      memorySize: 256,
      ephemeralStorageSize: 1024,
      reservedConcurrency: undefined,
    });
  });

  it("merges environments with the function's values winning, all as strings", async () => {
    const { functions } = await load(fixture("provider-settings"));
    expect(functions[0]?.environment).toEqual({
      SHARED: "from-provider",
      OVERRIDDEN: "from-function",
      COUNT: "3",
      ENABLED: "true",
    });
    expect(functions[1]?.environment).toEqual({ SHARED: "from-provider", OVERRIDDEN: "from-provider" });
  });

  it("lets --stage and --region override provider.stage and provider.region", async () => {
    const { functions } = await load(fixture("provider-settings"), { stage: "staging", region: "us-west-2" });
    expect(functions[0]).toMatchObject({
      name: "settings-demo-staging-custom",
      stage: "staging",
      region: "us-west-2",
    });
  });
});
