/**
 * A function's `sqs` events — Lambda event source mappings on SQS queues — as the Serverless Framework deploys them
 * (https://www.serverless.com/framework/docs/providers/aws/events/sqs): `- sqs: <queue ARN>` or
 * `- sqs: { arn, batchSize, maximumBatchingWindow, functionResponseType, maximumConcurrency, filterPatterns,
 * enabled }`, the ARN written out, computed from `!GetAtt Queue.Arn`, or (Lambkin's convenience) a queue name.
 * Validated as CreateEventSourceMapping validates them
 * (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html): batchSize 1–10,000 (FIFO queues
 * 1–10) and more than 10 only with a batching window; the window 0–300 s; maximumConcurrency 2–1000; filter patterns
 * as Lambda's event filtering takes them. Defaults are the Framework's (batchSize 10, no window, enabled).
 */
import { manifestFilterCriteria } from "./filter-patterns.js";
import type { FunctionDefinition } from "./function-definition.js";
import { LOCAL_ACCOUNT_ID } from "./local-account.js";
import {
  describeValue,
  type KeyPath,
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "./manifest-error.js";
import { isMapping } from "./variable-resolver.js";

export interface SqsEventSourceMapping {
  readonly functionName: string;
  readonly queueName: string;
  readonly queueArn: string;
  readonly region: string;
  readonly fifo: boolean;
  readonly batchSize: number;
  /** Seconds Lambda may wait to fill a batch; 0 = invoke with what one poll brings. */
  readonly maximumBatchingWindow: number;
  readonly reportBatchItemFailures: boolean;
  /** Concurrent invocations this mapping may run; undefined = the function's own limits. */
  readonly maximumConcurrency: number | undefined;
  /** As written; compiled again by the poller (validated here). */
  readonly filterPatterns: readonly unknown[];
  readonly enabled: boolean;
  readonly manifestPath: string;
  readonly keyPath: KeyPath;
}

const KNOWN_KEYS = new Set([
  "arn",
  "batchSize",
  "maximumBatchingWindow",
  "functionResponseType",
  "maximumConcurrency",
  "filterPatterns",
  "enabled",
]);
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,80})$/;

/** The SQS event source mappings of the functions; throws ManifestError for a bad event. */
export function sqsEventSourceMappings(
  functions: readonly FunctionDefinition[],
  warnings: ManifestWarning[] = [],
): SqsEventSourceMapping[] {
  const mappings: SqsEventSourceMapping[] = [];
  for (const fn of functions) {
    fn.events.forEach((entry, index) => {
      if (!Object.hasOwn(entry, "sqs")) return;
      const mapping = parseSqsEvent(fn, entry.sqs, ["functions", fn.key, "events", index, "sqs"], warnings);
      if (mapping) mappings.push(mapping);
    });
  }
  return mappings;
}

function parseSqsEvent(
  fn: FunctionDefinition,
  written: unknown,
  path: KeyPath,
  warnings: ManifestWarning[],
): SqsEventSourceMapping | undefined {
  const file = fn.manifestPath;
  const settings = typeof written === "string" ? { arn: written } : written;
  const fail = (at: KeyPath, problem: string, fix: string) =>
    new ManifestError(file, at, problem, fix, "LKN_ERR_MANIFEST_EVENT");
  if (!isMapping(settings)) {
    throw fail(
      path,
      `must be a queue ARN or { arn, batchSize, … }, not ${describeValue(written)}`,
      "Write e.g. - sqs: { arn: !GetAtt JobsQueue.Arn, batchSize: 10 }",
    );
  }
  for (const key of Object.keys(settings)) {
    if (!KNOWN_KEYS.has(key)) {
      throw fail([...path, key], "is not a setting of sqs events", `Use ${[...KNOWN_KEYS].join(", ")}`);
    }
  }
  // An intrinsic the loader could not compute (`Fn::ImportValue` …) was kept as written and warned about
  // (LKN_WRN_MANIFEST_INTRINSIC): the queue is unknown, so there is nothing to poll.
  if (isMapping(settings.arn)) return undefined;
  const queue = queueOf(settings.arn, fn.region);
  if (!queue) {
    throw fail(
      [...path, "arn"],
      settings.arn === undefined
        ? "is missing"
        : `${describeValue(settings.arn)} is neither a queue ARN nor a queue name`,
      "Write the queue's ARN (arn:aws:sqs:<region>:<account>:<name>), !GetAtt <Queue>.Arn, or its name",
    );
  }
  const fifo = queue.name.endsWith(".fifo");
  const window = integerSetting(
    settings.maximumBatchingWindow,
    0,
    0,
    300,
    [...path, "maximumBatchingWindow"],
    file,
  );
  const batchSize = integerSetting(
    settings.batchSize,
    10,
    1,
    fifo ? 10 : 10_000,
    [...path, "batchSize"],
    file,
  );
  if (batchSize > 10 && window === 0) {
    throw fail(
      [...path, "batchSize"],
      `is ${batchSize}: Lambda takes a batch size over 10 only with a batching window`,
      "Set maximumBatchingWindow (1–300 seconds), or a batchSize of 10 or less",
    );
  }
  const responseType = settings.functionResponseType;
  if (responseType !== undefined && responseType !== "ReportBatchItemFailures") {
    throw fail(
      [...path, "functionResponseType"],
      `${describeValue(responseType)} is not a function response type`,
      "Write functionResponseType: ReportBatchItemFailures, or leave it out",
    );
  }
  const maximumConcurrency =
    settings.maximumConcurrency === undefined
      ? undefined
      : integerSetting(settings.maximumConcurrency, 2, 2, 1000, [...path, "maximumConcurrency"], file);
  const filterPatterns = settings.filterPatterns ?? [];
  manifestFilterCriteria(filterPatterns, file, [...path, "filterPatterns"]);
  const enabled = settings.enabled ?? true;
  if (typeof enabled !== "boolean") {
    throw fail(
      [...path, "enabled"],
      `must be true or false, not ${describeValue(enabled)}`,
      "Write enabled: false to keep the mapping without polling",
    );
  }
  if (queue.region !== fn.region) {
    warnings.push(
      manifestWarning(
        file,
        [...path, "arn"],
        `names a queue in ${queue.region} while the function runs in ${fn.region}: Lambda maps queues of its own region only; Lambkin polls the queue ${queue.name} of its one local SQS`,
      ),
    );
  }
  return {
    functionName: fn.name,
    queueName: queue.name,
    queueArn: `arn:aws:sqs:${queue.region}:${LOCAL_ACCOUNT_ID}:${queue.name}`,
    region: queue.region,
    fifo,
    batchSize,
    maximumBatchingWindow: window,
    reportBatchItemFailures: responseType === "ReportBatchItemFailures",
    maximumConcurrency,
    filterPatterns: Array.isArray(filterPatterns) ? filterPatterns : [],
    enabled,
    manifestPath: file,
    keyPath: path,
  };
}

function queueOf(arn: unknown, region: string): { name: string; region: string } | undefined {
  if (typeof arn !== "string") return undefined;
  const match = QUEUE_ARN.exec(arn);
  if (match) {
    const name = match[3] as string;
    return QUEUE_NAME.test(name) || FIFO_QUEUE_NAME.test(name)
      ? { name, region: match[1] as string }
      : undefined;
  }
  return QUEUE_NAME.test(arn) || FIFO_QUEUE_NAME.test(arn) ? { name: arn, region } : undefined;
}

function integerSetting(
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  path: KeyPath,
  file: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ManifestError(
      file,
      path,
      `must be a whole number from ${min} to ${max}, not ${describeValue(value)}`,
      `Write a value from ${min} to ${max}`,
      "LKN_ERR_MANIFEST_EVENT",
    );
  }
  return value;
}
