/** handler: required; for Node.js runtimes a malformed one (`..`, no export) is a warning: AWS fails it at invoke. */
import { describe, expect, it } from "vitest";
import { fixture, invalidFixtureError, invalidManifest, load } from "./manifest-fixtures.js";

describe("handler validation", () => {
  it("requires a handler", async () => {
    const error = await invalidFixtureError("handler-missing");
    expect(error.message).toBe(
      `${invalidManifest("handler-missing")}: functions.hello.handler: is missing: every function needs a handler. ` +
        "Add one, e.g. handler: src/index.handler (file src/index.js, export handler).",
    );
  });

  it("warns about .. but loads the function: Lambda's Node.js runtime rejects it at invoke", async () => {
    const { functions, warnings } = await load(fixture("invalid", "handler-dotdot"));
    expect(functions).toHaveLength(1);
    expect(warnings).toContainEqual(
      expect.objectContaining({
        keyPath: "functions.hello.handler",
        message: expect.stringContaining(
          'contains "..": every invocation will fail with Runtime.MalformedHandlerName',
        ),
      }),
    );
  });

  it("warns about a handler without an export but loads the function", async () => {
    const { functions, warnings } = await load(fixture("invalid", "handler-no-export"));
    expect(functions[0]?.handler).toBe("src/index");
    expect(warnings).toContainEqual(
      expect.objectContaining({
        message: expect.stringContaining(
          '"src/index" is not of the form path/file.export: every invocation will fail with Runtime.MalformedHandlerName',
        ),
      }),
    );
  });

  it("does not check that the handler's file exists (AWS reports that at invoke)", async () => {
    const { functions } = await load(fixture("defaults"));
    expect(functions[0]?.handler).toBe("src/hello.handler");
  });
});
