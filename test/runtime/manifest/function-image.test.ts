/** Container-image functions (`image:`), read as Serverless Framework writes them. */
import { describe, expect, it } from "vitest";
import { fixture, invalidFixtureError, invalidManifest, load } from "./manifest-fixtures.js";

describe("container image functions", () => {
  it("reads a URI, a provider.ecr.images name and the ImageConfig overrides", async () => {
    const { functions, warnings } = await load(fixture("images"));
    const byKey = Object.fromEntries(functions.map((fn) => [fn.key, fn]));
    expect(byKey.byUri?.image).toEqual({ name: "registry.example/app:1.2" });
    expect(byKey.byEcrName?.image).toEqual({
      name: "123456789012.dkr.ecr.us-east-1.amazonaws.com/built@sha256:0123456789abcdef",
    });
    expect(byKey.withConfig?.image).toEqual({
      name: "registry.example/app:1.2",
      command: ["app.handler", "extra"],
      entryPoint: ["/lambda-entrypoint.sh"],
      workingDirectory: "/var/task/src",
    });
    expect(byKey.byNameMapping?.image?.name).toContain("/built@sha256:");
    expect(warnings).toEqual([]);
  });

  it("gives an image function no runtime of its own and the CMD's handler", async () => {
    const { functions } = await load(fixture("images"));
    const byKey = Object.fromEntries(functions.map((fn) => [fn.key, fn]));
    expect(byKey.withConfig).toMatchObject({ runtime: "provided.al2023", handler: "app.handler" });
    expect(byKey.byUri).toMatchObject({ runtime: "provided.al2023", handler: "" });
  });

  it("refuses an image Lambkin would have to build, saying how to build it", async () => {
    const error = await invalidFixtureError("image-path");
    expect(error.file).toBe(invalidManifest("image-path"));
    expect(error.keyPath).toBe("functions.f.image");
    expect(error.message).toContain("docker build -t local");
  });
});
