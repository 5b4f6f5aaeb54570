// What a Node.js handler sees of its invocation and environment (docs/lambda-behaviour.md §2.3, §1.2, §1.4):
// the context object (fields, key order, memoryLimitInMB as a string, getRemainingTimeInMillis), the
// client context and Cognito identity passed through from the Invoke call, and a process.env made of
// Lambda's variables and the function's own — none of the host's.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, type Fixture, payloadJson, startFixture } from "./harness.js";
import { UUID } from "./log-expectations.js";

const HOST_LEAK_CHECK = "LAMBKIN_HOST_LEAK_CHECK";
const SERVICE_DIR = join(FIXTURES, "conformance", "node");
const LOG_STREAM = /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/;
const TRACE_ID = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]$/;
const HOST_PORT = /^[^\s:]+:\d+$/;

interface ContextEcho {
  context: Record<string, unknown>;
  contextKeys: string[];
  remainingTimeInMillis: number;
  clientContext: unknown;
  identity: unknown;
  env: Record<string, string | undefined>;
  cwd: string;
}

describe("Node.js context and environment", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    // Set in the host before Lambkin starts: a function must never see it.
    process.env[HOST_LEAK_CHECK] = "visible-to-the-host-only";
    fixture = await startFixture("conformance/node");
  });
  afterAll(async () => {
    await fixture.close();
    delete process.env[HOST_LEAK_CHECK];
  });

  it("the context: fields in the RIC's order, memoryLimitInMB a string, the invocation's ids", async () => {
    const result = await fixture.invoke("contextEcho");
    expect(result.functionError).toBeUndefined();
    const echo = payloadJson(result) as ContextEcho;
    const name = "conformance-dev-contextEcho";
    const logStreamName = echo.context.logStreamName;
    expect(logStreamName).toMatch(LOG_STREAM);
    // JSON.stringify(context): clientContext, identity and tenantId are undefined, hence absent.
    expect(echo.context).toEqual({
      callbackWaitsForEmptyEventLoop: true,
      functionVersion: "$LATEST",
      functionName: name,
      memoryLimitInMB: "128",
      logGroupName: `/aws/lambda/${name}`,
      logStreamName,
      invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      awsRequestId: result.requestId,
    });
    expect(Object.keys(echo.context)).toEqual([
      "callbackWaitsForEmptyEventLoop",
      "functionVersion",
      "functionName",
      "memoryLimitInMB",
      "logGroupName",
      "logStreamName",
      "invokedFunctionArn",
      "awsRequestId",
    ]);
    expect(echo.contextKeys).toEqual([
      "callbackWaitsForEmptyEventLoop",
      "succeed",
      "fail",
      "done",
      "functionVersion",
      "functionName",
      "memoryLimitInMB",
      "logGroupName",
      "logStreamName",
      "clientContext",
      "identity",
      "invokedFunctionArn",
      "awsRequestId",
      "tenantId",
      "getRemainingTimeInMillis",
    ]);
    expect(result.requestId).toMatch(UUID);
    expect(echo.clientContext).toBeNull();
    expect(echo.identity).toBeNull();
    // Deadline − now, under the 3 s timeout.
    expect(Number.isInteger(echo.remainingTimeInMillis)).toBe(true);
    expect(echo.remainingTimeInMillis).toBeGreaterThan(1000);
    expect(echo.remainingTimeInMillis).toBeLessThanOrEqual(3000);
  });

  it("process.env carries what the context is built from, and the function's own variables", async () => {
    const result = await fixture.invoke("contextEcho");
    const echo = payloadJson(result) as ContextEcho;
    const name = "conformance-dev-contextEcho";
    expect(echo.env).toEqual({
      _HANDLER: "handlers/context-echo.handler",
      LAMBDA_TASK_ROOT: echo.cwd,
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x",
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: echo.context.logStreamName,
      AWS_REGION: "us-east-1",
      _X_AMZN_TRACE_ID: echo.env._X_AMZN_TRACE_ID,
      AWS_LAMBDA_RUNTIME_API: echo.env.AWS_LAMBDA_RUNTIME_API,
      GREETING: "hello",
    });
    expect(echo.env._X_AMZN_TRACE_ID).toMatch(TRACE_ID);
    expect(echo.env.AWS_LAMBDA_RUNTIME_API).toMatch(HOST_PORT);
    // The task root is the working directory: the service folder here, /var/task in a container.
    expect([SERVICE_DIR, "/var/task"]).toContain(echo.cwd);
  });

  it("each invocation has its own request id and trace header; the log stream is the environment's", async () => {
    const first = payloadJson(await fixture.invoke("contextEcho")) as ContextEcho;
    const second = payloadJson(await fixture.invoke("contextEcho")) as ContextEcho;
    expect(second.context.awsRequestId).not.toBe(first.context.awsRequestId);
    expect(second.env._X_AMZN_TRACE_ID).not.toBe(first.env._X_AMZN_TRACE_ID);
    expect(second.context.logStreamName).toBe(first.context.logStreamName);
  });

  it("the client context of the Invoke call reaches context.clientContext, decoded", async () => {
    const clientContext = {
      client: {
        installation_id: "install-1",
        app_title: "Conformance",
        app_version_name: "1.2.3",
        app_version_code: "123",
        app_package_name: "com.example.conformance",
      },
      env: { platform_version: "17", platform: "Android", make: "Lambkin", model: "L1", locale: "en_US" },
      Custom: { tenant: "t-1", nested: { ok: true } },
    };
    const clientContextBase64 = Buffer.from(JSON.stringify(clientContext)).toString("base64");
    const result = await fixture.invoke("contextEcho", {}, { clientContextBase64 });
    expect(result.functionError).toBeUndefined();
    const echo = payloadJson(result) as ContextEcho;
    expect(echo.clientContext).toEqual(clientContext);
    expect(echo.context.clientContext).toEqual(clientContext);
    expect(echo.identity).toBeNull();
  });

  it("a Cognito identity reaches context.identity", async () => {
    const identity = {
      cognitoIdentityId: "us-east-1:1234-abcd",
      cognitoIdentityPoolId: "us-east-1:pool-5678",
    };
    const result = await fixture.invoke("contextEcho", {}, { cognitoIdentity: JSON.stringify(identity) });
    expect(result.functionError).toBeUndefined();
    const echo = payloadJson(result) as ContextEcho;
    expect(echo.identity).toEqual(identity);
    expect(echo.context.identity).toEqual(identity);
    expect(echo.clientContext).toBeNull();
  });

  it("a pretty-printed client context with any text, and such an identity, arrive intact", async () => {
    const clientContext = {
      Custom: { title: "Café — 日本語 🐑", quote: 'say "hi"\tnow' },
      env: { locale: "ja_JP" },
    };
    const identity = { cognitoIdentityId: "eu-west-1:ü-日", cognitoIdentityPoolId: "eu-west-1:pool" };
    const result = await fixture.invoke(
      "contextEcho",
      {},
      {
        clientContextBase64: Buffer.from(JSON.stringify(clientContext, null, 2)).toString("base64"),
        cognitoIdentity: JSON.stringify(identity),
      },
    );
    expect(result.functionError).toBeUndefined();
    const echo = payloadJson(result) as ContextEcho;
    expect(echo.clientContext).toEqual(clientContext);
    expect(echo.identity).toEqual(identity);
  });

  it("process.env holds Lambda's variables and the function's own, and nothing of the host", async () => {
    const result = await fixture.invoke("envEcho");
    expect(result.functionError).toBeUndefined();
    const { env } = payloadJson(result) as { env: Record<string, string> };
    const name = "conformance-dev-envEcho";
    expect(env[HOST_LEAK_CHECK]).toBeUndefined();
    expect(process.env[HOST_LEAK_CHECK]).toBe("visible-to-the-host-only");
    expect(env).toMatchObject({
      _HANDLER: "handlers/env-echo.handler",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x",
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      LANG: "en_US.UTF-8",
      TZ: ":UTC",
      AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
      AWS_XRAY_DAEMON_ADDRESS: "169.254.79.129:2000",
      GREETING: "hello",
      EMPTY_VALUE: "",
    });
    expect(env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(LOG_STREAM);
    expect(env.AWS_LAMBDA_RUNTIME_API).toMatch(HOST_PORT);
    expect(env._X_AMZN_TRACE_ID).toMatch(TRACE_ID);
    expect(env.PATH).toMatch(/(^|:)\/usr\/local\/bin:\/usr\/bin\/:\/bin:\/opt\/bin$/);
    for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]) {
      expect(env[key]).toMatch(/^\S+$/);
    }
    expect(env.AWS_ACCESS_KEY).toBe(env.AWS_ACCESS_KEY_ID);
    const taskRoot = env.LAMBDA_TASK_ROOT ?? "";
    const runtimeDir = env.LAMBDA_RUNTIME_DIR ?? "";
    expect(env.LD_LIBRARY_PATH).toBe(
      `/lib64:/usr/lib64:${runtimeDir}:${runtimeDir}/lib:${taskRoot}:${taskRoot}/lib:/opt/lib`,
    );
    // Nothing but Lambda's variables, the function's own and what a container or the shell that
    // starts the runtime always sets (AWS's own bootstrap is a shell script: PWD, SHLVL, _).
    const allowed = new Set([
      ...["_HANDLER", "_X_AMZN_TRACE_ID", "AWS_EXECUTION_ENV", "AWS_REGION", "AWS_DEFAULT_REGION"],
      ...["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION"],
      ...["AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME"],
      ...["AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"],
      ...["AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"],
      ...["LANG", "TZ", "PATH", "LD_LIBRARY_PATH", "NODE_PATH", "AWS_XRAY_CONTEXT_MISSING"],
      ...[
        "AWS_XRAY_DAEMON_ADDRESS",
        "_AWS_XRAY_DAEMON_ADDRESS",
        "_AWS_XRAY_DAEMON_PORT",
        "NODE_EXTRA_CA_CERTS",
      ],
      ...["GREETING", "EMPTY_VALUE"],
      ...["PWD", "SHLVL", "_", "HOSTNAME", "HOME"],
    ]);
    expect(Object.keys(env).filter((key) => !allowed.has(key))).toEqual([]);
  });

  // Lambda's NODE_PATH starts with the runtime's own layer folder, then the shared one (§1.4).
  it("NODE_PATH looks in /opt/nodejs/node20/node_modules first, then /opt/nodejs/node_modules", async () => {
    const { env } = payloadJson(await fixture.invoke("envEcho")) as { env: Record<string, string> };
    expect(env.NODE_PATH).toMatch(/^\/opt\/nodejs\/node20\/node_modules:\/opt\/nodejs\/node_modules(:|$)/);
  });
});
