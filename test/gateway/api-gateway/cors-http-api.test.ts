// `provider.httpApi.cors`: API Gateway answers preflights itself (204) when no route takes them, adds the
// configured headers to the integration's responses for an allowed Origin and ignores the function's own
// Access-Control-* headers ("http-api-cors"); a route that takes OPTIONS (ANY) receives the preflight.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_FIXTURES, startGateway, type TestGateway } from "./gateway-harness.js";

describe("HTTP API CORS", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway(`${GATEWAY_FIXTURES}/cors`);
  });
  afterAll(() => gateway?.close());

  const preflight = (path: string, origin: string) =>
    gateway.send("OPTIONS", path, {
      headers: [
        ["Origin", origin],
        ["Access-Control-Request-Method", "POST"],
      ],
    });

  it("answers a preflight with 204 and the configuration", async () => {
    const response = await preflight("/items", "https://app.example.com");
    expect(response.status).toBe(204);
    expect(response.header("access-control-allow-origin")).toBe("https://app.example.com");
    expect(response.header("access-control-allow-methods")).toBe("GET,POST");
    expect(response.header("access-control-allow-headers")).toBe("content-type,authorization");
    expect(response.header("access-control-allow-credentials")).toBe("true");
    expect(response.header("access-control-max-age")).toBe("300");
  });

  it("answers a preflight for a path without a route too, and without CORS headers for an origin not allowed", async () => {
    expect((await preflight("/not-a-route", "https://app.example.com")).status).toBe(204);
    const refused = await preflight("/items", "https://evil.example.com");
    expect(refused.status).toBe(204);
    expect(refused.headerLines.filter(([name]) => name.toLowerCase().startsWith("access-control-"))).toEqual(
      [],
    );
  });

  it("replaces the function's CORS headers with the configured ones", async () => {
    const response = await gateway.send("GET", "/items", {
      headers: [["Origin", "https://app.example.com"]],
    });
    expect(response.status).toBe(200);
    expect(response.headerValues("access-control-allow-origin")).toEqual(["https://app.example.com"]);
    expect(response.header("access-control-expose-headers")).toBe("x-total");
    expect(response.header("access-control-allow-credentials")).toBe("true");
    expect(response.header("x-total")).toBe("3");
    const other = await gateway.send("GET", "/items", { headers: [["Origin", "https://evil.example.com"]] });
    expect(other.header("access-control-allow-origin")).toBeUndefined();
  });

  it("sends the preflight to a route that takes OPTIONS, adding the CORS headers to its response", async () => {
    const response = await preflight("/open/anything", "https://app.example.com");
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ method: "OPTIONS" });
    expect(response.header("access-control-allow-origin")).toBe("https://app.example.com");
  });

  it("cors: true allows every origin, the default headers and the methods of the API's routes", async () => {
    const response = await preflight("/defaults/a", "https://any.example.net");
    expect(response.status).toBe(204);
    expect(response.header("access-control-allow-origin")).toBe("*");
    expect(response.header("access-control-allow-methods")).toBe("OPTIONS,GET,DELETE");
    expect(response.header("access-control-allow-headers")).toBe(
      "content-type,x-amz-date,authorization,x-api-key,x-amz-security-token,x-amz-user-agent,x-amzn-trace-id",
    );
  });
});
