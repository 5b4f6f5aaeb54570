// How callers may name a function (API_Invoke FunctionName, docs/lambda-behaviour.md §3.1): name, `functions:` key, ARN,
// partial ARN, `name:$LATEST`, `?Qualifier=$LATEST` are all the same function; text that cannot be a function name
// is refused with AWS's ValidationException and its regex message (1–170 characters, the pattern AWS prints), not
// with ResourceNotFoundException.
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, rejectionOf, startApiServer } from "./invoke-api-server.js";

const PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

describe("function names", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer();
  });
  afterAll(() => server.close());

  const raw = (name: string, query = "") =>
    server.fetch(`/2015-03-31/functions/${name}/invocations${query}`, { method: "POST", body: "{}" });

  it.each([
    ["the functions: key", "echo", undefined],
    ["the Lambda name", "invoke-api-dev-echo", undefined],
    ["the ARN", "arn:aws:lambda:us-east-1:000000000000:function:invoke-api-dev-echo", undefined],
    [
      "an ARN from another account and region",
      "arn:aws:lambda:eu-west-1:123456789012:function:invoke-api-dev-echo",
      undefined,
    ],
    ["the partial ARN", "000000000000:function:invoke-api-dev-echo", undefined],
    ["name:$LATEST", "invoke-api-dev-echo:$LATEST", undefined],
    [
      "the ARN with :$LATEST",
      "arn:aws:lambda:us-east-1:000000000000:function:invoke-api-dev-echo:$LATEST",
      undefined,
    ],
    ["Qualifier=$LATEST", "echo", "$LATEST"],
  ])("accepts %s", async (_form, FunctionName, Qualifier) => {
    const output = await server
      .client()
      .send(new InvokeCommand({ FunctionName, Qualifier, Payload: Buffer.from('{"same":"function"}') }));
    expect(Buffer.from(output.Payload ?? new Uint8Array()).toString("utf8")).toBe('{"same":"function"}');
  });

  it("accepts the longest names: a 64-character name in a full ARN, with a qualifier", async () => {
    const arn =
      "arn:aws:lambda:us-east-1:000000000000:function:lambkin-invoke-api-fixture-with-a-function-name-of-64-characters:$LATEST";
    const output = await server
      .client()
      .send(new InvokeCommand({ FunctionName: arn, Payload: Buffer.from("[1]") }));
    expect(Buffer.from(output.Payload ?? new Uint8Array()).toString("utf8")).toBe("[1]");
  });

  it("refuses a path-like name with ValidationException and AWS's regex message", async () => {
    const error = await rejectionOf(server.client().send(new InvokeCommand({ FunctionName: "../x" })));
    expect(error.name).toBe("ValidationException");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(error.message).toBe(
      `1 validation error detected: Value '../x' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${PATTERN}`,
    );
  });

  it("refuses an empty name (which SDKs never send) with ValidationException", async () => {
    const response = await raw("");
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("ValidationException");
    const { message } = (await response.json()) as { message: string };
    expect(message).toMatch(
      /^2 validation errors detected: Value '' at 'functionName' failed to satisfy constraint: Member must have length greater than or equal to 1; /,
    );
  });

  it("refuses a name longer than 170 characters with the length constraint", async () => {
    const long = `arn:aws:lambda:us-east-1:000000000000:function:${"a".repeat(124)}`;
    expect(long.length).toBe(171);
    const response = await raw(encodeURIComponent(long));
    expect(response.headers.get("x-amzn-errortype")).toBe("ValidationException");
    expect(((await response.json()) as { message: string }).message).toBe(
      `1 validation error detected: Value '${long}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 170`,
    );
  });

  it("answers ResourceNotFoundException for a well-formed name no function can have (65 characters)", async () => {
    const error = await rejectionOf(
      server.client().send(new InvokeCommand({ FunctionName: "a".repeat(65) })),
    );
    expect(error.name).toBe("ResourceNotFoundException");
  });

  it("refuses a malformed Qualifier with ValidationException", async () => {
    const response = await raw("echo", "?Qualifier=v%2F1");
    expect(response.headers.get("x-amzn-errortype")).toBe("ValidationException");
    expect(((await response.json()) as { message: string }).message).toBe(
      "1 validation error detected: Value 'v/1' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)",
    );
  });

  it("refuses a Qualifier that contradicts the name's with InvalidParameterValueException", async () => {
    const error = await rejectionOf(
      server
        .client()
        .send(new InvokeCommand({ FunctionName: "invoke-api-dev-echo:$LATEST", Qualifier: "live" })),
    );
    expect(error.name).toBe("InvalidParameterValueException");
    expect(error.message).toBe(
      "The derived qualifier from the function name does not match the specified qualifier.",
    );
  });
});
