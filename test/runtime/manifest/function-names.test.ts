/** Lambda names: `<service>-<stage>-<key>` unless `name:`, valid per Lambda's rules, unique across services. */
import { describe, expect, it } from "vitest";
import { fixture, invalidFixtureError, invalidManifest, load, loadError } from "./manifest-fixtures.js";

describe("function names", () => {
  it("names functions <service>-<stage>-<key> unless they set name:", async () => {
    const { functions } = await load(fixture("function-names"), { stage: "qa" });
    expect(functions.map((fn) => [fn.key, fn.name])).toEqual([
      ["derived", "names-demo-qa-derived"],
      ["explicit", "my_explicit-Name1"],
      ["with-dash", "names-demo-qa-with-dash"],
    ]);
  });

  it("rejects a name: Lambda would refuse", async () => {
    const error = await invalidFixtureError("name-invalid");
    expect(error.file).toBe(invalidManifest("name-invalid"));
    expect(error.keyPath).toBe("functions.hello.name");
    expect(error.message).toContain(
      'the string "has.dots" is not a valid Lambda function name. Use at most 64 letters, digits, - or _.',
    );
  });

  it("rejects a derived name over 64 characters and suggests name:", async () => {
    const error = await invalidFixtureError("name-too-long");
    expect(error.keyPath).toBe("functions.a-function-key-that-is-long-too");
    expect(error.message).toContain("set functions.a-function-key-that-is-long-too.name explicitly");
  });

  it("rejects the same name in two services, naming both files", async () => {
    const error = await loadError(fixture("duplicate-names"));
    expect(error.file).toBe(fixture("duplicate-names", "two", "serverless.yml"));
    expect(error.keyPath).toBe("functions.greet");
    expect(error.message).toContain(
      `shared-name is already taken by functions.hello in ${fixture("duplicate-names", "one", "serverless.yml")}`,
    );
  });
});
