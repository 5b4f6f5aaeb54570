/**
 * The destination port: where an asynchronous invocation's record goes after it succeeded (onSuccess) or failed
 * for good (onFailure), and where the failed event itself goes (onError, the dead-letter queue)
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). One adapter per kind of
 * target: a function (invoked asynchronously with the record as its event, as Lambda does), an SQS queue of
 * Lambkin's SQS store or an SNS topic of Lambkin's SNS (the record as the message body; a dead letter as the
 * event itself with Lambda's RequestID / ErrorCode / ErrorMessage message attributes). Event buses, and a queue or
 * topic that does not exist, refuse, so the caller keeps the event as a dead letter instead of losing it.
 */

import { randomUUID } from "node:crypto";
import type { InvocationRequest } from "../../runtime/invocation/invocation-request.js";
import { newTraceId } from "../../runtime/invoker/trace-id.js";
import type { DestinationTarget } from "../../runtime/manifest/async-invocation-config.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import type { PublishInput } from "../sns/sns-message.js";
import type { MessageAttributes } from "../sqs/interfaces/message-model.js";
import { FIFO_SUFFIX, queueNameOfArn } from "../sqs/interfaces/queue-model.js";
import type { SqsStore } from "../sqs/interfaces/sqs-store.js";
import type { DestinationRecord } from "./destination-record.js";

/** The failed event as a dead-letter queue receives it: the event, with Lambda's three message attributes. */
export interface DeadLetterMessage {
  readonly payload: Buffer;
  /** `RequestID` attribute. */
  readonly requestId: string;
  /** `ErrorCode` attribute: 200 for a function error (the Invoke status), as Lambda sets it. */
  readonly errorCode: number;
  /** `ErrorMessage` attribute: the first 1 KB of the last error. */
  readonly errorMessage: string;
}

/** Why a destination could not take what it was sent: the event is then kept as a dead letter. */
export class DestinationUnavailableError extends Error {
  override readonly name = "DestinationUnavailableError";
}

export interface Destinations {
  deliverRecord(
    source: FunctionDefinition,
    target: DestinationTarget,
    record: DestinationRecord,
  ): Promise<void>;
  deliverDeadLetter(
    source: FunctionDefinition,
    target: DestinationTarget,
    message: DeadLetterMessage,
  ): Promise<void>;
}

/** Enqueues an Event invocation: how a function destination is invoked. */
export type EnqueueInvocation = (request: InvocationRequest) => Promise<void>;

/** Publishes to a topic (SnsService#publish): resolves once every delivery of the message is stored. */
export interface TopicPublisher {
  publish(topicArn: string, input: PublishInput): Promise<unknown>;
}

/** The queues and topics a process can deliver to; without them, queue and topic targets refuse. */
export interface DestinationServices {
  readonly sqs?: SqsStore | undefined;
  readonly topics?: TopicPublisher | undefined;
}

/** A message to a queue or topic destination: its body and message attributes (String / Number). */
interface DestinationMessage {
  readonly body: string;
  readonly attributes: Readonly<Record<string, { DataType: "String" | "Number"; StringValue: string }>>;
}

export function destinations(
  registry: FunctionRegistry,
  enqueue: EnqueueInvocation,
  services: DestinationServices = {},
): Destinations {
  const functionNamed = (source: FunctionDefinition, target: DestinationTarget): FunctionDefinition => {
    // A key of the same service first (what the Framework resolves), then any name or ARN.
    const sameService = registry
      .all()
      .find(
        (fn) => fn.service === source.service && fn.stage === source.stage && fn.key === target.reference,
      );
    const fn = sameService ?? registry.resolve(target.reference);
    if (!fn) {
      throw new DestinationUnavailableError(
        `the destination function ${target.reference} (${target.keyPath}) does not exist`,
      );
    }
    return fn;
  };
  const unavailable = (target: DestinationTarget, why: string): never => {
    throw new DestinationUnavailableError(
      `${target.reference} (${target.keyPath}) cannot receive it: ${why}`,
    );
  };
  /** Sends to a queue or topic; whatever stops it is a DestinationUnavailableError (the event is kept). */
  const send = async (target: DestinationTarget, message: DestinationMessage): Promise<void> => {
    if (target.kind === "queue") {
      const queue = queueNameOfArn(target.reference);
      if (!queue) return unavailable(target, "it is not an SQS queue ARN");
      // "Lambda doesn't support FIFO queues as destinations" (invocation-async-retain-records.html).
      if (queue.endsWith(FIFO_SUFFIX)) return unavailable(target, "Lambda does not send to FIFO queues");
      if (!services.sqs) return unavailable(target, "this process has no SQS store");
      let results: Awaited<ReturnType<SqsStore["sendMessages"]>>;
      try {
        results = await services.sqs.sendMessages(queue, [
          { body: message.body, messageAttributes: message.attributes as MessageAttributes },
        ]);
      } catch (error) {
        return unavailable(target, (error as Error).message);
      }
      const [result] = results;
      if (!result?.ok) return unavailable(target, result?.error.message ?? "the queue refused it");
      return;
    }
    if (target.kind === "topic") {
      if (!services.topics) return unavailable(target, "this process has no SNS topics");
      try {
        await services.topics.publish(target.reference, {
          message: message.body,
          messageAttributes: message.attributes,
        });
      } catch (error) {
        return unavailable(target, (error as Error).message);
      }
      return;
    }
    return unavailable(target, "EventBridge buses are not supported by Lambkin");
  };
  return {
    async deliverRecord(source, target, record) {
      if (target.kind !== "function") return send(target, { body: JSON.stringify(record), attributes: {} });
      const fn = functionNamed(source, target);
      await enqueue({
        functionName: fn.name,
        payload: Buffer.from(JSON.stringify(record)),
        invocationType: "Event",
        requestId: randomUUID(),
        traceId: newTraceId(),
        attempt: 1,
        source: `destination:${source.name}`,
      });
    },
    async deliverDeadLetter(_source, target, message) {
      if (target.kind === "function")
        return unavailable(target, "a dead-letter queue is an SQS queue or SNS topic");
      // The event itself, with the attributes Lambda sets on it
      // (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq).
      return send(target, {
        body: message.payload.toString("utf8"),
        attributes: {
          RequestID: { DataType: "String", StringValue: message.requestId },
          ErrorCode: { DataType: "Number", StringValue: String(message.errorCode) },
          ErrorMessage: { DataType: "String", StringValue: message.errorMessage || "Unhandled" },
        },
      });
    },
  };
}
