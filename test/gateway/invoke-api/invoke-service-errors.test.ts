// Invoke refusals arrive in AWS's error format (x-amzn-ErrorType + JSON body + status, docs/lambda-behaviour.md §3.2), so
// that @aws-sdk/client-lambda raises its typed exceptions: ResourceNotFoundException 404,
// InvalidRequestContentException 400, RequestTooLargeException 413, TooManyRequestsException 429 with Reason and
// Retry-After.
import { InvokeCommand, TooManyRequestsException } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, rejectionOf, startApiServer } from "./invoke-api-server.js";

describe("Invoke service errors", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer();
  });
  afterAll(() => server.close());

  const invoke = (
    FunctionName: string,
    payload: string | Buffer = "{}",
    extra: Record<string, string> = {},
  ) =>
    rejectionOf(
      server.client().send(new InvokeCommand({ FunctionName, Payload: Buffer.from(payload), ...extra })),
    );

  it("ResourceNotFoundException 404 names the full ARN", async () => {
    const error = await invoke("missing");
    expect(error.name).toBe("ResourceNotFoundException");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 404 });
    expect(error.message).toBe("Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing");
    expect(error.Type).toBe("User");
  });

  it("ResourceNotFoundException for a version Lambkin does not have, with the qualifier in the ARN", async () => {
    const error = await invoke("echo", "{}", { Qualifier: "7" });
    expect(error.name).toBe("ResourceNotFoundException");
    expect(error.message).toBe(
      "Function not found: arn:aws:lambda:us-east-1:000000000000:function:invoke-api-dev-echo:7",
    );
  });

  it("InvalidRequestContentException 400 for a payload that is not JSON", async () => {
    const error = await invoke("echo", "{nope");
    expect(error.name).toBe("InvalidRequestContentException");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(error.message).toMatch(/^Could not parse request body into json: /);
  });

  it("InvalidRequestContentException for a client context that is not base64 JSON", async () => {
    const error = await invoke("clientContext", "{}", {
      ClientContext: Buffer.from("not json").toString("base64"),
    });
    expect(error.name).toBe("InvalidRequestContentException");
    expect(error.message).toBe("Client context must be a valid Base64-encoded JSON object.");
  });

  it("RequestTooLargeException 413 above 6 MB for a synchronous call", async () => {
    const error = await invoke("echo", JSON.stringify({ pad: "x".repeat(6 * 1024 * 1024) }));
    expect(error.name).toBe("RequestTooLargeException");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 413 });
    expect(error.message).toBe("Request must be smaller than 6291456 bytes for the InvokeFunction operation");
  });

  it("RequestTooLargeException 413 also above the gateway's own body limit (16 MB)", async () => {
    const response = await server.fetch("/2015-03-31/functions/echo/invocations", {
      method: "POST",
      body: Buffer.alloc(17 * 1024 * 1024, 0x20),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("x-amzn-errortype")).toBe("RequestTooLargeException");
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("TooManyRequestsException 429 with Reason and Retry-After when the function is throttled", async () => {
    const error = await invoke("throttled");
    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect(error.$metadata).toMatchObject({ httpStatusCode: 429 });
    expect(error.Reason).toBe("ReservedFunctionConcurrentInvocationLimitExceeded");
    expect(error.retryAfterSeconds).toBe("1");
    expect(error.message).toBe("Rate Exceeded.");
  });

  it("puts the error name in x-amzn-ErrorType and AWS's JSON in the body", async () => {
    const response = await server.fetch("/2015-03-31/functions/throttled/invocations", {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(429);
    expect(response.headers.get("x-amzn-errortype")).toBe("TooManyRequestsException");
    expect(response.headers.get("retry-after")).toBe("1");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({
      Type: "User",
      message: "Rate Exceeded.",
      Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
    });
  });

  it("refuses an unknown X-Amz-Invocation-Type with a ValidationException", async () => {
    const response = await server.fetch("/2015-03-31/functions/echo/invocations", {
      method: "POST",
      headers: { "X-Amz-Invocation-Type": "Sometime" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("ValidationException");
    expect(await response.json()).toEqual({
      message:
        "1 validation error detected: Value 'Sometime' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
    });
  });
});
