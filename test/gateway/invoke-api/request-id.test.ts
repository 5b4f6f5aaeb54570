// Every Lambda API answer carries x-amzn-RequestId, errors included, as AWS's do; for an invocation it is the
// invocation's own request id (context.awsRequestId, the START/END/REPORT lines).
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "./invoke-api-server.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("x-amzn-RequestId", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer();
  });
  afterAll(() => server.close());

  it.each([
    ["an invocation", "/2015-03-31/functions/echo/invocations", "POST", 200],
    ["a function error", "/2015-03-31/functions/fail/invocations", "POST", 200],
    ["a service error", "/2015-03-31/functions/missing/invocations", "POST", 404],
    ["a validation error", "/2015-03-31/functions/..%2Fx/invocations", "POST", 400],
    ["a control-plane read", "/2015-03-31/functions/", "GET", 200],
  ])("is on %s", async (_what, path, method, status) => {
    const response = await server.fetch(path, { method, ...(method === "POST" ? { body: "{}" } : {}) });
    expect(response.status).toBe(status);
    expect(response.headers.get("x-amzn-requestid")).toMatch(UUID);
  });

  it("is a new id for every request", async () => {
    const ids = new Set<string | null>();
    for (let i = 0; i < 3; i++)
      ids.add((await server.fetch("/2015-03-31/functions/")).headers.get("x-amzn-requestid"));
    expect(ids.size).toBe(3);
  });

  it("is the invocation's request id, as the function sees it", async () => {
    const output = await server.client().send(new InvokeCommand({ FunctionName: "chatty", LogType: "Tail" }));
    const tail = Buffer.from(output.LogResult ?? "", "base64").toString("utf8");
    expect(tail).toContain(`END RequestId: ${output.$metadata.requestId}`);
  });
});
