// How an HTTP API maps a payload 2.0 result (docs/lambda-behaviour.md §6.2): JSON without statusCode is inferred as a
// 200 application/json response whose body is the output itself (a string keeps its quotes); a response object
// may carry cookies (one set-cookie each) and a base64 body.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./gateway-harness.js";

describe("payload 2.0 response mapping", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("responses");
  });
  afterAll(() => gateway?.close());

  const respond = (result: unknown) =>
    gateway.send("POST", "/http/respond", {
      headers: [["Content-Type", "application/json"]],
      body: JSON.stringify(result),
    });

  it('serves a string result as JSON text, quotes included: "Hello, world!" is 15 bytes', async () => {
    const response = await respond("Hello, world!");
    expect(response.status).toBe(200);
    expect(response.header("content-type")).toBe("application/json");
    expect(response.header("content-length")).toBe("15");
    expect(response.text()).toBe('"Hello, world!"');
  });

  it.each([
    ["an object without statusCode", { message: "Hello from Lambda!" }, '{"message":"Hello from Lambda!"}'],
    [
      "an object with a body but no statusCode",
      { body: "x", headers: { a: "b" } },
      '{"body":"x","headers":{"a":"b"}}',
    ],
    ["a number", 42, "42"],
    ["a list", [1, "two"], '[1,"two"]'],
    ["null", null, "null"],
  ])("infers a 200 application/json response for %s", async (_, result, body) => {
    const response = await respond(result);
    expect(response.status).toBe(200);
    expect(response.header("content-type")).toBe("application/json");
    expect(response.text()).toBe(body);
  });

  it("sends a response object: statusCode, headers, one set-cookie line per cookie, body", async () => {
    const response = await respond({
      statusCode: 201,
      headers: { "x-custom": "v", "content-type": "text/plain" },
      cookies: ["a=1; Path=/", "b=2"],
      body: "created",
    });
    expect(response.status).toBe(201);
    expect(response.header("x-custom")).toBe("v");
    expect(response.headerValues("set-cookie")).toEqual(["a=1; Path=/", "b=2"]);
    expect(response.text()).toBe("created");
  });

  it("decodes a base64 body (HTTP APIs have no binary media types to match)", async () => {
    const response = await respond({
      statusCode: 200,
      body: Buffer.from([0, 255, 1]).toString("base64"),
      isBase64Encoded: true,
    });
    expect([...response.body]).toEqual([0, 255, 1]);
  });

  it.each([
    ["a statusCode that is not a number", { statusCode: "abc" }],
    ["a body that is not a string", { statusCode: 200, body: { a: 1 } }],
    ["cookies that are not strings", { statusCode: 200, cookies: [1] }],
  ])("answers 500 Internal Server Error for a malformed response: %s", async (_, result) => {
    const response = await respond(result);
    expect(response.status).toBe(500);
    expect(response.json()).toEqual({ message: "Internal Server Error" });
  });
});
