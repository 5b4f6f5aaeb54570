/**
 * A function's `events:`. The types the gateway and triggers handle are kept, variables resolved and intrinsic
 * functions computed where they can be (an sqs `arn: !GetAtt Queue.Arn` becomes the queue's ARN); every other type
 * is reported as an event that will not fire locally. Kept types that nothing fires yet (schedule, sqs, s3,
 * stream: their triggers come with later issues) are reported too, so that no event is silently inert.
 * A `schedule` event is also parsed into the rules it creates (schedule-events.ts), so that a bad expression is
 * refused when the manifest loads and the scheduler gets typed rules.
 */
import { type IntrinsicEvaluator, isIntrinsic } from "./cloudformation-intrinsics.js";
import {
  describeValue,
  type KeyPath,
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "./manifest-error.js";
import { type ScheduleEventContext, scheduleRules } from "./schedule-events.js";
import type { ScheduleRule } from "./schedule-rule.js";
import { validateStreamEvent } from "./stream-events.js";
import { isMapping, type VariableResolver } from "./variable-resolver.js";

/** Event types Lambkin keeps in a function's definition (API Gateway v1/v2, EventBridge schedules, SQS, S3, streams, SNS). */
export const SUPPORTED_EVENT_TYPES: ReadonlySet<string> = new Set([
  "http",
  "httpApi",
  "schedule",
  "sqs",
  "s3",
  "stream",
  "sns",
]);

/**
 * Kept types that nothing turns into invocations yet. TODO(triggers issues): remove a type from here when its
 * trigger lands (triggers/: schedules, SQS queues, S3 notifications, DynamoDB/Kinesis streams).
 */
export const NOT_FIRED_EVENT_TYPES: ReadonlySet<string> = new Set([]);

export interface FunctionEvents {
  readonly events: Record<string, unknown>[];
  readonly warnings: ManifestWarning[];
  /** The rules of the function's `schedule` events, in order. */
  readonly schedules: ScheduleRule[];
}

export function functionEvents(
  resolver: VariableResolver,
  evaluator: IntrinsicEvaluator,
  path: KeyPath,
  schedule: Omit<ScheduleEventContext, "file">,
): FunctionEvents {
  const { file } = resolver;
  const list = resolver.shallow(path);
  const result: FunctionEvents = { events: [], warnings: [], schedules: [] };
  if (list === undefined || list === null) return result;
  if (!Array.isArray(list)) {
    throw new ManifestError(
      file,
      path,
      `must be a list of events, not ${describeValue(list)}`,
      "Write each event as a list item, e.g. - http: GET /hello",
      "LKN_ERR_MANIFEST_EVENT",
    );
  }
  list.forEach((_, index) => {
    const entryPath = [...path, index];
    const entry = resolver.shallow(entryPath);
    const [type, ...others] = isMapping(entry) ? Object.keys(entry) : [];
    if (type === undefined || others.length > 0) {
      throw new ManifestError(
        file,
        entryPath,
        `must be one event type with its settings, not ${describeValue(entry)}`,
        "Write e.g. - http: GET /hello",
        "LKN_ERR_MANIFEST_EVENT",
      );
    }
    if (!SUPPORTED_EVENT_TYPES.has(type)) {
      result.warnings.push(
        manifestWarning(
          file,
          [...entryPath, type],
          `${type} events are not supported by Lambkin yet and will not fire locally (fired: ${firedTypes()}${NOT_FIRED_EVENT_TYPES.size > 0 ? `; accepted but not fired yet: ${[...NOT_FIRED_EVENT_TYPES].join(", ")}` : ""})`,
          "LKN_WRN_MANIFEST_EVENT_UNSUPPORTED",
        ),
      );
      return;
    }
    if (NOT_FIRED_EVENT_TYPES.has(type)) {
      result.warnings.push(
        manifestWarning(
          file,
          [...entryPath, type],
          `accepted but not fired yet: Lambkin keeps this ${type} event, but nothing invokes the function for it in this version (fired: ${firedTypes()}); invoke it yourself with \`lambkin invoke\` or the Invoke API`,
          "LKN_WRN_MANIFEST_EVENT_NOT_FIRED",
        ),
      );
    }
    const event = computeIntrinsics(
      resolver.get(entryPath) as Record<string, unknown>,
      evaluator,
      entryPath,
      result.warnings,
      file,
    );
    result.events.push(event);
    if (type === "stream") validateStreamEvent(event.stream, file, [...entryPath, type], result.warnings);
    if (type === "schedule") {
      const context = { ...schedule, file };
      const first = result.schedules.length + 1;
      result.schedules.push(...scheduleRules(event.schedule, [...entryPath, type], context, first));
    }
  });
  return result;
}

function firedTypes(): string {
  return [...SUPPORTED_EVENT_TYPES].filter((type) => !NOT_FIRED_EVENT_TYPES.has(type)).join(", ");
}

/** An intrinsic that cannot be computed leaves the event as written, with a warning: the trigger may not match. */
function computeIntrinsics(
  event: Record<string, unknown>,
  evaluator: IntrinsicEvaluator,
  path: KeyPath,
  warnings: ManifestWarning[],
  file: string,
): Record<string, unknown> {
  if (!containsIntrinsic(event)) return event;
  try {
    return evaluator.evaluate(event, path) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    warnings.push(
      manifestWarning(
        file,
        error.keyPath,
        `${error.problem}; the event keeps the value as written and may not fire locally`,
        "LKN_WRN_MANIFEST_INTRINSIC",
      ),
    );
    return event;
  }
}

function containsIntrinsic(value: unknown): boolean {
  if (isIntrinsic(value)) return true;
  if (Array.isArray(value)) return value.some(containsIntrinsic);
  return isMapping(value) && Object.values(value).some(containsIntrinsic);
}
