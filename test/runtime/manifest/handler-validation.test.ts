/** handler: required; for Node.js runtimes `path/file.export` without `..`. The file itself is not checked. */
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

  it("rejects .. as Lambda's Node.js runtime does", async () => {
    const error = await invalidFixtureError("handler-dotdot");
    expect(error.keyPath).toBe("functions.hello.handler");
    expect(error.problem).toContain('contains "..", which Lambda\'s Node.js runtime rejects');
  });

  it("rejects a handler without an export", async () => {
    const error = await invalidFixtureError("handler-no-export");
    expect(error.problem).toBe('"src/index" is not of the form path/file.export');
  });

  it("does not check that the handler's file exists (AWS reports that at invoke)", async () => {
    const { functions } = await load(fixture("defaults"));
    expect(functions[0]?.handler).toBe("src/hello.handler");
  });
});
