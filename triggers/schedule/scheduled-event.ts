/**
 * What a scheduled rule sends its function when it fires: EventBridge's "Scheduled Event"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html)
 *   {"version":"0","id":…,"detail-type":"Scheduled Event","source":"aws.events","account":…,
 *    "time":"2019-03-01T01:23:45Z","region":…,"resources":["arn:aws:events:<region>:<account>:rule/<name>"],"detail":{}}
 * or what the rule's target makes of it: a constant `input`, the part `inputPath` selects, or an
 * `inputTransformer`'s text. Pure: the event id is derived from the rule and the firing time, so that every
 * process computing one tick builds the same event (and a queue can recognise a tick it already holds).
 */
import { createHash } from "node:crypto";
import type { ScheduleRule } from "../../runtime/manifest/schedule-rule.js";
import { transformInput } from "./input-transformer.js";
import { selectJsonPath } from "./json-path.js";

export interface ScheduledEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": "Scheduled Event";
  readonly source: "aws.events";
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Readonly<Record<string, never>>;
  readonly [key: string]: unknown;
}

export function scheduledEvent(rule: ScheduleRule, firingTime: Date): ScheduledEvent {
  const time = firingTime.toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    version: "0",
    id: eventId(rule.arn, time),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: rule.account,
    time,
    region: rule.region,
    resources: [rule.arn],
    detail: {},
  };
}

/** The payload (JSON text, or an input transformer's plain text) the function is invoked with. */
export function scheduledEventPayload(rule: ScheduleRule, firingTime: Date): string {
  const { target } = rule;
  if (target.kind === "input") return target.json;
  const event = scheduledEvent(rule, firingTime);
  switch (target.kind) {
    case "event":
      // EventBridge Scheduler passes only its target's Input; without one the function gets an empty object.
      return rule.method === "scheduler" ? "{}" : JSON.stringify(event);
    case "inputPath": {
      const selected = selectJsonPath(event, target.path);
      return selected === undefined ? "{}" : JSON.stringify(selected);
    }
    case "inputTransformer":
      return transformInput(event, target, {
        ruleArn: rule.arn,
        ruleName: rule.name,
        ingestionTime: event.time,
      });
  }
}

/** An RFC 4122 version-5-style UUID from the rule's ARN and the tick. */
function eventId(arn: string, time: string): string {
  const bytes = createHash("sha1").update(`${arn}\n${time}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
