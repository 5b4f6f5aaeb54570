// Among the routes that fit a request, API Gateway takes the most specific: literal segments over path
// variables over greedy variables, an exact method over ANY, and the HTTP API's $default route last
// (the routing example of "http-api-develop-routes", reproduced route for route).
import { afterEach, describe, expect, it } from "vitest";
import { startGateway, type TestGateway } from "./gateway-harness.js";

describe("route precedence", () => {
  let gateway: TestGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it("HTTP API: the documentation's routing example", async () => {
    gateway = await startGateway("routing-http");
    const cases: [string, string, string, Record<string, string> | null][] = [
      ["GET", "/pets/dog/1", "dogOne", null],
      ["GET", "/pets/dog/2", "dogById", { id: "2" }],
      ["GET", "/pets/cat/1", "pets", { proxy: "cat/1" }],
      ["POST", "/pets/dog/1", "anyProxy", { proxy: "pets/dog/1" }],
      ["GET", "/pets", "anyProxy", { proxy: "pets" }],
      ["GET", "/things", "thingsGet", null],
      ["PUT", "/things", "thingsAny", null],
      ["GET", "/", "fallback", null],
    ];
    for (const [method, path, fn, pathParameters] of cases) {
      const response = await gateway.send(method, path);
      expect(response.json(), `${method} ${path}`).toMatchObject({ fn, pathParameters });
    }
    expect((await gateway.send("GET", "/")).json().routeKey).toBe("$default");
  });

  it("REST API: a literal over a variable over a greedy variable, an exact method over ANY", async () => {
    gateway = await startGateway("routing-rest");
    const cases: [string, string, string, string][] = [
      ["GET", "/shop/items/special", "special", "/shop/items/special"],
      ["GET", "/shop/items/42", "item", "/shop/items/{id}"],
      ["POST", "/shop/items/42", "itemPost", "/shop/items/{id}"],
      ["DELETE", "/shop/items/42", "shop", "/shop/{proxy+}"],
      ["GET", "/shop/a/b/c", "shop", "/shop/{proxy+}"],
      ["GET", "/", "root", "/"],
    ];
    for (const [method, path, fn, resource] of cases) {
      const response = await gateway.send(method, path);
      expect(response.json(), `${method} ${path}`).toMatchObject({ fn, resource });
    }
  });
});
