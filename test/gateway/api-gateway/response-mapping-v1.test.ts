// How a payload 1.0 proxy response becomes HTTP (REST APIs; HTTP APIs with payload 1.0): statusCode, headers
// merged with multiValueHeaders, body, isBase64Encoded; the default Content-Type; what counts as malformed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./gateway-harness.js";

describe("payload 1.0 response mapping", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("responses");
  });
  afterAll(() => gateway?.close());

  /** Makes the `respond` function return `result` through the REST API (or the HTTP API 1.0 route). */
  const respond = (result: unknown, path = "/rest/respond") =>
    gateway.send("POST", path, {
      headers: [["Content-Type", "application/json"]],
      body: JSON.stringify(result),
    });

  it("sends statusCode, headers (names as written) and body", async () => {
    const response = await respond({
      statusCode: 201,
      headers: { "X-Custom": "yes", "Content-Type": "text/html" },
      body: "<p>hi</p>",
    });
    expect(response.status).toBe(201);
    expect(response.headerLines).toContainEqual(["X-Custom", "yes"]);
    expect(response.header("content-type")).toBe("text/html");
    expect(response.text()).toBe("<p>hi</p>");
  });

  it("merges multiValueHeaders with headers, a pair present in both once", async () => {
    const response = await respond({
      statusCode: 200,
      headers: { "X-A": "1", "X-B": "b" },
      multiValueHeaders: { "X-A": ["1", "2"], "Set-Cookie": ["a=1", "b=2"] },
      body: "",
    });
    expect(response.headerValues("x-a")).toEqual(["1", "2"]);
    expect(response.headerValues("x-b")).toEqual(["b"]);
    expect(response.headerValues("set-cookie")).toEqual(["a=1", "b=2"]);
  });

  it("adds Content-Type: application/json when the function sets none, and none when it sets it to null", async () => {
    expect((await respond({ statusCode: 200, body: "x" })).header("content-type")).toBe("application/json");
    expect(
      (await respond({ statusCode: 200, headers: { "Content-Type": null }, body: "x" })).header(
        "content-type",
      ),
    ).toBeUndefined();
  });

  it("accepts a statusCode written as a string, numbers and booleans as header values, and no body", async () => {
    const response = await respond({ statusCode: "202", headers: { "X-Count": 3, "X-Flag": true } });
    expect(response.status).toBe(202);
    expect(response.header("x-count")).toBe("3");
    expect(response.header("x-flag")).toBe("true");
    expect(response.text()).toBe("");
  });

  it("sends a base64 body as text when the API declares no binary media type", async () => {
    const response = await respond({ statusCode: 200, body: "aGk=", isBase64Encoded: true });
    expect(response.text()).toBe("aGk=");
  });

  it.each([
    ["no statusCode", { body: "x" }],
    ["a body that is not a string", { statusCode: 200, body: { a: 1 } }],
    ["a key API Gateway does not know", { statusCode: 200, body: "x", cookies: ["a=1"] }],
    ["a header value that is an object", { statusCode: 200, headers: { "X-A": { b: 1 } } }],
    ["a statusCode out of range", { statusCode: 99 }],
    ["a string result", "Hello"],
    ["a null result", null],
    ["a list", [1, 2]],
  ])("answers 502 Internal server error for a malformed response: %s", async (_, result) => {
    const response = await respond(result);
    expect(response.status).toBe(502);
    expect(response.json()).toEqual({ message: "Internal server error" });
    expect(response.header("x-amzn-ErrorType")).toBe("InternalServerErrorException");
  });

  it("on an HTTP API with payload 1.0: same format, text/plain by default, 500 when malformed", async () => {
    const ok = await respond(
      { statusCode: 200, multiValueHeaders: { "x-a": ["1", "2"] }, body: "fine" },
      "/http-v1/respond",
    );
    expect(ok.status).toBe(200);
    expect(ok.headerValues("x-a")).toEqual(["1", "2"]);
    expect(ok.header("content-type")).toBe("text/plain; charset=utf-8");
    const malformed = await respond({ body: "no status" }, "/http-v1/respond");
    expect(malformed.status).toBe(500);
    expect(malformed.json()).toEqual({ message: "Internal Server Error" });
  });
});
