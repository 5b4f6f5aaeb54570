// An HTTP API integration with `payload: '1.0'` (functions.<key>.httpApi.payload or provider.httpApi.payload)
// sends the 1.0 format — with `version: "1.0"`, unlike a REST API — checked against the documentation's example.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectGolden, startGateway, type TestGateway } from "./gateway-harness.js";
import { golden } from "./golden.js";

describe("HTTP API event with payload 1.0", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("events/http");
  });
  afterAll(() => gateway?.close());

  it("matches the documentation's 1.0 event field by field", async () => {
    const { request, event } = golden("http-api-event-v1");
    const response = await gateway.send(request.method, request.path, request);
    expect(response.status).toBe(200);
    expectGolden(response.json(), event);
  });

  it("is chosen per function: the same service's other routes stay on 2.0", async () => {
    expect((await gateway.send("GET", "/my/path")).json().version).toBe("1.0");
    expect((await gateway.send("POST", "/my/path")).json().version).toBe("2.0");
  });
});
