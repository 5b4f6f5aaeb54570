// ListFunctions (API_ListFunctions): every loaded function as a FunctionConfiguration subset, in name order, at most
// MaxItems (and 50) per page with a NextMarker while more follow; served with and without the trailing slash
// (botocore sends `/2015-03-31/functions/`, aws-sdk-js-v3 `/2015-03-31/functions`).
import { ListFunctionsCommand, paginateListFunctions } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "./invoke-api-server.js";

const ALL_NAMES = [
  "invoke-api-dev-chatty",
  "invoke-api-dev-clientContext",
  "invoke-api-dev-echo",
  "invoke-api-dev-fail",
  "invoke-api-dev-record",
  "invoke-api-dev-reserved",
  "invoke-api-dev-throttled",
  "lambkin-invoke-api-fixture-with-a-function-name-of-64-characters",
];

describe("ListFunctions", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer();
  });
  afterAll(() => server.close());

  it("lists every function, in name order, without a NextMarker when all fit", async () => {
    const output = await server.client().send(new ListFunctionsCommand({}));
    expect(output.Functions?.map((fn) => fn.FunctionName)).toEqual(ALL_NAMES);
    expect(output.NextMarker).toBeUndefined();
  });

  it("pages with MaxItems and Marker until NextMarker is absent", async () => {
    const client = server.client();
    const first = await client.send(new ListFunctionsCommand({ MaxItems: 3 }));
    expect(first.Functions?.map((fn) => fn.FunctionName)).toEqual(ALL_NAMES.slice(0, 3));
    expect(first.NextMarker).toEqual(expect.any(String));
    const second = await client.send(new ListFunctionsCommand({ MaxItems: 3, Marker: first.NextMarker }));
    expect(second.Functions?.map((fn) => fn.FunctionName)).toEqual(ALL_NAMES.slice(3, 6));
    const third = await client.send(new ListFunctionsCommand({ MaxItems: 3, Marker: second.NextMarker }));
    expect(third.Functions?.map((fn) => fn.FunctionName)).toEqual(ALL_NAMES.slice(6));
    expect(third.NextMarker).toBeUndefined();
  });

  it("works with the SDK's paginator", async () => {
    const names: string[] = [];
    for await (const page of paginateListFunctions({ client: server.client(), pageSize: 2 }, {})) {
      expect(page.Functions?.length).toBeLessThanOrEqual(2);
      names.push(...(page.Functions ?? []).map((fn) => fn.FunctionName ?? ""));
    }
    expect(names).toEqual(ALL_NAMES);
  });

  it("describes each function with the fields ListFunctions returns (no State / LastUpdateStatus)", async () => {
    const output = await server.client().send(new ListFunctionsCommand({}));
    const echo = output.Functions?.find((fn) => fn.FunctionName === "invoke-api-dev-echo");
    expect(echo).toMatchObject({
      FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:invoke-api-dev-echo",
      Runtime: "nodejs20.x",
      Handler: "handlers.echo",
      Timeout: 10,
      MemorySize: 128,
      Version: "$LATEST",
      PackageType: "Zip",
      Environment: { Variables: { GREETING: "hello" } },
    });
    expect(echo?.State).toBeUndefined();
    expect(echo?.LastUpdateStatus).toBeUndefined();
  });

  it("answers the same on /2015-03-31/functions/ and /2015-03-31/functions", async () => {
    const withSlash = await server.fetch("/2015-03-31/functions/?MaxItems=2");
    const withoutSlash = await server.fetch("/2015-03-31/functions?MaxItems=2");
    expect(withSlash.status).toBe(200);
    expect(withoutSlash.status).toBe(200);
    const a = (await withSlash.json()) as { Functions: { FunctionName: string }[] };
    const b = (await withoutSlash.json()) as { Functions: { FunctionName: string }[] };
    expect(a.Functions.map((fn) => fn.FunctionName)).toEqual(ALL_NAMES.slice(0, 2));
    expect(b.Functions.map((fn) => fn.FunctionName)).toEqual(ALL_NAMES.slice(0, 2));
  });

  it("refuses MaxItems outside 1–10000 with a ValidationException", async () => {
    const response = await server.fetch("/2015-03-31/functions/?MaxItems=0");
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("ValidationException");
    expect(await response.json()).toEqual({
      message:
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    });
  });
});
