// nodejs24.x (docs/lambda-behaviour.md §2.6): callback handlers are gone. A handler declared with 3 or more
// parameters fails init with Runtime.CallbackHandlerDeprecated (logged as "Init Error"); the context
// has no succeed/fail/done nor callbackWaitsForEmptyEventLoop; whatever a handler returns is the result.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, payloadJson, startFixture } from "./harness.js";
import { errorLineOf, expectFunctionError, expectPlatformLines, parseErrorLine } from "./log-expectations.js";

const DEPRECATED =
  "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.";

describe("Node.js 24", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture("conformance/node24");
  });
  afterAll(() => fixture.close());

  it("an async (event, context) handler: two arguments, the Node 24 context", async () => {
    const result = await fixture.invoke("asyncHandler", { hello: 24 });
    expect(result.functionError).toBeUndefined();
    expect(payloadJson(result)).toEqual({
      echo: { hello: 24 },
      args: 2,
      succeed: "undefined",
      fail: "undefined",
      done: "undefined",
      hasCallbackWaitsForEmptyEventLoop: false,
      contextKeys: [
        "clientContext",
        "identity",
        "invokedFunctionArn",
        "awsRequestId",
        "tenantId",
        "xRayTraceId",
        "getRemainingTimeInMillis",
        "functionName",
        "functionVersion",
        "memoryLimitInMB",
        "logGroupName",
        "logStreamName",
      ],
      executionEnv: "AWS_Lambda_nodejs24.x",
    });
    const { before, during } = expectPlatformLines(result, { coldStart: true });
    expect([...before, ...during]).toEqual([]);
  });

  it("a sync handler's return value is the result", async () => {
    const result = await fixture.invoke("syncReturn");
    expect(result.functionError).toBeUndefined();
    expect(payloadJson(result)).toEqual({ sync: true });
  });

  it("the context: header fields, xRayTraceId (= _X_AMZN_TRACE_ID), then environment fields", async () => {
    const result = await fixture.invoke("contextEcho");
    expect(result.functionError).toBeUndefined();
    const echo = payloadJson(result) as {
      context: Record<string, string>;
      traceEnv: string;
      remainingTimeInMillis: number;
    };
    const name = "conformance-node24-dev-contextEcho";
    const { xRayTraceId, logStreamName } = echo.context;
    expect(xRayTraceId).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]$/);
    expect(logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(Object.entries(echo.context)).toEqual([
      ["invokedFunctionArn", `arn:aws:lambda:us-east-1:000000000000:function:${name}`],
      ["awsRequestId", result.requestId],
      ["xRayTraceId", xRayTraceId],
      ["functionName", name],
      ["functionVersion", "$LATEST"],
      ["memoryLimitInMB", "128"],
      ["logGroupName", `/aws/lambda/${name}`],
      ["logStreamName", logStreamName],
    ]);
    expect(echo.traceEnv).toBe(xRayTraceId);
    expect(echo.remainingTimeInMillis).toBeGreaterThan(1000);
    expect(echo.remainingTimeInMillis).toBeLessThanOrEqual(3000);
  });

  it("an async handler that throws: the same error payload, logged as Invoke Error", async () => {
    const result = await fixture.invoke("asyncThrows");
    const trace = expectFunctionError(result, {
      errorType: "TypeError",
      errorMessage: "node 24 failure",
      traceStart: ["TypeError: node 24 failure"],
    });
    expect(trace[1]).toMatch(/^ {4}at exports\.handler \(\/.*\/handlers\/async-throws\.js:8:9\)$/);
    const { before, during } = expectPlatformLines(result, { coldStart: true });
    expect(before).toEqual([]);
    expect(during).toHaveLength(1);
    expect(errorLineOf(result, result.requestId, "Invoke Error")).toEqual({
      errorType: "TypeError",
      errorMessage: "node 24 failure",
      stack: trace,
    });
    // A function error: the environment stays.
    const again = await fixture.invoke("asyncThrows");
    expect(again.functionError).toBe("Unhandled");
    expectPlatformLines(again, { coldStart: false });
  });

  for (const fn of ["callbackHandler", "asyncThreeParams"]) {
    it(`${fn}: 3 declared parameters fail init with Runtime.CallbackHandlerDeprecated`, async () => {
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await fixture.invoke(fn);
        const trace = expectFunctionError(result, {
          errorType: "Runtime.CallbackHandlerDeprecated",
          errorMessage: DEPRECATED,
          traceStart: [`Runtime.CallbackHandlerDeprecated: ${DEPRECATED}`],
        });
        // Init failed, so every invocation starts (and fails) a fresh environment.
        const { before, during } = expectPlatformLines(result, { coldStart: true });
        const logged = [...before, ...during];
        expect(logged).toHaveLength(1);
        expect(parseErrorLine(logged[0], "undefined", "Init Error")).toEqual({
          errorType: "Runtime.CallbackHandlerDeprecated",
          errorMessage: DEPRECATED,
          stack: trace,
        });
      }
    });
  }
});
