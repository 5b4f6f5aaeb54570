/**
 * The SnsStore contract, run against every adapter (embedded-sns-store.test.ts, redis-sns-store.test.ts): topics
 * and subscriptions idempotent as SNS's CreateTopic and Subscribe, pages of 100, deletions, FIFO deduplication
 * and sequence numbers, and that a reopened store (a restarted process) still has everything.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  isSnsError,
  LIST_PAGE_SIZE,
  type SnsStore,
  type SnsSubscription,
  type SnsTopic,
  topicArn,
} from "../../../triggers/sns/interfaces/index.js";

export interface SnsStoreScope {
  open(): Promise<SnsStore>;
  reopen(store: SnsStore): Promise<SnsStore>;
  dispose(): Promise<void>;
}

const topic = (name: string, attributes: Record<string, string> = {}): SnsTopic => ({
  name,
  arn: topicArn("eu-west-1", "000000000000", name),
  fifo: name.endsWith(".fifo"),
  attributes,
  createdMs: Date.now(),
});

const subscription = (
  of: SnsTopic,
  endpoint: string,
  attributes: Record<string, string> = {},
): SnsSubscription => ({
  arn: `${of.arn}:${randomUUID()}`,
  topicArn: of.arn,
  protocol: "sqs",
  endpoint,
  attributes,
  pendingConfirmation: false,
  createdMs: Date.now(),
});

export function describeSnsStoreConformance(name: string, makeScope: () => SnsStoreScope): void {
  describe(`SnsStore conformance: ${name}`, () => {
    const withStore = (test: (store: SnsStore, scope: SnsStoreScope) => Promise<void>) => async () => {
      const scope = makeScope();
      try {
        await test(await scope.open(), scope);
      } finally {
        await scope.dispose();
      }
    };

    it(
      "creates a topic once: the same name again answers it; other attribute values are InvalidParameter",
      withStore(async (store) => {
        const first = await store.createTopic(topic("orders", { DisplayName: "Orders" }));
        const again = await store.createTopic(topic("orders", { DisplayName: "Orders" }));
        expect(again).toEqual(first);
        expect(await store.getTopic(first.arn)).toEqual(first);
        const error = await store
          .createTopic(topic("orders", { DisplayName: "Other" }))
          .catch((e: unknown) => e);
        expect(isSnsError(error, "InvalidParameter")).toBe(true);
        expect(await store.getTopic(topicArn("eu-west-1", "000000000000", "missing"))).toBeUndefined();
      }),
    );

    it(
      "lists topics in ARN order, 100 a page, with a NextToken; a bad token is InvalidParameter",
      withStore(async (store) => {
        const names = Array.from({ length: LIST_PAGE_SIZE + 5 }, (_, i) => `t${String(i).padStart(3, "0")}`);
        for (const n of names) await store.createTopic(topic(n));
        const first = await store.listTopics();
        expect(first.items).toHaveLength(LIST_PAGE_SIZE);
        expect(first.nextToken).toBeDefined();
        const second = await store.listTopics(first.nextToken);
        expect(second.items.map((t) => t.name)).toEqual(names.slice(LIST_PAGE_SIZE));
        expect(second.nextToken).toBeUndefined();
        const error = await store.listTopics("not-a-token").catch((e: unknown) => e);
        expect(isSnsError(error, "InvalidParameter")).toBe(true);
      }),
    );

    it(
      "subscribes once per (topic, protocol, endpoint); NotFound for a missing topic",
      withStore(async (store) => {
        const orders = await store.createTopic(topic("orders"));
        const made = await store.subscribe(subscription(orders, "arn:aws:sqs:eu-west-1:000000000000:q1"));
        const again = await store.subscribe(subscription(orders, "arn:aws:sqs:eu-west-1:000000000000:q1"));
        expect(again.arn).toBe(made.arn);
        await store.subscribe(subscription(orders, "arn:aws:sqs:eu-west-1:000000000000:q2"));
        expect((await store.subscriptionsOf(orders.arn)).map((s) => s.endpoint).sort()).toEqual([
          "arn:aws:sqs:eu-west-1:000000000000:q1",
          "arn:aws:sqs:eu-west-1:000000000000:q2",
        ]);
        const missing = topic("missing");
        const error = await store
          .subscribe(subscription(missing, "arn:aws:sqs:eu-west-1:000000000000:q1"))
          .catch((e: unknown) => e);
        expect(isSnsError(error, "NotFound")).toBe(true);
        const byTopic = await store.listSubscriptionsByTopic(missing.arn).catch((e: unknown) => e);
        expect(isSnsError(byTopic, "NotFound")).toBe(true);
      }),
    );

    it(
      "replaces a subscription's attributes, unsubscribes idempotently, and subscribes the same endpoint anew",
      withStore(async (store) => {
        const orders = await store.createTopic(topic("orders"));
        const made = await store.subscribe(subscription(orders, "arn:aws:sqs:eu-west-1:000000000000:q1"));
        await store.setSubscriptionAttributes(made.arn, { RawMessageDelivery: "true" });
        expect((await store.getSubscription(made.arn))?.attributes).toEqual({ RawMessageDelivery: "true" });
        await store.unsubscribe(made.arn);
        await store.unsubscribe(made.arn);
        expect(await store.getSubscription(made.arn)).toBeUndefined();
        expect(await store.subscriptionsOf(orders.arn)).toEqual([]);
        const error = await store.setSubscriptionAttributes(made.arn, {}).catch((e: unknown) => e);
        expect(isSnsError(error, "NotFound")).toBe(true);
        const anew = await store.subscribe(subscription(orders, "arn:aws:sqs:eu-west-1:000000000000:q1"));
        expect(anew.arn).not.toBe(made.arn);
      }),
    );

    it(
      "lists subscriptions overall and by topic, 100 a page",
      withStore(async (store) => {
        const a = await store.createTopic(topic("a"));
        const b = await store.createTopic(topic("b"));
        for (let i = 0; i < LIST_PAGE_SIZE + 1; i++) {
          await store.subscribe(subscription(a, `arn:aws:sqs:eu-west-1:000000000000:q${i}`));
        }
        await store.subscribe(subscription(b, "arn:aws:sqs:eu-west-1:000000000000:qb"));
        const page1 = await store.listSubscriptions();
        expect(page1.items).toHaveLength(LIST_PAGE_SIZE);
        const page2 = await store.listSubscriptions(page1.nextToken);
        expect(page2.items).toHaveLength(2);
        expect(page2.nextToken).toBeUndefined();
        const ofB = await store.listSubscriptionsByTopic(b.arn);
        expect(ofB.items.map((s) => s.endpoint)).toEqual(["arn:aws:sqs:eu-west-1:000000000000:qb"]);
      }),
    );

    it(
      "deletes a topic with its subscriptions",
      withStore(async (store) => {
        const orders = await store.createTopic(topic("orders"));
        const made = await store.subscribe(subscription(orders, "arn:aws:sqs:eu-west-1:000000000000:q1"));
        await store.deleteTopic(orders.arn);
        await store.deleteTopic(orders.arn);
        expect(await store.getTopic(orders.arn)).toBeUndefined();
        expect(await store.getSubscription(made.arn)).toBeUndefined();
        expect((await store.listSubscriptions()).items).toEqual([]);
        await store.createTopic(topic("orders"));
        const again = await store.subscribe(subscription(orders, "arn:aws:sqs:eu-west-1:000000000000:q1"));
        expect(again.arn).not.toBe(made.arn);
      }),
    );

    it(
      "FIFO: a deduplication id claimed twice answers the first message; sequence numbers grow",
      withStore(async (store) => {
        const fifo = await store.createTopic(topic("orders.fifo", { FifoTopic: "true" }));
        const first = await store.claimFifoMessage(fifo.arn, "d1", "m1");
        const duplicate = await store.claimFifoMessage(fifo.arn, "d1", "m2");
        const second = await store.claimFifoMessage(fifo.arn, "d2", "m3");
        expect(first).toEqual({ duplicate: false, messageId: "m1", sequenceNumber: first.sequenceNumber });
        expect(duplicate).toEqual({ duplicate: true, messageId: "m1", sequenceNumber: first.sequenceNumber });
        expect(second.duplicate).toBe(false);
        expect(second.sequenceNumber > first.sequenceNumber).toBe(true);
        expect(second.sequenceNumber).toMatch(/^\d{20}$/);
        const error = await store.claimFifoMessage(topic("none.fifo").arn, "d", "m").catch((e: unknown) => e);
        expect(isSnsError(error, "NotFound")).toBe(true);
      }),
    );

    it(
      "keeps topics, subscriptions and deduplication ids across a reopen (a restarted process)",
      withStore(async (store, scope) => {
        const orders = await store.createTopic(topic("orders"));
        const fifo = await store.createTopic(topic("o.fifo", { FifoTopic: "true" }));
        const made = await store.subscribe(subscription(orders, "arn:aws:sqs:eu-west-1:000000000000:q1"));
        const claim = await store.claimFifoMessage(fifo.arn, "d1", "m1");
        const reopened = await scope.reopen(store);
        expect(await reopened.getTopic(orders.arn)).toEqual(orders);
        expect(await reopened.getSubscription(made.arn)).toEqual(made);
        expect(await reopened.claimFifoMessage(fifo.arn, "d1", "other")).toEqual({
          ...claim,
          duplicate: true,
        });
      }),
    );
  });
}
