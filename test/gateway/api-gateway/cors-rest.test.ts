// `cors:` on `http` events deploys an OPTIONS method answering the preflight (200, the Access-Control-* headers
// of the Framework's configuration, merged over the path's events) — and nothing else: a REST API's Lambda
// proxy responses carry only the headers the function sets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./gateway-harness.js";

const DEFAULT_HEADERS =
  "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent,X-Amzn-Trace-Id";

describe("REST API CORS", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("cors/rest");
  });
  afterAll(() => gateway?.close());

  const preflight = (path: string, origin: string) =>
    gateway.send("OPTIONS", path, {
      headers: [
        ["Origin", origin],
        ["Access-Control-Request-Method", "GET"],
      ],
    });

  it("cors: true answers the preflight with *, the default headers and the event's method", async () => {
    const response = await preflight("/open", "https://site.example.com");
    expect(response.status).toBe(200);
    expect(response.text()).toBe("");
    expect(response.header("Content-Type")).toBe("application/json");
    expect(response.header("Access-Control-Allow-Origin")).toBe("*");
    expect(response.header("Access-Control-Allow-Headers")).toBe(DEFAULT_HEADERS);
    expect(response.header("Access-Control-Allow-Methods")).toBe("OPTIONS,GET");
    expect(response.header("Access-Control-Allow-Credentials")).toBeUndefined();
  });

  it("adds no CORS header to the function's own response", async () => {
    const response = await gateway.send("GET", "/open", {
      headers: [["Origin", "https://site.example.com"]],
    });
    expect(response.status).toBe(200);
    expect(response.text()).toBe("plain");
    expect(response.header("Access-Control-Allow-Origin")).toBeUndefined();
  });

  it("merges the events of one path and echoes an Origin that matches one of `origins`", async () => {
    const response = await preflight("/picky", "https://shop.b.example.com");
    expect(response.header("Access-Control-Allow-Origin")).toBe("https://shop.b.example.com");
    expect(response.header("Access-Control-Allow-Methods")).toBe("OPTIONS,PUT,POST");
    expect(response.header("Access-Control-Allow-Headers")).toBe(`${DEFAULT_HEADERS},X-Custom`);
    expect(response.header("Access-Control-Allow-Credentials")).toBe("true");
    expect(response.header("Access-Control-Max-Age")).toBe("600");
    expect(response.header("Cache-Control")).toBe("max-age=600");
  });

  it("answers the first of `origins` to an Origin it does not list", async () => {
    const response = await preflight("/picky", "https://elsewhere.example.org");
    expect(response.header("Access-Control-Allow-Origin")).toBe("https://a.example.com");
  });

  it("spells out ANY as the methods it stands for", async () => {
    const response = await preflight("/everything", "https://site.example.com");
    expect(response.header("Access-Control-Allow-Methods")).toBe("OPTIONS,DELETE,GET,HEAD,PATCH,POST,PUT");
  });
});
