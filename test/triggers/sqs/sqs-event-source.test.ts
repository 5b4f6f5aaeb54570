/**
 * Lambda's SQS event source mapping (docs/lambda-behaviour.md §6.4) against the real embedded SQS store and real
 * functions in the process sandbox: the event shape (Powertools' SqsSchema, AWS's documented record), deletes on
 * success, redelivery with a higher receive count after a failure and redrive to the dead-letter queue, partial
 * batch responses with each of Lambda's rules, batching windows, filters that delete, FIFO order, and a disabled
 * mapping. The Invocations port is the real one; the test only watches what goes through it.
 */
import { SqsRecordSchema, SqsSchema } from "@aws-lambda-powertools/parser/schemas/sqs";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InvocationRequest } from "../../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../../runtime/invocation/invocations.js";
import { registryResolver } from "../../../runtime/invocation/resolve-function.js";
import type { InvokeResult } from "../../../runtime/invoker/invoker.js";
import { type LambkinRuntime, startRuntime } from "../../../runtime/lambkin-runtime.js";
import {
  type SqsEventSources,
  startSqsEventSources,
} from "../../../triggers/sqs/event-source/start-sqs-event-sources.js";
import { ROOT } from "../../cli/cluster-process.js";
import { type LocalBackend, localBackend } from "../../gateway/local-backend.js";
import { eventually } from "../../support/eventually.js";

interface Seen {
  readonly request: InvocationRequest;
  readonly result: InvokeResult;
}
type SqsTestEvent = { Records: { messageId: string; body: string; attributes: Record<string, string> }[] };

describe("SQS event source mappings", () => {
  let runtime: LambkinRuntime;
  let local: LocalBackend;
  let sqs: SqsEventSources;
  const seen: Seen[] = [];

  beforeAll(async () => {
    runtime = await startRuntime({
      dir: `${ROOT}/test/fixtures/sqs-events`,
      logger: pino({ level: "silent" }),
      env: {},
    });
    local = await localBackend(runtime);
    const real = local.backend.invocations;
    const watched: Invocations = {
      run: async (request) => {
        const result = await real.run(request);
        seen.push({ request, result });
        return result;
      },
      enqueue: (request) => real.enqueue(request),
    };
    sqs = await startSqsEventSources({
      services: runtime.services,
      jobQueue: local.queue,
      invocations: watched,
      functions: registryResolver(runtime.registry),
      logger: pino({ level: "silent" }),
    });
  });
  afterAll(async () => {
    await sqs?.close();
    await local?.close();
    await runtime?.close();
  });

  const eventsOf = (key: string): SqsTestEvent[] =>
    seen
      .filter((entry) => entry.request.functionName === `sqsevents-dev-${key}`)
      .map((entry) => JSON.parse(entry.request.payload.toString()) as SqsTestEvent);
  const bodiesOf = (key: string) =>
    eventsOf(key).flatMap((event) => event.Records.map((record) => record.body));
  const send = async (queue: string, ...bodies: string[]) => {
    for (let start = 0; start < bodies.length; start += 10) {
      const results = await sqs.store.sendMessages(
        queue,
        bodies.slice(start, start + 10).map((body) => ({
          body,
          ...(queue.endsWith(".fifo") ? { messageGroupId: body.split(":")[1] ?? "g" } : {}),
        })),
      );
      expect(results.every((result) => result.ok)).toBe(true);
    }
  };
  const waitingIn = async (queue: string) => {
    const counts = await sqs.store.counts(queue);
    return counts;
  };

  it("creates the declared queues, the redrive policy pointing at its dead-letter queue", async () => {
    const attributes = await sqs.store.getQueueAttributes("flaky");
    expect(attributes.VisibilityTimeout).toBe("1");
    expect(JSON.parse(attributes.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: "arn:aws:sqs:eu-west-1:000000000000:flaky-dead-letters",
      maxReceiveCount: 2,
    });
    expect((await sqs.store.getQueueAttributes("orders.fifo")).FifoQueue).toBe("true");
    expect(sqs.polling).toBe(6);
    expect(sqs.declaredQueues).toBe(8);
  });

  it("invokes with AWS's SQS event, and deletes the batch when the function succeeds", async () => {
    await sqs.store.sendMessages("jobs", [
      {
        body: '{"hello":"world"}',
        messageAttributes: {
          color: { DataType: "String", StringValue: "blue" },
          raw: { DataType: "Binary", BinaryValue: Buffer.from([1, 2, 3]) },
        },
      },
    ]);
    await eventually(async () => expect(eventsOf("consume")).toHaveLength(1));
    const [event] = eventsOf("consume");
    expect(SqsSchema.parse(event)).toEqual(event);
    const record = event?.Records[0] as unknown as Record<string, unknown>;
    expect(SqsRecordSchema.strict().parse(record)).toEqual(record);
    expect(record).toMatchObject({
      body: '{"hello":"world"}',
      md5OfBody: "fbc24bcc7a1794758fc1327fcfebdaf6",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:000000000000:jobs",
      awsRegion: "eu-west-1",
      attributes: { ApproximateReceiveCount: "1", SenderId: "000000000000" },
      messageAttributes: {
        color: { stringValue: "blue", stringListValues: [], binaryListValues: [], dataType: "String" },
        raw: { binaryValue: "AQID", stringListValues: [], binaryListValues: [], dataType: "Binary" },
      },
    });
    expect(record.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    await eventually(async () =>
      expect(await waitingIn("jobs")).toMatchObject({ visible: 0, notVisible: 0 }),
    );
  });

  it("returns a failed batch to the queue, receives it again, and redrives it past maxReceiveCount", async () => {
    await send("flaky", "doomed");
    await eventually(async () => expect(bodiesOf("failing")).toEqual(["doomed", "doomed"]), 15_000);
    const counts = eventsOf("failing").map((event) => event.Records[0]?.attributes.ApproximateReceiveCount);
    expect(counts).toEqual(["1", "2"]);
    await eventually(async () => {
      const [dead] = await sqs.store.receiveMessages("flaky-dead-letters", { maxNumberOfMessages: 1 });
      expect(dead?.body).toBe("doomed");
      expect(dead?.attributes.DeadLetterQueueSourceArn).toBe("arn:aws:sqs:eu-west-1:000000000000:flaky");
    }, 10_000);
    expect(bodiesOf("failing")).toHaveLength(2);
  });

  it("with ReportBatchItemFailures, deletes what succeeded and gets back only what was reported", async () => {
    await send("partial-jobs", "ok-1", "fail-2", "ok-3");
    await eventually(
      async () => expect(bodiesOf("partial").filter((body) => body === "fail-2")).toHaveLength(2),
      15_000,
    );
    expect(bodiesOf("partial").filter((body) => body.startsWith("ok"))).toEqual(["ok-1", "ok-3"]);
  });

  it("treats an itemIdentifier that names no message of the batch as the whole batch failing", async () => {
    const before = bodiesOf("partial").length;
    await send("partial-jobs", "bogus");
    await eventually(
      async () =>
        expect(
          bodiesOf("partial")
            .slice(before)
            .filter((b) => b === "bogus"),
        ).toHaveLength(2),
      15_000,
    );
    // Delete it for good: it would come back forever.
    await sqs.store.purgeQueue("partial-jobs");
  });

  it("fills a batch during the batching window", async () => {
    await send("bulk", ...Array.from({ length: 25 }, (_, index) => `bulk-${index}`));
    await eventually(async () => expect(bodiesOf("batched")).toHaveLength(25), 15_000);
    // One receive brings at most 10; two pollers share 25 messages, so one of them gathered at least 13 during
    // its window — more than a single receive could bring.
    const largest = Math.max(...eventsOf("batched").map((event) => event.Records.length));
    expect(largest).toBeGreaterThan(10);
  });

  it("deletes messages no filter matches, without invoking", async () => {
    await send("filtered", '{"kind":"drop"}', '{"kind":"keep","n":1}', "not json");
    await eventually(async () => expect(bodiesOf("filtered")).toEqual(['{"kind":"keep","n":1}']));
    await eventually(async () =>
      expect(await waitingIn("filtered")).toMatchObject({ visible: 0, notVisible: 0 }),
    );
  });

  it("keeps a FIFO group's order: a failed message holds back the rest of its group, not other groups", async () => {
    await send("orders.fifo", "a1:A", "fail-a2:A", "a3:A", "b1:B", "b2:B");
    await eventually(
      async () =>
        expect(bodiesOf("ordered").filter((body) => body === "fail-a2:A").length).toBeGreaterThanOrEqual(2),
      15_000,
    );
    const groupA = bodiesOf("ordered").filter((body) => body.endsWith(":A"));
    // a3 is never handled before fail-a2 (it would be out of order).
    expect(groupA.indexOf("a3:A") === -1 || groupA.indexOf("a3:A") > groupA.indexOf("fail-a2:A")).toBe(true);
    expect(groupA[0]).toBe("a1:A");
    const groupB = bodiesOf("ordered").filter((body) => body.endsWith(":B"));
    expect(groupB.slice(0, 2)).toEqual(["b1:B", "b2:B"]);
    await sqs.store.purgeQueue("orders.fifo");
  });

  it("polls nothing for a disabled mapping", async () => {
    await send("idle", "waiting");
    await eventually(async () => expect(bodiesOf("consume").length).toBeGreaterThan(0));
    expect(await waitingIn("idle")).toMatchObject({ visible: 1 });
    expect(eventsOf("disabled")).toEqual([]);
  });
});
