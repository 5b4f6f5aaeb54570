// Requests under the Lambda API's prefixes that name no operation Lambkin serves get AWS's
// UnknownOperationException (404, smithy.framework#UnknownOperationException); paths outside those prefixes are
// left to the rest of the gateway (the API Gateway routes), untouched by the Invoke API's handlers.
import { PutFunctionConcurrencyCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, rejectionOf, startApiServer } from "./invoke-api-server.js";

describe("unknown operations", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer();
  });
  afterAll(() => server.close());

  it("answers an SDK operation Lambkin does not serve with UnknownOperationException", async () => {
    const error = await rejectionOf(
      server
        .client()
        .send(new PutFunctionConcurrencyCommand({ FunctionName: "echo", ReservedConcurrentExecutions: 1 })),
    );
    expect(error.name).toBe("UnknownOperationException");
    expect(error.$metadata).toMatchObject({ httpStatusCode: 404 });
  });

  it.each([
    ["DELETE", "/2015-03-31/functions/echo"],
    ["POST", "/2015-03-31/functions/echo/not-an-operation"],
    ["GET", "/2015-03-31/nothing-here"],
    ["GET", "/2021-10-31/functions/echo/url"],
  ])("answers %s %s with 404 UnknownOperationException in AWS's format", async (method, path) => {
    const response = await server.fetch(path, { method });
    expect(response.status).toBe(404);
    expect(response.headers.get("x-amzn-errortype")).toBe("UnknownOperationException");
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as { Type: string; message: string };
    expect(body.Type).toBe("User");
    expect(body.message).toContain(`${method} ${path}`);
  });

  it("leaves paths outside the Lambda API to the rest of the gateway", async () => {
    const response = await server.fetch("/not-a-lambda-api-path");
    expect(response.status).toBe(404);
    expect(response.headers.get("x-amzn-errortype")).toBeNull();
    expect(response.headers.get("x-amzn-requestid")).toBeNull();
  });
});
