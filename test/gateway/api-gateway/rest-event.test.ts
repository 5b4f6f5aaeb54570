// The event a REST API (`http` events) sends: payload format 1.0 exactly as API Gateway builds it
// (docs/lambda-behaviour.md §6.1), checked field by field against the AWS documentation's example.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectGolden, startGateway, type TestGateway } from "./gateway-harness.js";
import { golden } from "./golden.js";

describe("REST API event (payload 1.0)", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("events/rest");
  });
  afterAll(() => gateway?.close());

  it("matches the documentation's proxy event field by field", async () => {
    const { request, event } = golden("rest-proxy-event");
    const response = await gateway.send(request.method, request.path, request);
    expect(response.status).toBe(200);
    expectGolden(response.json(), event);
  });

  it("has no version field (aws/aws-sam-cli#6442)", async () => {
    const event = (await gateway.send("GET", "/items/1")).json();
    expect(event).not.toHaveProperty("version");
  });

  it("passes the path and path variables as sent, percent-encoding kept, and the stage in requestContext.path", async () => {
    const event = (await gateway.send("GET", "/items/a%40b%20c")).json();
    expect(event).toMatchObject({
      resource: "/items/{id}",
      path: "/items/a%40b%20c",
      pathParameters: { id: "a%40b%20c" },
      requestContext: { resourcePath: "/items/{id}", path: "/testStage/items/a%40b%20c", stage: "testStage" },
    });
  });

  it("decodes query string parameters and keeps every value of a repeated one", async () => {
    const event = (await gateway.send("GET", "/items/1?q=a%2Bb&q=c+d&flag")).json();
    expect(event.queryStringParameters).toEqual({ q: "c d", flag: "" });
    expect(event.multiValueQueryStringParameters).toEqual({ q: ["a+b", "c d"], flag: [""] });
  });

  it("keeps the last value in headers and every line in multiValueHeaders, names as sent", async () => {
    const event = (
      await gateway.send("GET", "/items/1", {
        headers: [
          ["X-Multi", "one"],
          ["X-Multi", "two"],
        ],
      })
    ).json();
    expect(event.headers["X-Multi"]).toBe("two");
    expect(event.multiValueHeaders["X-Multi"]).toEqual(["one", "two"]);
  });

  it("has null maps and a null body when the request has no query, variables or body", async () => {
    const event = (await gateway.send("GET", "/items/1")).json();
    expect(event).toMatchObject({
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
    });
  });

  it("gives each request its own request ids and the ids back in x-amzn-RequestId and x-amz-apigw-id", async () => {
    const first = await gateway.send("GET", "/items/1");
    const second = await gateway.send("GET", "/items/1");
    expect(first.json().requestContext.requestId).not.toBe(second.json().requestContext.requestId);
    expect(first.header("x-amzn-RequestId")).toBe(first.json().requestContext.requestId);
    expect(first.header("x-amz-apigw-id")).toBe(first.json().requestContext.extendedRequestId);
  });
});

describe("REST API event headers", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("events/rest");
  });
  afterAll(() => gateway?.close());

  it("carries no Content-Length: a REST API re-encodes the body and never forwards the client's length", async () => {
    const event = (await gateway.send("POST", "/items", { body: "café" })).json();
    expect(event.body).toBe("café");
    const names = [...Object.keys(event.headers), ...Object.keys(event.multiValueHeaders)];
    expect(names.map((name) => name.toLowerCase())).not.toContain("content-length");
  });

  it("merges header names that differ only in case: first spelling, every value, the last in headers", async () => {
    const event = (
      await gateway.send("GET", "/items/1", {
        headers: [
          ["X-Multi", "one"],
          ["x-multi", "two"],
          ["X-MULTI", "three"],
        ],
      })
    ).json();
    expect(event.multiValueHeaders["X-Multi"]).toEqual(["one", "two", "three"]);
    expect(event.headers["X-Multi"]).toBe("three");
    for (const map of [event.headers, event.multiValueHeaders])
      expect(Object.keys(map).filter((name) => name.toLowerCase() === "x-multi")).toEqual(["X-Multi"]);
  });
});

describe("REST API and a web framework adapter (@fastify/aws-lambda)", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("rest-frameworks");
  });
  afterAll(() => gateway?.close());

  it("answers 200 to a body the REST API re-encodes (Latin-1 bytes passed as UTF-8 text)", async () => {
    // "café" in ISO-8859-1: 4 bytes, not valid UTF-8. The event carries it as UTF-8 text ("caf\uFFFD", 6 bytes); a
    // forwarded Content-Length: 4 would make fastify refuse the body as truncated (400), as it never does on AWS.
    const response = await gateway.send("POST", "/echo", {
      headers: [["Content-Type", "text/plain"]],
      body: Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    });
    expect(response.status, response.text()).toBe(200);
    expect(response.json()).toEqual({ body: "caf\uFFFD", length: 6 });
  });
});
