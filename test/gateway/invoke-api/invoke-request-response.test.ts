// Invoke with InvocationType RequestResponse through @aws-sdk/client-lambda (API_Invoke, docs/lambda-behaviour.md §3.1):
// HTTP 200 whatever the function did, the function's bytes as the body, X-Amz-Executed-Version, X-Amz-Function-Error
// on a function error, the log tail on request, and the client context handed to the handler.
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, startApiServer } from "./invoke-api-server.js";

describe("Invoke (RequestResponse)", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer();
  });
  afterAll(() => server.close());

  it("answers 200 with the function's bytes exactly and the executed version", async () => {
    const payload = Buffer.from('{"text":"héllo ✓ \\"quoted\\"","list":[1,2.5,null,true],"nested":{"a":{}}}');
    const output = await server.client().send(new InvokeCommand({ FunctionName: "echo", Payload: payload }));
    expect(output.StatusCode).toBe(200);
    expect(output.ExecutedVersion).toBe("$LATEST");
    expect(output.FunctionError).toBeUndefined();
    expect(Buffer.from(output.Payload ?? new Uint8Array())).toEqual(payload);
  });

  it("reports a function error with status 200, FunctionError Unhandled and the error object as payload", async () => {
    const output = await server
      .client()
      .send(new InvokeCommand({ FunctionName: "fail", Payload: Buffer.from("{}") }));
    expect(output.StatusCode).toBe(200);
    expect(output.FunctionError).toBe("Unhandled");
    const error = JSON.parse(Buffer.from(output.Payload ?? new Uint8Array()).toString("utf8"));
    expect(error).toMatchObject({ errorType: "TypeError", errorMessage: "deliberate failure" });
    expect(error.trace[0]).toContain("TypeError: deliberate failure");
  });

  it("returns the log tail from START to REPORT with LogType Tail, under the answer's request id", async () => {
    const output = await server.client().send(
      new InvokeCommand({
        FunctionName: "chatty",
        LogType: "Tail",
        Payload: Buffer.from('{"word":"quack"}'),
      }),
    );
    const tail = Buffer.from(output.LogResult ?? "", "base64").toString("utf8");
    const requestId = output.$metadata.requestId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(tail).toContain(`START RequestId: ${requestId} Version: $LATEST`);
    expect(tail).toContain("chatty says quack");
    expect(tail).toMatch(new RegExp(`REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms`));
  });

  it("sends no log tail unless asked", async () => {
    const output = await server
      .client()
      .send(new InvokeCommand({ FunctionName: "chatty", Payload: Buffer.from("{}") }));
    expect(output.LogResult).toBeUndefined();
  });

  it("hands X-Amz-Client-Context to the handler as context.clientContext", async () => {
    const clientContext = {
      client: { installation_id: "install-1", app_title: "Lambkin" },
      custom: { tier: "gold" },
    };
    const output = await server.client().send(
      new InvokeCommand({
        FunctionName: "clientContext",
        ClientContext: Buffer.from(JSON.stringify(clientContext)).toString("base64"),
        Payload: Buffer.from("{}"),
      }),
    );
    expect(JSON.parse(Buffer.from(output.Payload ?? new Uint8Array()).toString("utf8"))).toEqual(
      clientContext,
    );
  });

  it("treats an empty payload as {}", async () => {
    const output = await server.client().send(new InvokeCommand({ FunctionName: "echo" }));
    expect(Buffer.from(output.Payload ?? new Uint8Array()).toString("utf8")).toBe("{}");
  });
});
