// The event an HTTP API (`httpApi` events) sends by default: payload format 2.0 (docs/lambda-behaviour.md §6.2),
// checked field by field against the AWS documentation's example.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectGolden, startGateway, type TestGateway } from "./gateway-harness.js";
import { golden } from "./golden.js";

describe("HTTP API event (payload 2.0)", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway("events/http");
  });
  afterAll(() => gateway?.close());

  it("matches the documentation's 2.0 event field by field", async () => {
    const { request, event } = golden("http-api-event-v2");
    const response = await gateway.send(request.method, request.path, request);
    expect(response.status).toBe(200);
    expectGolden(response.json(), event);
  });

  it("names the route in routeKey and passes path variables decoded, as HTTP APIs decode the path", async () => {
    const event = (await gateway.send("GET", "/users/a%40b%20c")).json();
    expect(event).toMatchObject({
      routeKey: "GET /users/{id}",
      rawPath: "/users/a@b c",
      pathParameters: { id: "a@b c" },
      requestContext: {
        routeKey: "GET /users/{id}",
        stage: "$default",
        http: { method: "GET", path: "/users/a@b c" },
      },
    });
  });

  it("gives a greedy path variable the rest of the path", async () => {
    const event = (await gateway.send("GET", "/files/a/b/c.txt")).json();
    expect(event.pathParameters).toEqual({ path: "a/b/c.txt" });
  });

  it("leaves out cookies, queryStringParameters, pathParameters and body when there are none", async () => {
    const event = (await gateway.send("GET", "/somewhere")).json();
    for (const key of ["cookies", "queryStringParameters", "pathParameters", "body", "stageVariables"]) {
      expect(event).not.toHaveProperty(key);
    }
    expect(event).toMatchObject({ rawQueryString: "", isBase64Encoded: false, routeKey: "$default" });
  });

  it("takes cookies out of the headers", async () => {
    const event = (
      await gateway.send("GET", "/somewhere", {
        headers: [
          ["Cookie", "a=1; b=2"],
          ["Cookie", "c=3"],
        ],
      })
    ).json();
    expect(event.cookies).toEqual(["a=1", "b=2", "c=3"]);
    expect(event.headers).not.toHaveProperty("cookie");
  });

  it("returns the request id in apigw-requestid", async () => {
    const response = await gateway.send("GET", "/somewhere");
    expect(response.header("apigw-requestid")).toBe(response.json().requestContext.requestId);
  });
});
