/** loadServices reads one service folder, or every service directly under a folder. */
import { describe, expect, it } from "vitest";
import { fixture, load, loadError } from "./manifest-fixtures.js";

describe("service discovery", () => {
  it("loads each sub-folder holding a serverless.yml or serverless.yaml, skipping hidden folders", async () => {
    const { functions, warnings } = await load(fixture("services"));
    expect(warnings).toEqual([]);
    expect(functions.map((fn) => `${fn.service}/${fn.key}`)).toEqual([
      "alpha/hello",
      "alpha/worker",
      "beta/hello",
      "beta/named",
    ]);
    expect(functions.find((fn) => fn.service === "beta")?.manifestPath).toBe(
      fixture("services", "beta", "serverless.yaml"),
    );
  });

  it("loads a single service folder", async () => {
    const { functions } = await load(fixture("services", "alpha"));
    expect(functions.map((fn) => fn.name)).toEqual(["alpha-dev-hello", "alpha-dev-worker"]);
    expect(functions[0]?.serviceDir).toBe(fixture("services", "alpha"));
  });

  it("accepts a service whose functions: is empty", async () => {
    const { functions, warnings } = await load(fixture("empty-functions"));
    expect(functions).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it("fails on a folder without any service, naming the folder", async () => {
    const error = await loadError(fixture("no-service"));
    expect(error.file).toBe(fixture("no-service"));
    expect(error.message).toBe(
      `${fixture("no-service")}: holds no service: no serverless.yml in it or in its sub-folders. ` +
        "Point Lambkin at a service folder, or at a folder whose sub-folders each hold a serverless.yml.",
    );
  });

  it("fails on a folder that does not exist", async () => {
    const error = await loadError(fixture("does-not-exist"));
    expect(error.file).toBe(fixture("does-not-exist"));
    expect(error.message).toContain("cannot be read as a folder");
  });
});
