// Asynchronous invocation as Lambda runs it (docs/lambda-behaviour.md §5), end to end: the AWS SDK sends
// Invoke(Event) to a real gateway, the event is stored in a real embedded queue (SQLite), a consumer runs it in a
// process sandbox, and the function log, the dead letters and the destination function show what happened.
// Retry delays are 0 s (LAMBKIN_ASYNC_RETRY_DELAYS' role) so that the whole retry sequence runs within a test.
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway } from "../../../gateway/gateway-app.js";
import { buildInvocationRequest } from "../../../runtime/invocation/invocation-request.js";
import { registryResolver } from "../../../runtime/invocation/resolve-function.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import type { FunctionLogSink } from "../../../runtime/logs/function-log-sink.js";
import { toQueuedInvocation } from "../../../triggers/async/queued-request.js";
import type { DeadLetter } from "../../../triggers/queue/interfaces/job-queue.js";
import { QUEUED_INVOCATION_VERSION } from "../../../triggers/queue/interfaces/queued-invocation.js";
import { type LocalBackend, localBackend } from "../../gateway/local-backend.js";
import { eventually } from "../../support/eventually.js";

const FIXTURE = new URL("../../fixtures/async", import.meta.url).pathname;

interface LogLine {
  readonly fn: string;
  readonly requestId: string | undefined;
  readonly text: string;
}

describe("asynchronous invocation (Invoke Event) through the queue", () => {
  const lines: LogLine[] = [];
  const sink: FunctionLogSink = { line: (fn, requestId, text) => lines.push({ fn, requestId, text }) };
  let runtime: LambkinRuntime;
  let local: LocalBackend;
  let app: FastifyInstance;
  let client: LambdaClient;

  beforeAll(async () => {
    runtime = await startRuntime({
      dir: FIXTURE,
      logger: pino({ level: "silent" }),
      functionLogs: sink,
      env: {},
    });
    local = await localBackend(runtime);
    app = await createGateway({ backend: local.backend, logger: pino({ level: "silent" }) });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = app.server.address() as { port: number };
    client = new LambdaClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDASYNC", secretAccessKey: "secret" },
      maxAttempts: 1,
    });
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await app?.close();
    await local?.close();
    await runtime?.close();
  });

  const invokeEvent = async (functionName: string, payload: unknown): Promise<string> => {
    const response = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    expect(response.StatusCode).toBe(202);
    const requestId = response.$metadata.requestId;
    if (!requestId) throw new Error("no request id");
    return requestId;
  };
  const starts = (requestId: string) =>
    lines.filter((line) => line.text.startsWith(`START RequestId: ${requestId}`));
  const deadLetterOf = async (requestId: string): Promise<DeadLetter> =>
    eventually(async () => {
      const found = (await local.queue.deadLetters.list()).find(
        (letter) => letter.invocation?.requestId === requestId,
      );
      if (!found) throw new Error(`no dead letter for ${requestId} yet`);
      return found;
    });
  // biome-ignore lint/suspicious/noExplicitAny: tests read the record freely
  const recordFor = async (requestId: string): Promise<Record<string, any>> =>
    eventually(async () => {
      for (const line of lines) {
        if (line.fn !== "async-dev-recorder" || !line.text.includes("RECORD ")) continue;
        const record = JSON.parse(line.text.slice(line.text.indexOf("RECORD ") + 7));
        if (record.requestContext?.requestId === requestId) return record;
      }
      throw new Error(`no record for ${requestId} yet`);
    });

  it("a function that always fails runs exactly 1 + 2 times, then its event is kept as a dead letter with every attempt's error", async () => {
    const requestId = await invokeEvent("alwaysFails", { order: 7 });
    const letter = await deadLetterOf(requestId);
    expect(letter.condition).toBe("RetriesExhausted");
    expect(letter.attempts).toBe(3);
    expect(letter.errors.map((error) => [error.attempt, error.requestId, error.errorType])).toEqual([
      [1, requestId, "Error"],
      [2, requestId, "Error"],
      [3, requestId, "Error"],
    ]);
    expect(letter.errors[0]?.errorMessage).toBe('boom: {"order":7}');
    expect(JSON.parse(letter.invocation?.payload ?? "")).toEqual({ order: 7 });
    // Every retry keeps the event's request id, as on Lambda; and there was no fourth run.
    expect(starts(requestId)).toHaveLength(3);
  });

  it("maximumRetryAttempts 0: one attempt only", async () => {
    const requestId = await invokeEvent("noRetry", {});
    const letter = await deadLetterOf(requestId);
    expect(letter.attempts).toBe(1);
    expect(starts(requestId)).toHaveLength(1);
  });

  it("a function that always times out: 1 + maximumRetryAttempts attempts, each a Sandbox.Timedout", async () => {
    const requestId = await invokeEvent("timesOut", {});
    const letter = await deadLetterOf(requestId);
    expect(letter.condition).toBe("RetriesExhausted");
    expect(letter.errors.map((error) => error.errorType)).toEqual(["Sandbox.Timedout", "Sandbox.Timedout"]);
    expect(starts(requestId)).toHaveLength(2);
  }, 30_000);

  it("onFailure: the destination function receives Lambda's invocation record, and nothing is dead-lettered", async () => {
    const requestId = await invokeEvent("failsToDestination", { id: "x" });
    const record = await recordFor(requestId);
    expect(record).toEqual({
      version: "1.0",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      requestContext: {
        requestId,
        functionArn: "arn:aws:lambda:us-east-1:000000000000:function:async-dev-failsToDestination:$LATEST",
        condition: "RetriesExhausted",
        approximateInvokeCount: 2,
      },
      requestPayload: { id: "x" },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: expect.objectContaining({ errorType: "Error", errorMessage: 'boom: {"id":"x"}' }),
    });
    expect(starts(requestId)).toHaveLength(2);
    expect(
      (await local.queue.deadLetters.list()).some((letter) => letter.invocation?.requestId === requestId),
    ).toBe(false);
  });

  it("onSuccess: the destination function receives the Success record with the response", async () => {
    const requestId = await invokeEvent("succeedsToDestination", { a: 1 });
    const record = await recordFor(requestId);
    expect(record.requestContext).toEqual({
      requestId,
      functionArn: "arn:aws:lambda:us-east-1:000000000000:function:async-dev-succeedsToDestination:$LATEST",
      condition: "Success",
      approximateInvokeCount: 1,
    });
    expect(record.requestPayload).toEqual({ a: 1 });
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: "$LATEST" });
    expect(record.responsePayload).toEqual({ echoed: { a: 1 } });
  });

  it("a destination that does not exist: the event is kept as a dead letter that says why", async () => {
    const requestId = await invokeEvent("failsToMissingDestination", {});
    const letter = await deadLetterOf(requestId);
    expect(letter.condition).toBe("RetriesExhausted");
    expect(letter.reason).toContain("the destination function noSuchFunction");
    expect(letter.reason).toContain("does not exist");
  });

  it("an onError queue this process cannot reach (no SQS store): the event is kept as a dead letter, not lost", async () => {
    const requestId = await invokeEvent("failsToQueue", {});
    const letter = await deadLetterOf(requestId);
    expect(letter.reason).toContain(
      "arn:aws:sqs:us-east-1:000000000000:dead-letters (functions.failsToQueue.onError) cannot receive it",
    );
  });

  it("reservedConcurrency 0: the event goes straight to the failure path, never run", async () => {
    const requestId = await invokeEvent("reservedZero", {});
    const letter = await deadLetterOf(requestId);
    expect(letter.attempts).toBe(0);
    expect(letter.reason).toContain("reserved concurrency is 0");
    expect(starts(requestId)).toHaveLength(0);
  });

  it("throttled events wait for capacity: with reservedConcurrency 1, four events all run, one at a time", async () => {
    const ids = await Promise.all([1, 2, 3, 4].map((n) => invokeEvent("reservedOne", { n })));
    await eventually(async () => {
      const ended = lines.filter(
        (line) => line.fn === "async-dev-reservedOne" && line.text.includes("HOLD-END"),
      );
      if (ended.length < 4) throw new Error(`${ended.length} of 4 ran`);
    }, 60_000);
    let running = 0;
    let most = 0;
    for (const line of lines.filter((entry) => entry.fn === "async-dev-reservedOne")) {
      if (line.text.includes("HOLD-START")) most = Math.max(most, ++running);
      if (line.text.includes("HOLD-END")) running -= 1;
    }
    expect(most).toBe(1);
    for (const id of ids) expect(starts(id)).toHaveLength(1);
    expect(
      (await local.queue.deadLetters.list()).filter((letter) =>
        ids.includes(letter.invocation?.requestId ?? ""),
      ),
    ).toEqual([]);
  }, 90_000);

  it("an event older than maximumEventAge is not run: EventAgeExceeded", async () => {
    const request = buildInvocationRequest(registryResolver(runtime.registry), {
      reference: "noRetry",
      payload: "{}",
      invocationType: "Event",
      source: "test",
    });
    // Accepted 7 hours ago: older than the default maximumEventAge of 6 hours.
    await local.queue.enqueue(toQueuedInvocation(request, Date.now() - 7 * 3600_000));
    const letter = await deadLetterOf(request.requestId);
    expect(letter.condition).toBe("EventAgeExceeded");
    expect(letter.attempts).toBe(0);
    expect(starts(request.requestId)).toHaveLength(0);
  });

  it("a queued event whose function is no longer loaded is dead-lettered as FunctionNotFound, never run", async () => {
    await local.queue.enqueue({
      version: QUEUED_INVOCATION_VERSION,
      functionName: "async-dev-removedFunction",
      qualifier: "$LATEST",
      invocationType: "Event",
      payload: "{}",
      payloadEncoding: "utf8",
      requestId: "removed-function-request",
      source: "test",
      enqueuedAt: Date.now(),
    });
    const letter = await deadLetterOf("removed-function-request");
    expect(letter.condition).toBe("FunctionNotFound");
    expect(letter.reason).toContain("async-dev-removedFunction is not loaded");
  });

  it("answers 500 ServiceException, never 202, when the queue cannot store the event", async () => {
    const broken = await startRuntime({ dir: FIXTURE, logger: pino({ level: "silent" }), env: {} });
    const brokenLocal = await localBackend(broken);
    const brokenApp = await createGateway({
      backend: brokenLocal.backend,
      logger: pino({ level: "silent" }),
    });
    await brokenApp.listen({ port: 0, host: "127.0.0.1" });
    const { port } = brokenApp.server.address() as { port: number };
    const brokenClient = new LambdaClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDASYNC", secretAccessKey: "secret" },
      maxAttempts: 1,
    });
    try {
      await brokenLocal.queue.close({ timeoutMs: 0 });
      const error = await brokenClient
        .send(
          new InvokeCommand({ FunctionName: "echo", InvocationType: "Event", Payload: Buffer.from("{}") }),
        )
        .then(
          () => undefined,
          (failure: unknown) => failure as Error & { $metadata?: { httpStatusCode?: number } },
        );
      expect(error?.name).toBe("ServiceException");
      expect(error?.$metadata?.httpStatusCode).toBe(500);
      expect(error?.message).toContain("LKN_ERR_ASYNC_NOT_QUEUED");
    } finally {
      brokenClient.destroy();
      await brokenApp.close();
      await brokenLocal.close();
      await broken.close();
    }
  });
});
