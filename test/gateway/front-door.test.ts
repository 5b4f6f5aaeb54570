// Requests refused before any route runs — a malformed percent-encoded path, a header section or a URL over the
// limits, a body over API Gateway's 10 MB — are answered as the service the path belongs to would answer: API
// Gateway's `{"message": …}` with the request ids of the API that owns the path on routes, Lambda's error format
// (`x-amzn-ErrorType` + JSON) on the Invoke API's paths; never fastify's own bodies. Sent over raw sockets: no
// HTTP client sends such requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./api-gateway/gateway-harness.js";
import { rawExchange, rawRequest } from "./raw-http.js";

const request = (target: string, headers = "") =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`;

describe.each([
  ["REST API", "events/rest", "/items/1", "x-amzn-requestid"],
  ["HTTP API", "routing-http", "/pets/dog/1", "apigw-requestid"],
])("front door of a %s", (_kind, fixture, routePath, requestIdHeader) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway(fixture);
  });
  afterAll(() => gateway?.close());

  it("answers a path with malformed percent-encoding 400 Bad Request", async () => {
    const answer = await rawRequest(gateway.port, request(`${routePath}%E0%A4%A`));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ message: "Bad Request" });
    expect(answer.headers[requestIdHeader]).toBeTruthy();
  });

  it.each([
    ["11 KB, over API Gateway's 10240 bytes", 11_000],
    ["20 KB, over Node's 16 KB", 20_000],
  ])("answers headers of %s 431 Request Header Fields Too Large", async (_size, bytes) => {
    const answer = await rawRequest(gateway.port, request(routePath, `X-Big: ${"a".repeat(bytes)}\r\n`));
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toEqual({ message: "Request Header Fields Too Large" });
    expect(answer.headers[requestIdHeader]).toBeTruthy();
  });

  it.each([
    ["12 KB", 12_000],
    ["100 KB", 100_000],
  ])("answers a URL of %s 414 Request URI too long", async (_size, bytes) => {
    const answer = await rawRequest(gateway.port, request(`${routePath}?q=${"a".repeat(bytes)}`));
    expect(answer.status).toBe(414);
    expect(JSON.parse(answer.body)).toEqual({ message: "Request URI too long" });
    expect(answer.headers[requestIdHeader]).toBeTruthy();
  });

  it("answers a body declared over 10 MB 413 Request Too Long before it is sent", async () => {
    const exchange = rawExchange(
      gateway.port,
      `POST ${routePath} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${11 * 1024 * 1024}\r\n\r\n`,
    );
    const answer = await exchange.answer;
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ message: "Request Too Long" });
    // …and the gateway serves on.
    expect((await gateway.send("GET", routePath)).status).toBe(200);
  });
});

describe("front door of the Invoke API", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("events/rest");
  });
  afterAll(() => gateway?.close());

  const lambdaError = (answer: { headers: Record<string, string>; body: string }) => ({
    type: answer.headers["x-amzn-errortype"],
    requestId: answer.headers["x-amzn-requestid"],
    body: JSON.parse(answer.body) as { message: string },
  });

  it("answers a malformed percent-encoded path 400 ValidationException", async () => {
    const answer = await rawRequest(gateway.port, request("/2015-03-31/functions/%E0%A4%A/invocations"));
    expect(answer.status).toBe(400);
    const error = lambdaError(answer);
    expect(error.type).toBe("ValidationException");
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.body.message).toMatch(/^1 validation error detected: Value '.*%E0%A4%A.*' at 'path'/);
  });

  it.each([
    ["headers of 20 KB", request("/2015-03-31/functions/", `X-Big: ${"a".repeat(20_000)}\r\n`), "headers"],
    ["a URL of 100 KB", request(`/2015-03-31/functions/?q=${"a".repeat(100_000)}`), "URI"],
  ])("answers %s 413 RequestTooLargeException", async (_what, text, part) => {
    const answer = await rawRequest(gateway.port, text);
    expect(answer.status).toBe(413);
    const error = lambdaError(answer);
    expect(error.type).toBe("RequestTooLargeException");
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.body.message).toContain(`Request ${part} must be`);
  });
});
