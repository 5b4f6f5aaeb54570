// Loading a Node.js handler (docs/lambda-behaviour.md §2.1): `<path/module>.<export[.nested]>` under
// LAMBDA_TASK_ROOT, CommonJS via require, ES modules via import() (.mjs, or .js under "type":"module",
// with top-level await), .cjs, and the `awslambda` global injected before the module loads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, payloadJson, startFixture } from "./harness.js";
import { expectPlatformLines } from "./log-expectations.js";

describe("Node.js handler loading", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture("conformance/node");
  });
  afterAll(() => fixture.close());

  async function expectSuccess(fn: string, event: unknown, expected: unknown) {
    const result = await fixture.invoke(fn, event);
    expect(result.functionError).toBeUndefined();
    expect(result.status).toBe("success");
    expect(payloadJson(result)).toEqual(expected);
    // A handler that logs nothing: its cold-start log is the platform's three lines.
    const { before, during } = expectPlatformLines(result, { coldStart: true });
    expect([...before, ...during]).toEqual([]);
    return result;
  }

  it("index.handler: an async handler gets the parsed event", async () => {
    await expectSuccess("echo", { hello: "world" }, { echo: { hello: "world" } });
  });

  it("a nested export path (handlers/nested.api.v1.handler)", async () => {
    await expectSuccess("nestedExport", {}, { nested: "api.v1.handler" });
  });

  it("an .mjs ES module, with top-level await", async () => {
    await expectSuccess("esmMjs", {}, { format: "mjs", topLevelAwait: true });
  });

  it("a .cjs CommonJS module", async () => {
    await expectSuccess("cjsExtension", {}, { format: "cjs" });
  });

  it('a .js ES module under a package.json with "type":"module"', async () => {
    await expectSuccess("esmTypeModule", { n: 2 }, { format: "esm-js", doubled: 4 });
  });

  it("globalThis.awslambda exists before the handler's module loads", async () => {
    await expectSuccess(
      "awslambdaGlobal",
      {},
      { atLoad: "object", streamifyResponse: "function", HttpResponseStream: "function" },
    );
  });

  it("AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA=true leaves the awslambda global out", async () => {
    await expectSuccess(
      "awslambdaGlobalDisabled",
      {},
      { atLoad: "undefined", streamifyResponse: "undefined", HttpResponseStream: "undefined" },
    );
  });
});
