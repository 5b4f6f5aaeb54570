// A function error and a refused invocation become API Gateway's own answers (docs/lambda-behaviour.md §6.3), never the
// function's error payload: REST 502 / HTTP API 500 for a function error; 500 when Lambda throttles the call
// (Lambda's 429 is not passed on: services-apigateway-errors, stackoverflow.com/questions/36363280).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./gateway-harness.js";

describe("function errors and refused invocations", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("responses");
  });
  afterAll(() => gateway?.close());

  it("REST: a function error is 502 Internal server error, with nothing of the error payload", async () => {
    const response = await gateway.send("GET", "/rest/fail");
    expect(response.status).toBe(502);
    expect(response.text()).toBe('{"message":"Internal server error"}');
    expect(response.header("content-type")).toBe("application/json");
    expect(response.header("x-amzn-ErrorType")).toBe("InternalServerErrorException");
  });

  it("HTTP API: a function error is 500 Internal Server Error (as observed on AWS, aws/aws-sam-cli#2590)", async () => {
    const response = await gateway.send("GET", "/http/fail");
    expect(response.status).toBe(500);
    expect(response.text()).toBe('{"message":"Internal Server Error"}');
    expect(response.header("apigw-requestid")).toMatch(/^[A-Za-z0-9]{15}=$/);
  });

  it("REST: a throttled invocation (TooManyRequestsException) is 500 Internal server error, not 429", async () => {
    const response = await gateway.send("GET", "/rest/throttled");
    expect(response.status).toBe(500);
    expect(response.json()).toEqual({ message: "Internal server error" });
  });

  it("HTTP API: a throttled invocation is 500 Internal Server Error", async () => {
    const response = await gateway.send("GET", "/http/throttled");
    expect(response.status).toBe(500);
    expect(response.json()).toEqual({ message: "Internal Server Error" });
  });

  it("the environment survives a function error: the next request is served", async () => {
    await gateway.send("GET", "/rest/fail");
    const response = await gateway.send("POST", "/rest/respond", {
      body: JSON.stringify({ statusCode: 200, body: "ok" }),
    });
    expect(response.status).toBe(200);
    expect(response.text()).toBe("ok");
  });
});
