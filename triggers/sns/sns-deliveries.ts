/**
 * Delivers one notification to one subscription, and resolves only once it is durably stored: a function's as
 * an asynchronous invocation through the Invocations port (SNS invokes functions asynchronously, so Lambda's
 * retries, destinations and DLQ apply: https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html), a queue's
 * as a message in the SQS store. An endpoint that does not exist (a deleted queue, a function not loaded) or a
 * queue that refuses the message is a failed delivery: SNS would retry it and then drop it (no redrive policy
 * is reproduced), so Lambkin drops it with a coded warning. A store that cannot answer rejects with
 * InternalError: the publish fails, and its caller may retry.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import { newTraceId } from "../../runtime/invoker/trace-id.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import type { SendMessageEntry } from "../sqs/interfaces/message-model.js";
import { FIFO_SUFFIX, queueNameOfArn } from "../sqs/interfaces/queue-model.js";
import { isSqsError } from "../sqs/interfaces/sqs-errors.js";
import type { SqsStore } from "../sqs/interfaces/sqs-store.js";
import { SnsError } from "./interfaces/sns-errors.js";
import type { SnsSubscription } from "./interfaces/topic-model.js";
import { lambdaEvent, type Notification, rawSqsAttributes, sqsEnvelope } from "./sns-notification.js";

export interface Delivery {
  readonly subscription: SnsSubscription;
  readonly notification: Notification;
  readonly messageGroupId?: string;
  readonly messageDeduplicationId?: string;
}

export interface Deliveries {
  deliver(delivery: Delivery): Promise<void>;
}

export interface DeliveryTargets {
  readonly registry: FunctionRegistry;
  /** Bound once the process's asynchronous invocations exist (they may themselves publish to topics). */
  readonly invocations: () => Invocations | undefined;
  readonly sqs: SqsStore | undefined;
  readonly logger: Logger;
}

export function deliveries(targets: DeliveryTargets): Deliveries {
  const dropped = (delivery: Delivery, why: string): void => {
    const code = "LKN_WRN_SNS_DELIVERY_FAILED";
    targets.logger.warn(
      { code, subscriptionArn: delivery.subscription.arn, messageId: delivery.notification.messageId },
      coded(
        code,
        `message ${delivery.notification.messageId} of ${delivery.notification.topicArn} not delivered to ${delivery.subscription.endpoint}: ${why}`,
      ),
    );
  };
  return {
    async deliver(delivery) {
      const { subscription } = delivery;
      if (subscription.protocol === "lambda") return toFunction(delivery);
      if (subscription.protocol === "sqs") return toQueue(delivery);
      const code = "LKN_WRN_SNS_EMAIL_NOT_DELIVERED";
      targets.logger.warn(
        { code, subscriptionArn: subscription.arn },
        coded(
          code,
          `${subscription.endpoint} (${subscription.protocol}) gets no mail: Lambkin's local mail service comes with a later version`,
        ),
      );
    },
  };

  async function toFunction(delivery: Delivery): Promise<void> {
    const fn = targets.registry.resolve(delivery.subscription.endpoint);
    if (!fn) return dropped(delivery, "no such function is loaded");
    const invocations = targets.invocations();
    if (!invocations) throw new SnsError("InternalError", "this process cannot invoke functions");
    try {
      await invocations.enqueue({
        functionName: fn.name,
        payload: Buffer.from(JSON.stringify(lambdaEvent(delivery.notification))),
        invocationType: "Event",
        requestId: randomUUID(),
        traceId: newTraceId(),
        attempt: 1,
        source: `sns:${delivery.notification.topicArn}`,
      });
    } catch (error) {
      throw new SnsError("InternalError", `the invocation could not be queued: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async function toQueue(delivery: Delivery): Promise<void> {
    const { subscription, notification } = delivery;
    const queue = queueNameOfArn(subscription.endpoint);
    if (!queue || !targets.sqs) return dropped(delivery, "no such queue");
    const raw = subscription.attributes.RawMessageDelivery === "true";
    const fifoQueue = queue.endsWith(FIFO_SUFFIX);
    const entry: SendMessageEntry = {
      body: raw ? notification.message : sqsEnvelope(notification),
      ...(raw && Object.keys(notification.attributes).length > 0
        ? { messageAttributes: rawSqsAttributes(notification.attributes) }
        : {}),
      ...(fifoQueue
        ? {
            messageGroupId: delivery.messageGroupId ?? "default",
            // A FIFO queue deduplicates what it gets from the topic as the topic did (or by the message id).
            messageDeduplicationId:
              delivery.messageDeduplicationId ??
              createHash("sha256").update(notification.messageId).digest("hex"),
          }
        : {}),
    };
    try {
      const [result] = await targets.sqs.sendMessages(queue, [entry]);
      if (result && !result.ok) dropped(delivery, result.error.message);
    } catch (error) {
      if (isSqsError(error) && error.kind !== "ServiceUnavailable") return dropped(delivery, error.message);
      throw new SnsError(
        "InternalError",
        `the queue cannot take the message now: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
}
