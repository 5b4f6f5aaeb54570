/**
 * The SqsStore conformance suite: one contract, run against every adapter (the embedded SQLite store on a real
 * job-queue file, the Redis store on a real redis-server) by the test file of each — a fresh store per test
 * (its own state folder or key prefix). What it checks is SQS's documented behaviour, cited in the adapters.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  isSqsError,
  MESSAGE_LIMITS,
  type ReceivedMessage,
  type SqsErrorKind,
  type SqsStore,
} from "../../../triggers/sqs/interfaces/index.js";
import { eventually } from "../../support/eventually.js";

/** One test's store: the same backing data (folder, prefix) every time it is opened. */
export interface OpenOptions {
  readonly inFlightLimits?: { readonly standard: number; readonly fifo: number };
}

export interface SqsStoreScope {
  open(options?: OpenOptions): Promise<SqsStore>;
  /** Closes `store` (and what holds its backend) and opens the same data again: a restart. */
  reopen(store: SqsStore): Promise<SqsStore>;
  /** Makes every message of `queue` `ms` older (enqueued and sent earlier), straight in the backend. */
  age(store: SqsStore, queue: string, ms: number): Promise<void>;
  dispose(): Promise<void>;
}

export interface SqsStoreBackend {
  readonly name: "embedded" | "redis";
  scope(): Promise<SqsStoreScope>;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

async function expectSqsError(promise: Promise<unknown>, kind: SqsErrorKind): Promise<void> {
  const error = await rejection(promise);
  expect(isSqsError(error) ? error.kind : error).toBe(kind);
}

const REGION = "eu-west-1";

export function describeSqsStoreConformance(backend: SqsStoreBackend): void {
  describe(`SqsStore conformance (${backend.name})`, () => {
    const scopes: SqsStoreScope[] = [];
    const stores: SqsStore[] = [];
    afterEach(async () => {
      for (const store of stores.splice(0)) await store.close().catch(() => undefined);
      for (const scope of scopes.splice(0)) await scope.dispose();
    });

    async function fresh(options?: OpenOptions): Promise<{ store: SqsStore; scope: SqsStoreScope }> {
      const scope = await backend.scope();
      scopes.push(scope);
      const store = await scope.open(options);
      stores.push(store);
      return { store, scope };
    }

    async function send(store: SqsStore, queue: string, body: string, extra: object = {}) {
      const [result] = await store.sendMessages(queue, [{ body, ...extra }]);
      if (!result?.ok) throw result?.error ?? new Error("no result");
      return result;
    }

    async function receiveOne(
      store: SqsStore,
      queue: string,
      visibilityTimeout?: number,
    ): Promise<ReceivedMessage> {
      const [message] = await store.receiveMessages(queue, {
        maxNumberOfMessages: 1,
        ...(visibilityTimeout === undefined ? {} : { visibilityTimeout }),
      });
      if (message === undefined) throw new Error("no message received");
      return message;
    }

    describe("queues", () => {
      it("creates a queue with SQS's defaults, name, ARN and URL path", async () => {
        const { store } = await fresh();
        const queue = await store.createQueue("orders");
        expect(queue).toMatchObject({
          name: "orders",
          arn: `arn:aws:sqs:${REGION}:000000000000:orders`,
          urlPath: "/000000000000/orders",
          fifo: false,
        });
        const attributes = await store.getQueueAttributes("orders");
        expect(attributes).toMatchObject({
          QueueArn: queue.arn,
          VisibilityTimeout: "30",
          MaximumMessageSize: "1048576",
          MessageRetentionPeriod: "345600",
          DelaySeconds: "0",
          ReceiveMessageWaitTimeSeconds: "0",
          ApproximateNumberOfMessages: "0",
          ApproximateNumberOfMessagesNotVisible: "0",
          ApproximateNumberOfMessagesDelayed: "0",
        });
        expect(Number(attributes.CreatedTimestamp)).toBeGreaterThan(1_600_000_000);
        expect(attributes.FifoQueue).toBeUndefined();
      });

      it("is idempotent with the same attributes and refuses other values (QueueAlreadyExists)", async () => {
        const { store } = await fresh();
        const first = await store.createQueue("jobs", { VisibilityTimeout: "60" });
        const again = await store.createQueue("jobs", { VisibilityTimeout: "60" });
        expect(again.arn).toBe(first.arn);
        await store.createQueue("jobs"); // no attributes given: nothing to differ
        const error = await rejection(store.createQueue("jobs", { VisibilityTimeout: "61" }));
        expect(isSqsError(error, "QueueAlreadyExists")).toBe(true);
        expect(isSqsError(error) && error.shape).toMatchObject({
          jsonCode: "QueueNameExists",
          queryCode: "QueueAlreadyExists",
          httpStatus: 400,
        });
      });

      it("checks names and attributes as SQS does", async () => {
        const { store } = await fresh();
        await expectSqsError(store.createQueue("bad name"), "InvalidParameterValue");
        await expectSqsError(store.createQueue("x".repeat(81)), "InvalidParameterValue");
        await expectSqsError(store.createQueue(""), "MissingParameter");
        await expectSqsError(store.createQueue("plain", { FifoQueue: "true" }), "InvalidParameterValue");
        await expectSqsError(store.createQueue("named.fifo"), "InvalidParameterValue");
        await expectSqsError(store.createQueue("q", { Color: "blue" }), "InvalidAttributeName");
        await expectSqsError(store.createQueue("q", { QueueArn: "x" }), "InvalidAttributeName");
        await expectSqsError(
          store.createQueue("q", { ContentBasedDeduplication: "true" }),
          "InvalidAttributeName",
        );
        await expectSqsError(store.createQueue("q", { VisibilityTimeout: "43201" }), "InvalidAttributeValue");
        await expectSqsError(store.createQueue("q", { DelaySeconds: "-1" }), "InvalidAttributeValue");
        await expectSqsError(store.createQueue("q", { MaximumMessageSize: "1023" }), "InvalidAttributeValue");
        await expectSqsError(
          store.createQueue("q", { MaximumMessageSize: "1048577" }),
          "InvalidAttributeValue",
        );
        await expectSqsError(
          store.createQueue("q", { MessageRetentionPeriod: "59" }),
          "InvalidAttributeValue",
        );
        await expectSqsError(
          store.createQueue("q", { ReceiveMessageWaitTimeSeconds: "21" }),
          "InvalidAttributeValue",
        );
        await expectSqsError(store.createQueue("q", { RedrivePolicy: "{not json" }), "InvalidAttributeValue");
        await expectSqsError(
          store.createQueue("q", {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: `arn:aws:sqs:${REGION}:000000000000:none`,
              maxReceiveCount: 3,
            }),
          }),
          "InvalidParameterValue",
        );
        await expectSqsError(store.getQueue("missing"), "QueueDoesNotExist");
        expect((await store.listQueues()).queues).toEqual([]);
      });

      it("changes attributes (not FifoQueue) and lists queues by prefix, page by page", async () => {
        const { store } = await fresh();
        for (const name of ["a-1", "a-2", "a-3", "b-1"]) await store.createQueue(name);
        const changed = await store.setQueueAttributes("a-1", { VisibilityTimeout: "5", DelaySeconds: "2" });
        expect(changed.settings).toMatchObject({ VisibilityTimeout: 5, DelaySeconds: 2 });
        await expectSqsError(store.setQueueAttributes("a-1", { FifoQueue: "true" }), "InvalidAttributeName");
        await expectSqsError(store.setQueueAttributes("nope", { DelaySeconds: "1" }), "QueueDoesNotExist");
        const all = await store.listQueues();
        expect(all.queues.map((q) => q.name)).toEqual(["a-1", "a-2", "a-3", "b-1"]);
        expect(all.nextToken).toBeUndefined();
        const page1 = await store.listQueues({ prefix: "a-", maxResults: 2 });
        expect(page1.queues.map((q) => q.name)).toEqual(["a-1", "a-2"]);
        expect(page1.nextToken).toBeTypeOf("string");
        const page2 = await store.listQueues({
          prefix: "a-",
          maxResults: 2,
          nextToken: page1.nextToken as string,
        });
        expect(page2.queues.map((q) => q.name)).toEqual(["a-3"]);
        expect(page2.nextToken).toBeUndefined();
        await expectSqsError(store.listQueues({ nextToken: "garbage!" }), "InvalidParameterValue");
        await expectSqsError(store.listQueues({ maxResults: 1001 }), "InvalidParameterValue");
      });

      it("purges a queue and deletes one with its messages; old receipt handles then fail", async () => {
        const { store } = await fresh();
        await store.createQueue("p");
        await send(store, "p", "one");
        await send(store, "p", "two");
        const inFlight = await receiveOne(store, "p");
        await store.purgeQueue("p");
        expect(await store.counts("p")).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
        expect(await store.receiveMessages("p")).toEqual([]);
        await send(store, "p", "three");
        await store.deleteQueue("p");
        await expectSqsError(store.getQueue("p"), "QueueDoesNotExist");
        await expectSqsError(store.sendMessages("p", [{ body: "x" }]), "QueueDoesNotExist");
        await store.createQueue("p");
        expect(await store.receiveMessages("p")).toEqual([]);
        await expectSqsError(store.deleteMessage("p", inFlight.receiptHandle), "ReceiptHandleIsInvalid");
      });
    });

    describe("messages", () => {
      it("sends, receives (hidden while in flight) and deletes, with attributes stored verbatim", async () => {
        const { store } = await fresh();
        await store.createQueue("m");
        const before = Date.now();
        const sent = await send(store, "m", "hello", {
          messageAttributes: {
            Kind: { DataType: "String", StringValue: "greeting" },
            Count: { DataType: "Number", StringValue: "42" },
            Blob: { DataType: "Binary.gz", BinaryValue: new Uint8Array([0, 1, 254, 255]) },
          },
          messageSystemAttributes: {
            AWSTraceHeader: { DataType: "String", StringValue: "Root=1-5759e988-bd862e3fe1be46a994272793" },
          },
          senderId: "AIDAEXAMPLE",
        });
        expect(sent.messageId).toMatch(/^[0-9a-f-]{36}$/);
        expect(sent.sequenceNumber).toBeUndefined();
        expect(await store.counts("m")).toEqual({ visible: 1, notVisible: 0, delayed: 0 });
        const message = await receiveOne(store, "m");
        expect(message.messageId).toBe(sent.messageId);
        expect(message.body).toBe("hello");
        expect(message.messageAttributes.Kind).toEqual({ DataType: "String", StringValue: "greeting" });
        expect(message.messageAttributes.Count).toEqual({ DataType: "Number", StringValue: "42" });
        expect(message.messageAttributes.Blob?.DataType).toBe("Binary.gz");
        expect([...(message.messageAttributes.Blob?.BinaryValue ?? [])]).toEqual([0, 1, 254, 255]);
        expect(message.attributes.SenderId).toBe("AIDAEXAMPLE");
        expect(message.attributes.ApproximateReceiveCount).toBe("1");
        expect(message.attributes.AWSTraceHeader).toBe("Root=1-5759e988-bd862e3fe1be46a994272793");
        expect(Number(message.attributes.SentTimestamp)).toBeGreaterThanOrEqual(before);
        expect(Number(message.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
          Number(message.attributes.SentTimestamp),
        );
        expect(await store.receiveMessages("m")).toEqual([]);
        expect(await store.counts("m")).toEqual({ visible: 0, notVisible: 1, delayed: 0 });
        await store.deleteMessage("m", message.receiptHandle);
        await store.deleteMessage("m", message.receiptHandle); // deleting twice succeeds, as SQS
        expect(await store.counts("m")).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
      });

      it("answers batches entry by entry and receives up to ten at a time", async () => {
        const { store } = await fresh();
        await store.createQueue("b", { MaximumMessageSize: "1024" });
        const results = await store.sendMessages("b", [
          { body: "ok-1" },
          { body: "x".repeat(1025) },
          { body: "ok-2" },
        ]);
        expect(results.map((r) => r.ok)).toEqual([true, false, true]);
        expect(results[1]?.ok === false && results[1].error.kind).toBe("InvalidParameterValue");
        for (let i = 0; i < 10; i++) await send(store, "b", `more-${i}`);
        const received = await store.receiveMessages("b", { maxNumberOfMessages: 10 });
        expect(received).toHaveLength(10);
        const deleted = await store.deleteMessages(
          "b",
          [...received.map((m) => m.receiptHandle)].slice(0, 9).concat("bogus"),
        );
        expect(deleted.map((r) => r.ok)).toEqual([
          true,
          true,
          true,
          true,
          true,
          true,
          true,
          true,
          true,
          false,
        ]);
        expect(deleted[9]?.error?.kind).toBe("ReceiptHandleIsInvalid");
      });

      it("stores concurrent sends, and never gives one message to two concurrent receivers", async () => {
        const { store } = await fresh();
        await Promise.all(
          Array.from({ length: 5 }, () => store.createQueue("race", { VisibilityTimeout: "60" })),
        );
        const sent = await Promise.all(
          Array.from({ length: 40 }, (_, i) => store.sendMessages("race", [{ body: `m${i}` }])),
        );
        expect(sent.flat().every((r) => r.ok)).toBe(true);
        expect((await store.counts("race")).visible).toBe(40);
        const seen: string[] = [];
        await Promise.all(
          Array.from({ length: 6 }, async () => {
            for (;;) {
              const batch = await store.receiveMessages("race", { maxNumberOfMessages: 3 });
              if (batch.length === 0) return;
              seen.push(...batch.map((m) => m.body));
            }
          }),
        );
        expect(seen).toHaveLength(40);
        expect(new Set(seen).size).toBe(40);
      });

      it("makes a message visible again after its visibility timeout, counting the receive", async () => {
        const { store } = await fresh();
        await store.createQueue("v", { VisibilityTimeout: "1" });
        await send(store, "v", "again");
        const first = await receiveOne(store, "v");
        const second = await eventually(() => receiveOne(store, "v"), 10_000);
        expect(second.messageId).toBe(first.messageId);
        expect(second.attributes.ApproximateReceiveCount).toBe("2");
        expect(second.attributes.ApproximateFirstReceiveTimestamp).toBe(
          first.attributes.ApproximateFirstReceiveTimestamp,
        );
        expect(second.receiptHandle).not.toBe(first.receiptHandle);
        // The first receive's handle is superseded: SQS answers success but the message may stay.
        await store.deleteMessage("v", first.receiptHandle);
        await expectSqsError(
          store.changeMessageVisibility("v", { receiptHandle: first.receiptHandle, visibilityTimeout: 10 }),
          "InvalidParameterValue",
        );
        await store.deleteMessage("v", second.receiptHandle);
        expect(await store.counts("v")).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
      });

      it("changes a message's visibility: 0 makes it visible at once; not in flight, bad handles refused", async () => {
        const { store } = await fresh();
        await store.createQueue("c");
        await store.createQueue("other");
        await send(store, "c", "vis");
        const first = await receiveOne(store, "c");
        await store.changeMessageVisibility("c", {
          receiptHandle: first.receiptHandle,
          visibilityTimeout: 0,
        });
        const again = await receiveOne(store, "c");
        expect(again.attributes.ApproximateReceiveCount).toBe("2");
        await store.changeMessageVisibility("c", {
          receiptHandle: again.receiptHandle,
          visibilityTimeout: 0,
        });
        await expectSqsError(
          store.changeMessageVisibility("c", { receiptHandle: again.receiptHandle, visibilityTimeout: 0 }),
          "MessageNotInflight",
        );
        await expectSqsError(
          store.changeMessageVisibility("c", { receiptHandle: "not-a-handle", visibilityTimeout: 5 }),
          "ReceiptHandleIsInvalid",
        );
        const third = await receiveOne(store, "c");
        await expectSqsError(
          store.changeMessageVisibility("other", {
            receiptHandle: third.receiptHandle,
            visibilityTimeout: 5,
          }),
          "ReceiptHandleIsInvalid",
        );
        await expectSqsError(
          store.changeMessageVisibility("c", {
            receiptHandle: third.receiptHandle,
            visibilityTimeout: 43_201,
          }),
          "InvalidParameterValue",
        );
        const batch = await store.changeMessageVisibilities("c", [
          { receiptHandle: third.receiptHandle, visibilityTimeout: 0 },
          { receiptHandle: "junk", visibilityTimeout: 0 },
        ]);
        expect(batch.map((r) => r.ok)).toEqual([true, false]);
        await expectSqsError(store.changeMessageVisibilities("c", []), "EmptyBatchRequest");
      });

      it("delays messages: per message and per queue", async () => {
        const { store } = await fresh();
        await store.createQueue("d");
        await send(store, "d", "later", { delaySeconds: 1 });
        expect(await store.receiveMessages("d")).toEqual([]);
        expect(await store.counts("d")).toEqual({ visible: 0, notVisible: 0, delayed: 1 });
        const late = await eventually(() => receiveOne(store, "d"), 10_000);
        expect(late.body).toBe("later");
        await store.createQueue("dq", { DelaySeconds: "1" });
        await send(store, "dq", "queue-delayed");
        expect((await store.counts("dq")).delayed).toBe(1);
        expect((await eventually(() => receiveOne(store, "dq"), 10_000)).body).toBe("queue-delayed");
        const [bad] = await store.sendMessages("d", [{ body: "x", delaySeconds: 901 }]);
        expect(bad?.ok === false && bad.error.kind).toBe("InvalidParameterValue");
      });

      it("moves a message received more than maxReceiveCount times to the dead-letter queue", async () => {
        const { store } = await fresh();
        const dlq = await store.createQueue("dead");
        const source = await store.createQueue("live", {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: "2" }),
        });
        expect(source.settings.RedrivePolicy).toEqual({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 });
        const sent = await send(store, "live", "poison", {
          messageAttributes: { A: { DataType: "String", StringValue: "kept" } },
        });
        expect((await receiveOne(store, "live", 0)).attributes.ApproximateReceiveCount).toBe("1");
        expect((await receiveOne(store, "live", 0)).attributes.ApproximateReceiveCount).toBe("2");
        expect(await store.receiveMessages("live", { visibilityTimeout: 0 })).toEqual([]); // third: redriven
        expect(await store.counts("live")).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
        const dead = await receiveOne(store, "dead");
        expect(dead.messageId).toBe(sent.messageId);
        expect(dead.body).toBe("poison");
        expect(dead.messageAttributes.A).toEqual({ DataType: "String", StringValue: "kept" });
        expect(dead.attributes.DeadLetterQueueSourceArn).toBe(source.arn);
        const attributes = await store.getQueueAttributes("live");
        expect(JSON.parse(attributes.RedrivePolicy ?? "{}")).toEqual({
          deadLetterTargetArn: dlq.arn,
          maxReceiveCount: 2,
        });
        const fifoDlq = await store.createQueue("dead.fifo", { FifoQueue: "true" });
        await expectSqsError(
          store.setQueueAttributes("live", {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: fifoDlq.arn, maxReceiveCount: 2 }),
          }),
          "InvalidParameterValue",
        );
        await expectSqsError(
          store.setQueueAttributes("live", {
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 0 }),
          }),
          "InvalidAttributeValue",
        );
      });
    });

    it("drops messages older than the queue's MessageRetentionPeriod", async () => {
      const { store, scope } = await fresh();
      await store.createQueue("ret", { MessageRetentionPeriod: "60" });
      await send(store, "ret", "old");
      await scope.age(store, "ret", 61_000);
      await send(store, "ret", "new");
      expect(await store.counts("ret")).toEqual({ visible: 1, notVisible: 0, delayed: 0 });
      const received = await store.receiveMessages("ret", { maxNumberOfMessages: 10 });
      expect(received.map((m) => m.body)).toEqual(["new"]);
    });

    it("caps the messages in flight: OverLimit on a standard queue, no messages on a FIFO queue", async () => {
      const { store } = await fresh({ inFlightLimits: { standard: 3, fifo: 2 } });
      await store.createQueue("cap");
      for (let i = 0; i < 5; i++) await send(store, "cap", `m${i}`);
      expect(await store.receiveMessages("cap", { maxNumberOfMessages: 10 })).toHaveLength(3);
      const error = await rejection(store.receiveMessages("cap"));
      expect(isSqsError(error, "OverLimit")).toBe(true);
      expect(isSqsError(error) && error.shape.httpStatus).toBe(403);
      await store.createQueue("cap.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
      for (const group of ["a", "b", "c"]) await send(store, "cap.fifo", group, { messageGroupId: group });
      expect(await store.receiveMessages("cap.fifo", { maxNumberOfMessages: 10 })).toHaveLength(2);
      expect(await store.receiveMessages("cap.fifo")).toEqual([]);
      expect((await store.counts("cap.fifo")).visible).toBe(1);
    });

    describe("FIFO", () => {
      it("keeps order per message group, with growing sequence numbers", async () => {
        const { store } = await fresh();
        const queue = await store.createQueue("o.fifo", {
          FifoQueue: "true",
          ContentBasedDeduplication: "true",
        });
        expect(queue.fifo).toBe(true);
        expect(await store.getQueueAttributes("o.fifo")).toMatchObject({
          FifoQueue: "true",
          ContentBasedDeduplication: "true",
        });
        const sequence: string[] = [];
        for (let i = 0; i < 4; i++) {
          for (const group of ["a", "b"]) {
            const sent = await send(store, "o.fifo", `${group}${i}`, { messageGroupId: group });
            sequence.push(sent.sequenceNumber as string);
          }
        }
        expect(sequence.every((s) => /^[0-9]{20}$/.test(s))).toBe(true);
        expect([...sequence].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1))).toEqual(sequence);
        const received = await store.receiveMessages("o.fifo", { maxNumberOfMessages: 10 });
        // "Amazon SQS first attempts to return as many messages with the same message group ID as possible."
        expect(received.map((m) => m.body)).toEqual(["a0", "a1", "a2", "a3", "b0", "b1", "b2", "b3"]);
        expect(received[0]?.attributes).toMatchObject({ MessageGroupId: "a", SequenceNumber: sequence[0] });
        expect(received[0]?.attributes.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
      });

      it("blocks a group while one of its messages is in flight; a failing message blocks its group", async () => {
        const { store } = await fresh();
        await store.createQueue("g.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
        for (const body of ["a1", "a2", "b1", "b2"]) {
          await send(store, "g.fifo", body, { messageGroupId: body[0] });
        }
        const a1 = await receiveOne(store, "g.fifo");
        expect(a1.body).toBe("a1");
        const b1 = await receiveOne(store, "g.fifo");
        expect(b1.body).toBe("b1"); // group a is blocked by a1
        expect(await store.receiveMessages("g.fifo", { maxNumberOfMessages: 10 })).toEqual([]);
        await store.deleteMessage("g.fifo", a1.receiptHandle);
        expect((await receiveOne(store, "g.fifo")).body).toBe("a2");
        // b1 fails: visible again, it comes back before b2.
        await store.changeMessageVisibility("g.fifo", {
          receiptHandle: b1.receiptHandle,
          visibilityTimeout: 0,
        });
        const retried = await receiveOne(store, "g.fifo");
        expect(retried.body).toBe("b1");
        expect(retried.attributes.ApproximateReceiveCount).toBe("2");
        expect(await store.receiveMessages("g.fifo")).toEqual([]);
      });

      it("delivers other groups while a blocked group has a long backlog", async () => {
        const { store } = await fresh();
        await store.createQueue("backlog.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
        const sends: Promise<unknown>[] = [];
        for (let i = 0; i < 600; i++) {
          sends.push(
            store.sendMessages(
              "backlog.fifo",
              Array.from({ length: 10 }, (_, j) => ({ body: `a${i * 10 + j}`, messageGroupId: "a" })),
            ),
          );
        }
        await Promise.all(sends);
        expect((await receiveOne(store, "backlog.fifo")).body).toBe("a0"); // group a is in flight now
        await send(store, "backlog.fifo", "b0", { messageGroupId: "b" });
        const next = await store.receiveMessages("backlog.fifo", { maxNumberOfMessages: 10 });
        expect(next.map((m) => m.body)).toEqual(["b0"]);
      });

      it("deduplicates for five minutes by id or by content, answering the first message's id", async () => {
        const { store } = await fresh();
        await store.createQueue("dd.fifo", { FifoQueue: "true" });
        const first = await send(store, "dd.fifo", "pay", {
          messageGroupId: "g",
          messageDeduplicationId: "order-1",
        });
        const again = await send(store, "dd.fifo", "pay again", {
          messageGroupId: "g",
          messageDeduplicationId: "order-1",
        });
        expect(again.messageId).toBe(first.messageId);
        expect(again.sequenceNumber).toBe(first.sequenceNumber);
        expect((await store.counts("dd.fifo")).visible).toBe(1);
        await expectSqsError(
          send(store, "dd.fifo", "no dedup id", { messageGroupId: "g" }),
          "InvalidParameterValue",
        );
        await expectSqsError(
          send(store, "dd.fifo", "no group", { messageDeduplicationId: "x" }),
          "MissingParameter",
        );
        await expectSqsError(
          send(store, "dd.fifo", "delayed", {
            messageGroupId: "g",
            messageDeduplicationId: "y",
            delaySeconds: 1,
          }),
          "InvalidParameterValue",
        );
        await store.createQueue("cb.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
        const one = await send(store, "cb.fifo", "same body", { messageGroupId: "g" });
        const two = await send(store, "cb.fifo", "same body", { messageGroupId: "h" });
        expect(two.messageId).toBe(one.messageId);
        await store.createQueue("std");
        await expectSqsError(
          send(store, "std", "x", { messageDeduplicationId: "d" }),
          "InvalidParameterValue",
        );
      });

      it("redrives a FIFO message to a FIFO dead-letter queue and frees its group", async () => {
        const { store } = await fresh();
        const dlq = await store.createQueue("dlq.fifo", { FifoQueue: "true" });
        await store.createQueue("src.fifo", {
          FifoQueue: "true",
          ContentBasedDeduplication: "true",
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }),
        });
        await send(store, "src.fifo", "first", { messageGroupId: "g" });
        await send(store, "src.fifo", "second", { messageGroupId: "g" });
        expect((await receiveOne(store, "src.fifo", 0)).body).toBe("first");
        expect((await receiveOne(store, "src.fifo", 0)).body).toBe("second"); // first moved, group goes on
        const dead = await receiveOne(store, "dlq.fifo");
        expect(dead.body).toBe("first");
        expect(dead.attributes.MessageGroupId).toBe("g");
        expect(dead.attributes.SequenceNumber).toMatch(/^[0-9]{20}$/);
        expect(dead.attributes.DeadLetterQueueSourceArn).toMatch(/:src\.fifo$/);
      });
    });

    describe("long polling", () => {
      it("wakes a waiting receiver when a message is sent", async () => {
        const { store } = await fresh();
        await store.createQueue("lp");
        const started = Date.now();
        const pending = store.receiveMessages("lp", { waitTimeSeconds: 20 });
        await new Promise((resolve) => setTimeout(resolve, 100));
        await send(store, "lp", "wake up");
        const [message] = await pending;
        expect(message?.body).toBe("wake up");
        expect(Date.now() - started).toBeLessThan(15_000); // well before the 20 s wait ends
      });

      it("uses the queue's ReceiveMessageWaitTimeSeconds, and gives up when aborted or closed", async () => {
        const { store } = await fresh();
        await store.createQueue("idle", { ReceiveMessageWaitTimeSeconds: "20" });
        const controller = new AbortController();
        const aborted = store.receiveMessages("idle", { signal: controller.signal });
        setTimeout(() => controller.abort(), 100);
        expect(await aborted).toEqual([]);
        const closing = store.receiveMessages("idle", {});
        setTimeout(() => void store.close(), 100);
        expect(await closing).toEqual([]);
        await expectSqsError(store.receiveMessages("idle"), "ServiceUnavailable");
      });

      it("answers at once with waitTimeSeconds 0 and checks its numbers", async () => {
        const { store } = await fresh();
        await store.createQueue("short");
        expect(await store.receiveMessages("short", { waitTimeSeconds: 0 })).toEqual([]);
        await expectSqsError(
          store.receiveMessages("short", { waitTimeSeconds: 21 }),
          "InvalidParameterValue",
        );
        await expectSqsError(
          store.receiveMessages("short", { maxNumberOfMessages: 11 }),
          "InvalidParameterValue",
        );
        await expectSqsError(
          store.receiveMessages("short", { maxNumberOfMessages: 0 }),
          "InvalidParameterValue",
        );
        await expectSqsError(
          store.receiveMessages("short", { visibilityTimeout: -1 }),
          "InvalidParameterValue",
        );
        await expectSqsError(store.receiveMessages("nope"), "QueueDoesNotExist");
      });
    });

    it("keeps queues and messages, in flight or not, across a restart", async () => {
      const { store, scope } = await fresh();
      await store.createQueue("durable", { VisibilityTimeout: "120" });
      await store.createQueue("durable.fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
      for (const body of ["one", "two", "three"]) await send(store, "durable", body);
      const fifoSent = await send(store, "durable.fifo", "f1", { messageGroupId: "g" });
      const inFlight = await receiveOne(store, "durable");
      const reopened = await scope.reopen(store);
      stores.push(reopened);
      expect((await reopened.getQueue("durable")).settings.VisibilityTimeout).toBe(120);
      expect(await reopened.counts("durable")).toEqual({ visible: 2, notVisible: 1, delayed: 0 });
      const rest = await reopened.receiveMessages("durable", { maxNumberOfMessages: 10 });
      expect(rest.map((m) => m.body).sort()).toEqual(
        ["one", "three", "two"].filter((b) => b !== inFlight.body).sort(),
      );
      await reopened.deleteMessage("durable", inFlight.receiptHandle);
      expect((await reopened.counts("durable")).notVisible).toBe(2);
      // Deduplication survives too.
      const dup = await send(reopened, "durable.fifo", "f1", { messageGroupId: "g" });
      expect(dup.messageId).toBe(fifoSent.messageId);
      expect((await receiveOne(reopened, "durable.fifo")).attributes.SequenceNumber).toBe(
        fifoSent.sequenceNumber,
      );
    });

    describe("hostile input", () => {
      it("refuses oversize bodies, too many or bad attributes, bad batches, without storing anything", async () => {
        const { store } = await fresh();
        await store.createQueue("h");
        const attributes = Object.fromEntries(
          Array.from({ length: MESSAGE_LIMITS.maxMessageAttributes + 1 }, (_, i) => [
            `a${i}`,
            { DataType: "String", StringValue: "v" },
          ]),
        );
        const results = await store.sendMessages("h", [
          { body: "x".repeat(1_048_577) },
          { body: "x", messageAttributes: attributes },
          { body: "x", messageAttributes: { "AWS.reserved": { DataType: "String", StringValue: "v" } } },
          { body: "x", messageAttributes: { "a..b": { DataType: "String", StringValue: "v" } } },
          { body: "x", messageAttributes: { n: { DataType: "Number", StringValue: "not a number" } } },
          { body: "x", messageAttributes: { t: { DataType: "Integer", StringValue: "1" } } },
          { body: "x", messageAttributes: { e: { DataType: "String", StringValue: "" } } },
          { body: "" },
          { body: "x", messageSystemAttributes: { Other: { DataType: "String", StringValue: "v" } } },
          { body: "x", messageGroupId: "bad group id with spaces" },
        ]);
        expect(results.map((r) => (r.ok ? "ok" : r.error.kind))).toEqual([
          "InvalidParameterValue",
          "InvalidParameterValue",
          "InvalidParameterValue",
          "InvalidParameterValue",
          "InvalidParameterValue",
          "InvalidParameterValue",
          "InvalidParameterValue",
          "MissingParameter",
          "InvalidParameterValue",
          "InvalidParameterValue",
        ]);
        expect(await store.counts("h")).toEqual({ visible: 0, notVisible: 0, delayed: 0 });
        await expectSqsError(store.sendMessages("h", []), "EmptyBatchRequest");
        await expectSqsError(
          store.sendMessages(
            "h",
            Array.from({ length: 11 }, () => ({ body: "x" })),
          ),
          "TooManyEntriesInBatchRequest",
        );
        await expectSqsError(
          store.sendMessages(
            "h",
            Array.from({ length: 2 }, () => ({ body: "x".repeat(600_000) })),
          ),
          "BatchRequestTooLong",
        );
        await expectSqsError(
          store.deleteMessages(
            "h",
            Array.from({ length: 11 }, () => "x"),
          ),
          "TooManyEntriesInBatchRequest",
        );
        await expectSqsError(store.deleteMessage("h", "x".repeat(5000)), "ReceiptHandleIsInvalid");
        await expectSqsError(store.getQueue("../../etc/passwd"), "QueueDoesNotExist");
      });

      it("replaces characters SQS does not allow, and refuses a body of only those", async () => {
        const { store } = await fresh();
        await store.createQueue("chars");
        await send(store, "chars", "a\u0000b\uD800c");
        expect((await receiveOne(store, "chars")).body).toBe("a\uFFFDb\uFFFDc");
        await expectSqsError(send(store, "chars", "\u0001\u0002"), "InvalidMessageContents");
        await send(store, "chars", "emoji 🎉 and tabs\t\n");
        expect((await receiveOne(store, "chars")).body).toBe("emoji 🎉 and tabs\t\n");
      });

      it("takes a message of exactly the queue's MaximumMessageSize, body and attributes counted", async () => {
        const { store } = await fresh();
        await store.createQueue("size", { MaximumMessageSize: "1024" });
        // Attribute size: name + type + value = 1 + 6 + 17 = 24 bytes.
        const attribute = { k: { DataType: "String", StringValue: "v".repeat(17) } };
        await send(store, "size", "x".repeat(1000), { messageAttributes: attribute });
        await expectSqsError(
          send(store, "size", "x".repeat(1001), { messageAttributes: attribute }),
          "InvalidParameterValue",
        );
      });
    });
  });
}
