/** A variable that cannot be resolved is an error naming the file, the key and the fix, never a hang. */
import { describe, expect, it } from "vitest";
import { fixture, invalidFixtureError, invalidManifest, load } from "./manifest-fixtures.js";

describe("variable errors", () => {
  it(`fails on an \${env:} variable that is unset and has no default`, async () => {
    const error = await invalidFixtureError("variable-missing-env");
    expect(error.message).toBe(
      `${invalidManifest("variable-missing-env")}: functions.hello.environment.TABLE: ` +
        `\${env:LAMBKIN_TEST_MISSING}: value not found at "env" source. ` +
        `Set LAMBKIN_TEST_MISSING in the environment Lambkin runs in, or give a default: \${env:LAMBKIN_TEST_MISSING, 'value'}.`,
    );
  });

  it("loads once the environment variable is set", async () => {
    const { functions } = await load(fixture("invalid", "variable-missing-env"), {
      env: { LAMBKIN_TEST_MISSING: "t" },
    });
    expect(functions[0]?.environment.TABLE).toBe("t");
  });

  it(`fails on a \${self:} reference to a key that does not exist`, async () => {
    const error = await invalidFixtureError("variable-missing-self");
    expect(error.keyPath).toBe("functions.hello.timeout");
    expect(error.message).toContain(
      'value not found at "self" source. Add custom.timeouts.hello to serverless.yml',
    );
  });

  it(`fails on \${opt:stage} without --stage or a default`, async () => {
    const error = await invalidFixtureError("variable-missing-opt");
    expect(error.keyPath).toBe("provider.stage");
    expect(error.message).toContain(`Pass --stage to lambkin, or give a default: \${opt:stage, 'value'}`);
    await expect(load(fixture("invalid", "variable-missing-opt"), { stage: "qa" })).resolves.toBeDefined();
  });

  it(`reports an \${ssm:} parameter missing from the local parameter file, naming the file to put it in`, async () => {
    const error = await invalidFixtureError("variable-ssm");
    expect(error.code).toBe("LKN_ERR_MANIFEST_SSM_PARAMETER");
    expect(error.keyPath).toBe("functions.hello.environment.SECRET");
    expect(error.problem).toContain(
      `the parameter /shop/secret is not in ${fixture("invalid", "variable-ssm", "lambkin-parameters.yml")} (there is no such file)`,
    );
    expect(error.fix).toContain(`ssm: { "/shop/secret": value }`);
  });

  it(`reports a missing \${file()} where the value is needed, at the key that holds it`, async () => {
    const error = await invalidFixtureError("variable-file");
    expect(error.code).toBe("LKN_ERR_MANIFEST_FILE_SOURCE");
    expect(error.keyPath).toBe("custom");
    expect(error.problem).toContain(
      `\${file(./custom.yml)}: value not found at "file" source (there is no file ${fixture("invalid", "variable-file", "custom.yml")})`,
    );
  });

  it("rejects an unknown source and lists the supported ones", async () => {
    const error = await invalidFixtureError("variable-unknown-source");
    expect(error.problem).toContain('unsupported variable source "vault"');
    expect(error.fix).toContain(`\${sls:stage}`);
  });

  it("reports a cycle instead of following it", async () => {
    const error = await invalidFixtureError("variable-cycle");
    expect(error.keyPath).toBe("custom.a");
    expect(error.problem).toBe("variables refer to each other in a cycle: custom.a → custom.b → custom.a");
  });

  it("rejects an unquoted text default, as the Framework does", async () => {
    const error = await invalidFixtureError("variable-unquoted-default");
    expect(error.keyPath).toBe("functions.hello.environment.VALUE");
    expect(error.fix).toContain("'dev'");
  });

  it("rejects an unterminated variable", async () => {
    const error = await invalidFixtureError("variable-unterminated");
    expect(error.keyPath).toBe("functions.hello.environment.VALUE");
    expect(error.problem).toContain("unterminated variable");
  });

  it("rejects a mapping placed inside a string", async () => {
    const error = await invalidFixtureError("variable-object-in-string");
    expect(error.problem).toBe(
      `\${self:custom.settings} resolves to a mapping, which cannot be placed inside a string`,
    );
  });
});
