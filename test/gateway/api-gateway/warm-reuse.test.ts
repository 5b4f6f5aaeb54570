// Requests served through the gateway reuse the function's warm environment, as on AWS: module-level state
// survives from one request to the next (serverless-offline and SAM without --warm-containers lose it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./gateway-harness.js";

describe("warm reuse through the gateway", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("warm");
  });
  afterAll(() => gateway?.close());

  it("keeps counting in one environment, across REST and HTTP API routes of the same function", async () => {
    const results = [];
    for (const path of ["/rest/count", "/rest/count", "/rest/count", "/http/count"]) {
      results.push((await gateway.send("GET", path)).json());
    }
    expect(results.map((result) => result.count)).toEqual([1, 2, 3, 4]);
    expect(new Set(results.map((result) => result.pid)).size).toBe(1);
  });
});
