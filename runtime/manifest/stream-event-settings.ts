/**
 * The settings of a `stream` event that DynamoDB and Kinesis share (the Serverless Framework's stream event,
 * https://www.serverless.com/framework/docs/providers/aws/events/streams, deployed as an
 * AWS::Lambda::EventSourceMapping), validated against Lambda's limits
 * (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html):
 * - `enabled` (default true);
 * - `batchWindow` → MaximumBatchingWindowInSeconds 0–300 (default 0);
 * - `maximumRetryAttempts` −1 (infinite, the default) to 10,000;
 * - `maximumRecordAgeInSeconds` −1 (infinite, the default) or 60–604,800;
 * - `bisectBatchOnFunctionError` (default false);
 * - `parallelizationFactor` 1–10 (default 1);
 * - `functionResponseType: ReportBatchItemFailures`;
 * - `filterPatterns` (Lambda's event filtering, runtime/event-filtering/);
 * - `destinations.onFailure`: an SQS queue or SNS topic ARN, or `{ type: sqs|sns, arn }`. Lambda also takes an S3
 *   bucket (not reproduced, refused) and never a function; Lambkin also takes a function of the service (invoked
 *   asynchronously with the record) and says at load that AWS would refuse it.
 * - `tumblingWindowInSeconds` is not reproduced: reported, and the function is invoked without window state.
 * The type-specific settings (the ARN, batchSize, startingPosition) are read by dynamodb-stream-event.ts and
 * kinesis-stream-event.ts.
 */

import { type DestinationTarget, destinationTarget } from "./async-invocation-config.js";
import { manifestFilterCriteria } from "./filter-patterns.js";
import {
  describeValue,
  formatKeyPath,
  type KeyPath,
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "./manifest-error.js";
import { isMapping } from "./variable-resolver.js";

export interface StreamMappingSettings {
  readonly enabled: boolean;
  readonly batchWindowSeconds: number;
  /** −1: retried until the records expire. */
  readonly maximumRetryAttempts: number;
  /** −1: no age limit. */
  readonly maximumRecordAgeSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly parallelizationFactor: number;
  readonly reportBatchItemFailures: boolean;
  /** As written (compiled by the poller; validated here). */
  readonly filterPatterns?: readonly unknown[];
  readonly onFailure?: DestinationTarget;
}

export const STREAM_MAX_BATCH_WINDOW_SECONDS = 300;
export const STREAM_MAX_RETRY_ATTEMPTS = 10_000;
export const STREAM_MIN_RECORD_AGE_SECONDS = 60;
export const STREAM_MAX_RECORD_AGE_SECONDS = 604_800;
export const STREAM_MAX_PARALLELIZATION_FACTOR = 10;

type Fail = (at: KeyPath, problem: string, fix: string) => never;

/**
 * The shared settings of the `stream` event at `path` (…events[i].stream; a string is the short form `- stream:
 * <arn>`, with every default).
 * @throws ManifestError (LKN_ERR_MANIFEST_EVENT) naming the key path of what is wrong.
 */
export function streamMappingSettings(
  value: unknown,
  file: string,
  path: KeyPath,
  warnings: ManifestWarning[],
): StreamMappingSettings {
  const fail: Fail = (at, problem, fix) => {
    throw new ManifestError(file, at, problem, fix, "LKN_ERR_MANIFEST_EVENT");
  };
  const settings: Record<string, unknown> = isMapping(value) ? value : {};
  const at = (key: string): KeyPath => [...path, key];
  const whole = (
    key: string,
    min: number,
    max: number,
    fallback: number,
    fix: string,
    allowed?: number,
  ): number => {
    const written = settings[key];
    if (written === undefined || written === null) return fallback;
    if (
      typeof written === "number" &&
      Number.isInteger(written) &&
      (written === allowed || (written >= min && written <= max))
    )
      return written;
    return fail(
      at(key),
      `must be a whole number ${allowed === undefined ? "" : `(${allowed}, or `}from ${min} to ${max}${allowed === undefined ? "" : ")"}, not ${describeValue(written)}`,
      fix,
    );
  };
  const flag = (key: string): boolean => {
    const written = settings[key];
    if (written === undefined || written === null) return false;
    if (typeof written === "boolean") return written;
    return fail(at(key), `must be true or false, not ${describeValue(written)}`, "Write true or false");
  };
  const enabled = settings.enabled === undefined || settings.enabled === null ? true : flag("enabled");
  const result: StreamMappingSettings = {
    enabled,
    batchWindowSeconds: whole(
      "batchWindow",
      0,
      STREAM_MAX_BATCH_WINDOW_SECONDS,
      0,
      "Write the seconds to gather records for, 0–300 (default 0)",
    ),
    maximumRetryAttempts: whole(
      "maximumRetryAttempts",
      0,
      STREAM_MAX_RETRY_ATTEMPTS,
      -1,
      "Write -1 (retry until the records expire, the default) or 0–10000",
      -1,
    ),
    maximumRecordAgeSeconds: whole(
      "maximumRecordAgeInSeconds",
      STREAM_MIN_RECORD_AGE_SECONDS,
      STREAM_MAX_RECORD_AGE_SECONDS,
      -1,
      "Write -1 (no limit, the default) or 60–604800 seconds",
      -1,
    ),
    bisectBatchOnFunctionError: flag("bisectBatchOnFunctionError"),
    parallelizationFactor: whole(
      "parallelizationFactor",
      1,
      STREAM_MAX_PARALLELIZATION_FACTOR,
      1,
      "Write 1–10 (concurrent batches per shard; default 1)",
    ),
    reportBatchItemFailures: functionResponseType(
      settings.functionResponseType,
      at("functionResponseType"),
      fail,
    ),
    ...filterPatterns(settings.filterPatterns, file, at("filterPatterns")),
    ...onFailure(settings.destinations, file, at("destinations"), warnings, fail),
  };
  if (settings.tumblingWindowInSeconds !== undefined && settings.tumblingWindowInSeconds !== null) {
    whole("tumblingWindowInSeconds", 0, 900, 0, "Write 0–900 seconds, or leave it out");
    warnings.push(
      manifestWarning(
        file,
        at("tumblingWindowInSeconds"),
        "tumbling windows are not reproduced: Lambkin invokes the function with its batches as without a window (no `window`, `state`, `isFinalInvokeForWindow` fields; a returned state is not passed on)",
        "LKN_WRN_MANIFEST_UNSUPPORTED",
      ),
    );
  }
  return result;
}

function functionResponseType(value: unknown, path: KeyPath, fail: Fail): boolean {
  if (value === undefined || value === null) return false;
  if (value === "ReportBatchItemFailures") return true;
  return fail(
    path,
    `must be ReportBatchItemFailures, not ${describeValue(value)}`,
    "Write functionResponseType: ReportBatchItemFailures, or leave it out",
  );
}

function filterPatterns(
  value: unknown,
  file: string,
  path: KeyPath,
): { filterPatterns?: readonly unknown[] } {
  if (value === undefined || value === null) return {};
  manifestFilterCriteria(value, file, path); // refused at the faulty filter's key path
  return { filterPatterns: value as unknown[] };
}

function onFailure(
  value: unknown,
  file: string,
  path: KeyPath,
  warnings: ManifestWarning[],
  fail: Fail,
): { onFailure?: DestinationTarget } {
  if (value === undefined || value === null) return {};
  if (!isMapping(value))
    return fail(
      path,
      `must be a mapping, not ${describeValue(value)}`,
      "Write destinations: { onFailure: <queue or topic ARN> }",
    );
  for (const key of Object.keys(value)) {
    if (key !== "onFailure")
      fail(
        [...path, key],
        "is not a stream destination (only onFailure is)",
        "Remove it; write destinations.onFailure",
      );
  }
  if (value.onFailure === undefined || value.onFailure === null) return {};
  const at = [...path, "onFailure"];
  // The key path as every manifest message writes it (`events[0]`).
  const target = {
    ...destinationTarget(value.onFailure, file, at, ["queue", "topic", "function"]),
    keyPath: formatKeyPath(at),
  };
  if (target.kind === "function") {
    warnings.push(
      manifestWarning(
        file,
        at,
        "Lambda takes an SQS queue, SNS topic or S3 bucket as a stream mapping's onFailure destination, never a function (a deployment fails); Lambkin invokes this function asynchronously with the failure record",
        "LKN_WRN_MANIFEST_UNSUPPORTED",
      ),
    );
  }
  return { onFailure: target };
}
