/**
 * The destination port: where an asynchronous invocation's record goes after it succeeded (onSuccess) or failed
 * for good (onFailure), and where the failed event itself goes (onError, the dead-letter queue)
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). One adapter per kind of
 * target: a function here (invoked asynchronously with the record as its event, as Lambda does); queues,
 * topics and event buses arrive with Lambkin's SQS and SNS support and until then refuse, so the caller keeps
 * the event as a dead letter instead of losing it.
 */

import { randomUUID } from "node:crypto";
import type { InvocationRequest } from "../../runtime/invocation/invocation-request.js";
import { newTraceId } from "../../runtime/invoker/trace-id.js";
import type { DestinationTarget } from "../../runtime/manifest/async-invocation-config.js";
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
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

export function destinations(registry: FunctionRegistry, enqueue: EnqueueInvocation): Destinations {
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
  const unsupported = (target: DestinationTarget): never => {
    throw new DestinationUnavailableError(
      `${target.kind === "eventBus" ? "an EventBridge bus" : target.kind === "queue" ? "an SQS queue" : "an SNS topic"} (${target.reference}, ${target.keyPath}) cannot receive it yet: Lambkin serves functions as destinations; queues and topics arrive with its SQS/SNS support`,
    );
  };
  return {
    async deliverRecord(source, target, record) {
      if (target.kind !== "function") return unsupported(target);
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
    async deliverDeadLetter(_source, target) {
      return unsupported(target);
    },
  };
}
