// GetFunction and GetFunctionConfiguration (API_GetFunction, API_GetFunctionConfiguration, API_FunctionConfiguration):
// realistic FunctionConfiguration fields, GetFunction's Code / Tags / Concurrency, every name form Invoke accepts,
// and ResourceNotFoundException for what does not exist.
import { appendFile, cp, mkdtemp, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  type GetFunctionConfigurationCommandOutput,
} from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, INVOKE_API_FIXTURE, rejectionOf, startApiServer } from "./invoke-api-server.js";

describe("GetFunction / GetFunctionConfiguration", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer();
  });
  afterAll(() => server.close());

  it("returns a full FunctionConfiguration in Lambda's formats", async () => {
    const configuration = await server
      .client()
      .send(new GetFunctionConfigurationCommand({ FunctionName: "echo" }));
    expect(configuration).toMatchObject({
      FunctionName: "invoke-api-dev-echo",
      FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:invoke-api-dev-echo",
      Runtime: "nodejs20.x",
      Role: "arn:aws:iam::000000000000:role/invoke-api-dev-us-east-1-lambdaRole",
      Handler: "handlers.echo",
      Description: "",
      Timeout: 10,
      MemorySize: 128,
      Version: "$LATEST",
      Environment: { Variables: { GREETING: "hello" } },
      TracingConfig: { Mode: "PassThrough" },
      State: "Active",
      LastUpdateStatus: "Successful",
      PackageType: "Zip",
      Architectures: [process.arch === "arm64" ? "arm64" : "x86_64"],
      EphemeralStorage: { Size: 512 },
      LoggingConfig: { LogFormat: "Text", LogGroup: "/aws/lambda/invoke-api-dev-echo" },
    });
    expect(configuration.LastModified).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    expect(configuration.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(configuration.CodeSize).toBeGreaterThan(0);
    expect(configuration.RevisionId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it("leaves Environment out for a function without variables", async () => {
    const configuration = await server
      .client()
      .send(new GetFunctionConfigurationCommand({ FunctionName: "fail" }));
    expect(configuration.Environment).toBeUndefined();
  });

  it("describes the code as loaded: CodeSha256 hashes contents, once per load, not per request", async () => {
    // A copy of the fixture, so that editing its code changes nothing for other tests.
    const copy = join(await mkdtemp(join(tmpdir(), "lambkin-code-")), "service");
    await cp(INVOKE_API_FIXTURE, copy, { recursive: true });
    const first = await startApiServer(copy);
    let before: GetFunctionConfigurationCommandOutput;
    try {
      const client = first.client();
      before = await client.send(new GetFunctionConfigurationCommand({ FunctionName: "echo" }));
      // A touch changes no content: same revision. An edit is seen at the next load (`lambkin dev` reloads).
      const edited = new Date("2030-01-02T03:04:05.000Z");
      await utimes(join(copy, "handlers.js"), edited, edited);
      await appendFile(join(copy, "handlers.js"), "\n// edited\n");
      await utimes(join(copy, "handlers.js"), edited, edited);
      const unchanged = await client.send(new GetFunctionConfigurationCommand({ FunctionName: "echo" }));
      expect(unchanged.CodeSha256).toBe(before.CodeSha256);
    } finally {
      await first.close();
    }
    const second = await startApiServer(copy);
    try {
      const after = await second.client().send(new GetFunctionConfigurationCommand({ FunctionName: "echo" }));
      expect(after.CodeSha256).not.toBe(before.CodeSha256);
      expect(after.RevisionId).not.toBe(before.RevisionId);
      expect(after.LastModified).toBe("2030-01-02T03:04:05.000+0000");
    } finally {
      await second.close();
    }
  });

  it("GetFunction adds Code, Tags, and Concurrency for a function with reserved concurrency", async () => {
    const output = await server.client().send(new GetFunctionCommand({ FunctionName: "reserved" }));
    expect(output.Configuration?.FunctionName).toBe("invoke-api-dev-reserved");
    expect(output.Code?.RepositoryType).toBe("S3");
    expect(output.Code?.Location).toMatch(/^file:\/\/.*\/test\/fixtures\/invoke-api$/);
    expect(output.Concurrency).toEqual({ ReservedConcurrentExecutions: 2 });
    expect(output.Tags).toEqual({
      "aws:cloudformation:stack-name": "invoke-api-dev",
      "aws:cloudformation:logical-id": "ReservedLambdaFunction",
    });
  });

  it("GetFunction has no Concurrency for an unreserved function", async () => {
    const output = await server.client().send(new GetFunctionCommand({ FunctionName: "echo" }));
    expect(output.Concurrency).toBeUndefined();
  });

  it.each([
    "echo",
    "invoke-api-dev-echo",
    "invoke-api-dev-echo:$LATEST",
    "000000000000:function:invoke-api-dev-echo",
    "arn:aws:lambda:us-east-1:000000000000:function:invoke-api-dev-echo",
  ])("accepts the name form %s", async (FunctionName) => {
    const output = await server.client().send(new GetFunctionCommand({ FunctionName }));
    expect(output.Configuration?.FunctionName).toBe("invoke-api-dev-echo");
  });

  it("answers ResourceNotFoundException for an unknown function or version", async () => {
    const missing = await rejectionOf(
      server.client().send(new GetFunctionCommand({ FunctionName: "missing" })),
    );
    expect(missing.name).toBe("ResourceNotFoundException");
    expect(missing.$metadata).toMatchObject({ httpStatusCode: 404 });
    const version = await rejectionOf(
      server.client().send(new GetFunctionConfigurationCommand({ FunctionName: "echo", Qualifier: "3" })),
    );
    expect(version.message).toBe(
      "Function not found: arn:aws:lambda:us-east-1:000000000000:function:invoke-api-dev-echo:3",
    );
  });
});
