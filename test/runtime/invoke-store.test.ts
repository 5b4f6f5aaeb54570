// The bootstrap's invoke store against its consumers, for real: AWS's own `@aws/lambda-invoke-store` package finds
// it on globalThis.awslambda and reads it, and the AWS SDK v3 sends each scope's trace header
// (its recursion-detection middleware) — two invocations at once in one thread, as on Lambda Managed Instances.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { InvokeStore as AwsInvokeStore, InvokeStoreBase } from "@aws/lambda-invoke-store";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  invokeData,
  MultiInvokeStore,
  SingleInvokeStore,
} from "../../runtime/bootstrap/node/invoke-store.js";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = (n: number) => ({
  requestId: `request-${n}`,
  traceId: `Root=1-00000000-00000000000000000000000${n};Parent=000000000000000${n};Sampled=1`,
  tenantId: `tenant-${n}`,
});

describe("the invoke store and its consumers", () => {
  const store = new MultiInvokeStore();
  const seen = new Map<string, string | string[] | undefined>();
  const server = createServer((request, response) => {
    seen.set(request.url ?? "", request.headers["x-amzn-trace-id"]);
    request.resume();
    response.writeHead(200, { "Content-Type": "application/json" }).end("{}");
  });
  let endpoint = "";

  beforeAll(async () => {
    // What the bootstrap does before user code loads (user-function.ts).
    (globalThis as Record<string, unknown>).awslambda = { InvokeStore: store };
    process.env.AWS_LAMBDA_FUNCTION_NAME = "invoke-store-test";
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.close();
    delete (globalThis as Record<string, unknown>).awslambda;
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  });

  it("@aws/lambda-invoke-store returns the runtime's store, and its protected keys are the store's", async () => {
    const found = await AwsInvokeStore.getInstanceAsync();
    expect(found).toBe(store);
    const views = await Promise.all(
      [1, 2].map((n) =>
        store.run(invokeData(ids(n)), async () => {
          await delay(n === 1 ? 30 : 0);
          return {
            requestId: found.getRequestId(),
            traceId: found.get(InvokeStoreBase.PROTECTED_KEYS.X_RAY_TRACE_ID),
            tenantId: found.getTenantId(),
          };
        }),
      ),
    );
    expect(views).toEqual([ids(1), ids(2)]);
    expect(found.getRequestId()).toBe("-"); // outside any invocation
    expect(() => found.set(InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID, "forged")).toThrow(/protected/);
  });

  it("the AWS SDK sends each invocation's own trace header, even when _X_AMZN_TRACE_ID names another", async () => {
    process.env._X_AMZN_TRACE_ID = "Root=1-ffffffff-ffffffffffffffffffffffff;Sampled=0";
    try {
      const client = new LambdaClient({
        endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
        maxAttempts: 1,
      });
      await Promise.all(
        [1, 2].map((n) =>
          store.run(invokeData(ids(n)), async () => {
            await delay(n === 1 ? 30 : 0);
            await client.send(new InvokeCommand({ FunctionName: `fn-${n}`, Payload: new Uint8Array() }));
          }),
        ),
      );
      client.destroy();
    } finally {
      delete process.env._X_AMZN_TRACE_ID;
    }
    expect(Object.fromEntries(seen)).toEqual({
      "/2015-03-31/functions/fn-1/invocations": ids(1).traceId,
      "/2015-03-31/functions/fn-2/invocations": ids(2).traceId,
    });
  });

  it("one invocation at a time: the current context is the last one run, and set() writes into it", () => {
    const single = new SingleInvokeStore();
    expect(single.getRequestId()).toBe("-");
    single.run(invokeData(ids(1)), () => single.set("mine", 1));
    expect(single.getRequestId()).toBe("request-1");
    expect(single.get("mine")).toBe(1);
    single.run(invokeData(ids(2)), () => undefined);
    expect(single.getRequestId()).toBe("request-2");
    expect(single.get("mine")).toBeUndefined();
  });
});
