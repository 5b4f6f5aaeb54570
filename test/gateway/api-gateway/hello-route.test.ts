// The seed example: functions/hello's `api` function, declared with `http: {path: hello, method: get}`,
// answers GET /hello through the REST API exactly as it does on AWS.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./gateway-harness.js";

describe("functions/hello through API Gateway", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway(join(import.meta.dirname, "..", "..", "..", "functions", "hello"));
  });
  afterAll(() => gateway?.close());

  it('answers GET /hello with {"message":"Hello Lambda"}', async () => {
    const response = await gateway.send("GET", "/hello");
    expect(response.status).toBe(200);
    expect(response.text()).toBe('{"message":"Hello Lambda"}');
    // The function sets no Content-Type: a REST API answers application/json.
    expect(response.header("content-type")).toBe("application/json");
  });

  it("serves the route without a stage prefix: /dev/hello is not a route", async () => {
    const response = await gateway.send("GET", "/dev/hello");
    expect(response.status).toBe(403);
    expect(response.json()).toEqual({ message: "Missing Authentication Token" });
  });
});
