// A request no route takes gets API Gateway's own answer: a REST API's 403 {"message":"Missing Authentication
// Token"} (also for a declared path with another method), an HTTP API's 404 {"message":"Not Found"}.
import { afterEach, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./gateway-harness.js";

describe("unknown routes", () => {
  let gateway: TestGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it("REST API: 403 Missing Authentication Token for an unknown path, another method, HEAD for a GET", async () => {
    gateway = await startGateway("routing-rest");
    for (const [method, path] of [
      ["GET", "/nowhere"],
      ["DELETE", "/"],
      ["HEAD", "/"],
      ["GET", "/shop"],
    ] as const) {
      const response = await gateway.send(method, path);
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.header("x-amzn-ErrorType")).toBe("MissingAuthenticationTokenException");
      if (method !== "HEAD") expect(response.json()).toEqual({ message: "Missing Authentication Token" });
    }
  });

  it("HTTP API: 404 Not Found; a service with both answers as the API that has the path", async () => {
    gateway = await startGateway("responses");
    const httpPath = await gateway.send("GET", "/http/respond");
    expect(httpPath.status).toBe(404);
    expect(httpPath.json()).toEqual({ message: "Not Found" });
    const nowhere = await gateway.send("GET", "/nowhere");
    expect(nowhere.status).toBe(404);
    const restPath = await gateway.send("GET", "/rest/respond");
    expect(restPath.status).toBe(403);
    expect(restPath.json()).toEqual({ message: "Missing Authentication Token" });
  });
});
