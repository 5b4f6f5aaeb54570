// Invoke with InvocationType Event and DryRun, and the legacy InvokeAsync (API_Invoke, API_InvokeAsync): Event
// answers 202 with an empty body at once and the function runs afterwards; DryRun answers 204 and runs nothing;
// InvokeAsync answers 202 {"Status":202}. All three validate the request first, like a synchronous call.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { InvokeAsyncCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, rejectionOf, startApiServer } from "./invoke-api-server.js";

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Where the `record` function reports that it ran: an HTTP endpoint on the host's loopback (a function
 * in the process sandbox has a /tmp and a file system of its own, but shares the host's network).
 */
const records = new Map<string, string>();
const collector = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on("end", () => {
    records.set(request.url ?? "", body);
    response.end();
  });
});
const recordUrl = (name: string) => `http://127.0.0.1:${(collector.address() as AddressInfo).port}/${name}`;
const recorded = (url: string) => async () => {
  const body = records.get(new URL(url).pathname);
  return body === undefined ? undefined : (JSON.parse(body) as { event: unknown; requestId: string });
};

describe("Invoke (Event, DryRun) and InvokeAsync", () => {
  let server: ApiServer;
  beforeAll(async () => {
    server = await startApiServer();
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    collector.close();
    await server.close();
  });

  it("Event: answers 202 with an empty body, then runs the function under the answer's request id", async () => {
    const url = recordUrl("event");
    const output = await server.client().send(
      new InvokeCommand({
        FunctionName: "record",
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify({ url })),
      }),
    );
    expect(output.StatusCode).toBe(202);
    expect(output.Payload?.length ?? 0).toBe(0);
    const run = await eventually(recorded(url));
    expect(run.event).toEqual({ url });
    expect(run.requestId).toBe(output.$metadata.requestId);
  });

  it("Event: answers at once, without waiting for the function", async () => {
    const started = Date.now();
    const response = await server.fetch("/2015-03-31/functions/record/invocations", {
      method: "POST",
      headers: { "X-Amz-Invocation-Type": "Event" },
      body: JSON.stringify({ url: recordUrl("fast") }),
    });
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("Event: validates before accepting (unknown function, 1 MB async limit)", async () => {
    const missing = await rejectionOf(
      server
        .client()
        .send(
          new InvokeCommand({ FunctionName: "missing", InvocationType: "Event", Payload: Buffer.from("{}") }),
        ),
    );
    expect(missing.name).toBe("ResourceNotFoundException");
    const big = Buffer.from(JSON.stringify({ pad: "x".repeat(1024 * 1024) }));
    const tooLarge = await rejectionOf(
      server
        .client()
        .send(new InvokeCommand({ FunctionName: "echo", InvocationType: "Event", Payload: big })),
    );
    expect(tooLarge.name).toBe("RequestTooLargeException");
    expect(tooLarge.message).toBe(
      "Request must be smaller than 1048576 bytes for the InvokeFunction operation",
    );
  });

  it("DryRun: answers 204 and runs nothing", async () => {
    const url = recordUrl("dry-run");
    const output = await server.client().send(
      new InvokeCommand({
        FunctionName: "record",
        InvocationType: "DryRun",
        Payload: Buffer.from(JSON.stringify({ url })),
      }),
    );
    expect(output.StatusCode).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await recorded(url)()).toBeUndefined();
  });

  it("DryRun: still refuses what a real call would refuse", async () => {
    const error = await rejectionOf(
      server.client().send(
        new InvokeCommand({
          FunctionName: "echo",
          InvocationType: "DryRun",
          Payload: Buffer.from("{nope"),
        }),
      ),
    );
    expect(error.name).toBe("InvalidRequestContentException");
  });

  it("InvokeAsync (aws-sdk-js-v3 path): 202 {Status: 202}, and the function runs", async () => {
    const url = recordUrl("legacy");
    const output = await server
      .client()
      .send(
        new InvokeAsyncCommand({ FunctionName: "record", InvokeArgs: Buffer.from(JSON.stringify({ url })) }),
      );
    expect(output.Status).toBe(202);
    expect((await eventually(recorded(url))).event).toEqual({ url });
  });

  it('InvokeAsync (botocore path, trailing slash): 202 with body {"Status":202}', async () => {
    const response = await server.fetch("/2014-11-13/functions/echo/invoke-async/", {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ Status: 202 });
  });
});
