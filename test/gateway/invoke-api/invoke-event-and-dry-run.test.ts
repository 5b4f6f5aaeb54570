// Invoke with InvocationType Event and DryRun, and the legacy InvokeAsync (API_Invoke, API_InvokeAsync): Event
// answers 202 with an empty body at once and the function runs afterwards; DryRun answers 204 and runs nothing;
// InvokeAsync answers 202 {"Status":202}. All three validate the request first, like a synchronous call.
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

const recorded = (path: string) => async () =>
  existsSync(path)
    ? (JSON.parse(await readFile(path, "utf8")) as { event: unknown; requestId: string })
    : undefined;

describe("Invoke (Event, DryRun) and InvokeAsync", () => {
  let server: ApiServer;
  let dir: string;
  beforeAll(async () => {
    server = await startApiServer();
    dir = await mkdtemp(join(tmpdir(), "lambkin-event-"));
  });
  afterAll(() => server.close());

  it("Event: answers 202 with an empty body, then runs the function under the answer's request id", async () => {
    const path = join(dir, "event.json");
    const output = await server.client().send(
      new InvokeCommand({
        FunctionName: "record",
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify({ path })),
      }),
    );
    expect(output.StatusCode).toBe(202);
    expect(output.Payload?.length ?? 0).toBe(0);
    const run = await eventually(recorded(path));
    expect(run.event).toEqual({ path });
    expect(run.requestId).toBe(output.$metadata.requestId);
  });

  it("Event: answers at once, without waiting for the function", async () => {
    const started = Date.now();
    const response = await server.fetch("/2015-03-31/functions/record/invocations", {
      method: "POST",
      headers: { "X-Amz-Invocation-Type": "Event" },
      body: JSON.stringify({ path: join(dir, "fast.json") }),
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
    const path = join(dir, "dry-run.json");
    const output = await server.client().send(
      new InvokeCommand({
        FunctionName: "record",
        InvocationType: "DryRun",
        Payload: Buffer.from(JSON.stringify({ path })),
      }),
    );
    expect(output.StatusCode).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(existsSync(path)).toBe(false);
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
    const path = join(dir, "legacy.json");
    const output = await server
      .client()
      .send(
        new InvokeAsyncCommand({ FunctionName: "record", InvokeArgs: Buffer.from(JSON.stringify({ path })) }),
      );
    expect(output.Status).toBe(202);
    expect((await eventually(recorded(path))).event).toEqual({ path });
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
