/**
 * What the gateway needs from the rest of Lambkin, and nothing more: the loaded functions (routes, the control
 * plane, validation) and the Invocations port (run a request now / queue it). `lambkin dev` gives it the Invoker
 * of its own process and the embedded (or Redis) queue; `lambkin gateway` gives it workers reached through Redis.
 */
import type { Invocations } from "../runtime/invocation/invocations.js";
import type { FunctionRegistry } from "../runtime/manifest/function-registry.js";
import type { SqsStore } from "../triggers/sqs/interfaces/index.js";

export interface GatewayBackend {
  readonly registry: FunctionRegistry;
  readonly invocations: Invocations;
  /** The SQS queues the gateway's SQS API serves (the job queue's backend); none: that API answers 503. */
  readonly sqsStore?: SqsStore;
}
