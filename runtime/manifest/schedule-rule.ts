/**
 * ScheduleRule: one scheduled rule a `schedule` event of serverless.yml creates on AWS — an EventBridge rule (the
 * Framework's default, `method: eventBus`) or an EventBridge Scheduler schedule (`method: scheduler`) — with what
 * its target sends the function. A `schedule` event with several `rate` expressions makes one rule for each.
 * The loader builds these (schedule-events.ts); the scheduler (triggers/schedule/) fires them.
 */
import type { ScheduleExpression } from "./schedule-expression.js";

/**
 * What the rule's target passes to the function (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html):
 * the Scheduled Event itself, a constant JSON text (`input`), a part of the event (`inputPath`), or a text built from
 * parts of the event (`inputTransformer`).
 */
export type ScheduleTarget =
  | { readonly kind: "event" }
  | { readonly kind: "input"; readonly json: string }
  | { readonly kind: "inputPath"; readonly path: string }
  | {
      readonly kind: "inputTransformer";
      readonly inputPathsMap: Readonly<Record<string, string>>;
      readonly inputTemplate: string;
    };

export type ScheduleMethod = "eventBus" | "scheduler";

export interface ScheduleRule {
  /** The rule's name: the event's `name`, else `<stack>-<LogicalId>` as CloudFormation names it (without its random suffix). */
  readonly name: string;
  /** `arn:aws:events:<region>:<account>:rule/<name>` (Scheduler: `arn:aws:scheduler:…:schedule/default/<name>`). */
  readonly arn: string;
  readonly expression: ScheduleExpression;
  /** `enabled: false` keeps the rule, disabled: it never fires. */
  readonly enabled: boolean;
  readonly description: string | undefined;
  readonly method: ScheduleMethod;
  /** The IANA time zone cron expressions are read in: UTC, unless a Scheduler schedule sets `timezone`. */
  readonly timezone: string;
  readonly target: ScheduleTarget;
  readonly region: string;
  readonly account: string;
  /** The Lambda function the rule invokes. */
  readonly functionName: string;
  /** Where it is written, e.g. `functions.report.events[0].schedule.rate[1]`. */
  readonly keyPath: string;
}
