/**
 * What one tick of a scheduled rule puts in the asynchronous queue: an `Event` invocation of the rule's function
 * with the rule target's payload (EventBridge invokes its Lambda targets asynchronously,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html), under a job id derived
 * from the rule and the firing time — so a tick enqueued twice (two processes, a retried enqueue) is one job.
 */
import { createHash, randomUUID } from "node:crypto";
import { newTraceId } from "../../runtime/invoker/trace-id.js";
import type { ScheduleRule } from "../../runtime/manifest/schedule-rule.js";
import { QUEUED_INVOCATION_VERSION, type QueuedInvocation } from "../queue/interfaces/queued-invocation.js";
import { scheduledEventPayload } from "./scheduled-event.js";

export interface ScheduledInvocation {
  readonly invocation: QueuedInvocation;
  /** `schedule-<hash of the rule ARN>-<firing time in ms>`: no `:` (BullMQ refuses it in custom ids). */
  readonly jobId: string;
}

export function scheduledInvocation(
  rule: ScheduleRule,
  firingTime: Date,
  now = Date.now(),
): ScheduledInvocation {
  const ruleHash = createHash("sha256").update(rule.arn).digest("hex").slice(0, 16);
  return {
    jobId: `schedule-${ruleHash}-${firingTime.getTime()}`,
    invocation: {
      version: QUEUED_INVOCATION_VERSION,
      functionName: rule.functionName,
      qualifier: "$LATEST",
      invocationType: "Event",
      payload: scheduledEventPayload(rule, firingTime),
      payloadEncoding: "utf8",
      requestId: randomUUID(),
      traceId: newTraceId(now),
      source: `schedule:${rule.name}`,
      enqueuedAt: now,
    },
  };
}
