/** Serverless variables: ${self:}, ${env:}, ${opt:}, ${sls:}, ${aws:}, nested, with defaults, in strings. */
import { describe, expect, it } from "vitest";
import type { LoadOptions } from "../../../runtime/manifest/load-services.js";
import { fixture, load } from "./manifest-fixtures.js";

const ENV = { LAMBKIN_TEST_VALUE: "from-the-environment", LAMBKIN_TEST_EMPTY: "" };

async function variablesFunction(options: LoadOptions = {}) {
  const { functions } = await load(fixture("variables"), { env: ENV, ...options });
  const [fn] = functions;
  if (!fn) throw new Error("the variables fixture declares a function");
  return fn;
}

describe("variables", () => {
  it(`resolves \${self:} references, including paths built from other variables and list items`, async () => {
    const fn = await variablesFunction();
    expect(fn.environment.TABLE).toBe("vars-demo-dev-coupons");
    expect(fn.environment.LIST_ITEM).toBe("second");
    expect(fn.environment.STAGE_FROM_PROVIDER).toBe("dev");
    expect(fn.memorySize).toBe(512);
  });

  it("keeps the type of a value that is a single variable", async () => {
    const fn = await variablesFunction();
    expect(fn.timeout).toBe(30);
    expect(fn.events).toEqual([{ schedule: { rate: "rate(5 minutes)", enabled: true } }]);
  });

  it(`resolves \${env:} from the given environment; an empty variable counts as unset`, async () => {
    const fn = await variablesFunction();
    expect(fn.environment.FROM_ENV).toBe("from-the-environment");
    expect(fn.environment.EMPTY_ENV_FALLS_BACK).toBe("fallback");
    expect((await variablesFunction({ env: { ...ENV, LAMBKIN_TEST_TIMEOUT: "45" } })).timeout).toBe(45);
  });

  it("uses defaults: quoted, numeric, nested and legacy bare references", async () => {
    const fn = await variablesFunction();
    expect(fn.environment.SINGLE_QUOTED_DEFAULT).toBe("single quoted");
    expect(fn.environment.DOUBLE_QUOTED_DEFAULT).toBe('double "quoted"');
    expect(fn.environment.NUMBER_DEFAULT).toBe("42");
    expect(fn.environment.NESTED_DEFAULT).toBe("from-custom");
    expect(fn.environment.LEGACY_DEFAULT).toBe("from-custom");
    expect(fn.environment.DEEPLY_NESTED).toBe("dev");
  });

  it(`substitutes variables inside longer strings and leaves CloudFormation's \${…} alone`, async () => {
    const fn = await variablesFunction();
    expect(fn.environment.IN_STRING).toBe("prefix-dev-none-suffix");
    expect(fn.environment.NUMBER_IN_STRING).toBe("retries=3");
    expect(fn.environment.CLOUDFORMATION_SYNTAX_UNTOUCHED).toBe(`arn:\${AWS::Partition}:s3:::\${Bucket}`);
  });

  it(`resolves \${opt:stage}, \${opt:region} and \${sls:stage} from the options`, async () => {
    const fn = await variablesFunction({ stage: "prod", region: "eu-north-1" });
    expect(fn).toMatchObject({
      name: "vars-demo-prod-vars",
      stage: "prod",
      region: "eu-north-1",
      memorySize: 2048,
    });
    expect(fn.environment).toMatchObject({
      TABLE: "vars-demo-prod-coupons",
      STAGE_FROM_PROVIDER: "prod",
      IN_STRING: "prefix-prod-eu-north-1-suffix",
      DEEPLY_NESTED: "prod",
    });
  });

  it(`resolves \${aws:region} and \${aws:accountId} to Lambkin's region and local account`, async () => {
    const fn = await variablesFunction();
    expect(fn.environment.REGION).toBe("eu-central-1");
    expect(fn.environment.ACCOUNT).toBe("000000000000");
  });

  it("does not resolve keys Lambkin never reads, so unsupported sources there are harmless", async () => {
    await expect(variablesFunction()).resolves.toBeDefined();
  });

  it(`gives \${self:provider.stage} the Framework's default when provider.stage is unset`, async () => {
    const { functions } = await load(fixture("variables-provider-defaults"), { stage: "prod" });
    expect(functions[0]?.environment).toEqual({
      SELF_STAGE: "dev",
      SELF_REGION: "us-east-1",
      SLS_STAGE: "prod",
    });
  });
});
