/** provided* runtimes need an executable bootstrap in the service folder. */
import { describe, expect, it } from "vitest";
import { fixture, invalidFixtureError, invalidManifest, load } from "./manifest-fixtures.js";

describe("custom runtimes", () => {
  it("loads a service whose folder holds an executable bootstrap, handler passed through", async () => {
    const { functions } = await load(fixture("custom-runtime"));
    expect(functions[0]).toMatchObject({ runtime: "provided.al2023", handler: "function.handler" });
  });

  it("fails when bootstrap is missing", async () => {
    const error = await invalidFixtureError("provided-no-bootstrap");
    const bootstrap = fixture("invalid", "provided-no-bootstrap", "bootstrap");
    expect(error.file).toBe(invalidManifest("provided-no-bootstrap"));
    expect(error.keyPath).toBe("functions.hello.runtime");
    expect(error.fix).toBe(`Create it and make it executable: chmod +x ${bootstrap}`);
  });

  it.skipIf(process.platform === "win32")("fails when bootstrap is not executable", async () => {
    const error = await invalidFixtureError("provided-not-executable");
    expect(error.problem).toBe(
      `${fixture("invalid", "provided-not-executable", "bootstrap")} is not executable`,
    );
    expect(error.fix).toContain("chmod +x");
  });
});
