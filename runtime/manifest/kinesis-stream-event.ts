/**
 * The Kinesis part of a `stream` event (https://www.serverless.com/framework/docs/providers/aws/events/streams):
 *   - stream: arn:aws:kinesis:<region>:<account>:stream/<name>
 *   - stream: { type: kinesis, arn: !GetAtt Stream.Arn, batchSize, startingPosition, startingPositionTimestamp,
 *               consumer, … }
 * The settings every stream shares (batchWindow, maximumRetryAttempts, bisectBatchOnFunctionError, destinations,
 * filterPatterns, …) are read by the stream event module for both kinds; this one reads what differs for Kinesis:
 * - `arn` is a Kinesis data stream's ARN (`Fn::GetAtt [Stream, Arn]` of an AWS::Kinesis::Stream has been computed
 *   to one by the time it gets here); the type is `kinesis` when written, else told by the ARN's service, as the
 *   Framework does.
 * - `batchSize` 1–10,000. Left out, it is what the Framework deploys: 10 (its stream.js sets `BatchSize = 10`
 *   before CloudFormation sees the mapping; Lambda's own API default, 100, never applies to a serverless.yml).
 * - `startingPosition` TRIM_HORIZON, LATEST or AT_TIMESTAMP. Lambda's API requires one for a stream
 *   (https://docs.aws.amazon.com/lambda/latest/dg/API_CreateEventSourceMapping.html#lambda-CreateEventSourceMapping-request-StartingPosition);
 *   the Framework always sends one, TRIM_HORIZON when none is written (and the short form `- stream: <arn>` cannot
 *   write one), so Lambkin starts there too. AT_TIMESTAMP needs `startingPositionTimestamp` (seconds since the
 *   epoch, as CreateEventSourceMapping's StartingPositionTimestamp), which means nothing otherwise.
 * Framework: https://github.com/serverless/serverless/blob/v3/lib/plugins/aws/package/compile/events/stream.js
 * - `consumer` (enhanced fan-out through SubscribeToShard) is not reproduced: Lambkin polls the stream with
 *   GetRecords, as a mapping without a consumer does, and says so.
 */
import { parseKinesisStreamArn } from "./kinesis-stream-arn.js";
import {
  describeValue,
  type KeyPath,
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "./manifest-error.js";
import { isMapping } from "./variable-resolver.js";

export type KinesisStartingPosition =
  | { readonly type: "TRIM_HORIZON" }
  | { readonly type: "LATEST" }
  | { readonly type: "AT_TIMESTAMP"; readonly timestamp: Date };

export interface KinesisStreamSettings {
  readonly streamArn: string;
  readonly streamName: string;
  /** The stream's region, from its ARN (the poller reads the stream there). */
  readonly region: string;
  readonly batchSize: number;
  readonly startingPosition: KinesisStartingPosition;
}

/** What the Serverless Framework deploys when `batchSize` is left out (stream.js: `let BatchSize = 10`). */
export const KINESIS_DEFAULT_BATCH_SIZE = 10;
/** What the Serverless Framework deploys when `startingPosition` is left out. */
export const KINESIS_DEFAULT_STARTING_POSITION = "TRIM_HORIZON";
export const KINESIS_MAX_BATCH_SIZE = 10_000;
const STARTING_POSITIONS = ["TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"] as const;

/** Whether a `stream` event's value is a Kinesis one: `type: kinesis`, or no type and a Kinesis ARN. */
export function isKinesisStreamEvent(value: unknown): boolean {
  if (typeof value === "string") return arnService(value) === "kinesis";
  if (!isMapping(value)) return false;
  if (value.type !== undefined) return value.type === "kinesis";
  return typeof value.arn === "string" && arnService(value.arn) === "kinesis";
}

/**
 * The Kinesis settings of the `stream` event at `path` (…events[i].stream).
 * @throws ManifestError (LKN_ERR_MANIFEST_EVENT) naming the key path of what is wrong.
 */
export function kinesisStreamSettings(
  value: unknown,
  file: string,
  path: KeyPath,
  warnings: ManifestWarning[],
): KinesisStreamSettings {
  const fail = (at: KeyPath, problem: string, fix: string): never => {
    throw new ManifestError(file, at, problem, fix, "LKN_ERR_MANIFEST_EVENT");
  };
  const settings: Record<string, unknown> =
    typeof value === "string" ? { arn: value } : isMapping(value) ? value : {};
  const arnPath = typeof value === "string" ? path : [...path, "arn"];
  const written = settings.arn;
  const arn = typeof written === "string" ? parseKinesisStreamArn(written) : undefined;
  if (arn === undefined) {
    return fail(
      arnPath,
      `must be a Kinesis data stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>), not ${describeValue(written)}`,
      "Write the stream's ARN, or !GetAtt <Stream>.Arn of an AWS::Kinesis::Stream declared under resources",
    );
  }
  warnAboutConsumer(settings.consumer, file, [...path, "consumer"], warnings);
  return {
    streamArn: arn.arn,
    streamName: arn.name,
    region: arn.region,
    batchSize: batchSize(settings.batchSize, [...path, "batchSize"], fail),
    startingPosition: startingPosition(settings, path, fail),
  };
}

function batchSize(
  value: unknown,
  path: KeyPath,
  fail: (at: KeyPath, problem: string, fix: string) => never,
): number {
  if (value === undefined || value === null) return KINESIS_DEFAULT_BATCH_SIZE;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > KINESIS_MAX_BATCH_SIZE) {
    return fail(
      path,
      `must be a whole number from 1 to ${KINESIS_MAX_BATCH_SIZE}, not ${describeValue(value)}`,
      `Leave it out for the Serverless Framework's default of ${KINESIS_DEFAULT_BATCH_SIZE} records`,
    );
  }
  return value;
}

function startingPosition(
  settings: Record<string, unknown>,
  path: KeyPath,
  fail: (at: KeyPath, problem: string, fix: string) => never,
): KinesisStartingPosition {
  const position = settings.startingPosition ?? KINESIS_DEFAULT_STARTING_POSITION;
  const timestamp = settings.startingPositionTimestamp;
  if (!STARTING_POSITIONS.includes(position as (typeof STARTING_POSITIONS)[number])) {
    return fail(
      [...path, "startingPosition"],
      `must be one of ${STARTING_POSITIONS.join(", ")}, not ${describeValue(position)}`,
      "Write TRIM_HORIZON (the oldest record kept, the default), LATEST (records put from now on) or AT_TIMESTAMP with startingPositionTimestamp",
    );
  }
  if (position !== "AT_TIMESTAMP") {
    if (timestamp !== undefined) {
      fail(
        [...path, "startingPositionTimestamp"],
        `only goes with startingPosition: AT_TIMESTAMP, not ${String(position)}`,
        "Remove it, or set startingPosition: AT_TIMESTAMP",
      );
    }
    return { type: position as "TRIM_HORIZON" | "LATEST" };
  }
  if (typeof timestamp !== "number" || !Number.isFinite(timestamp) || timestamp < 0) {
    return fail(
      [...path, "startingPositionTimestamp"],
      timestamp === undefined
        ? "is required with startingPosition: AT_TIMESTAMP"
        : `must be a time in seconds since the epoch, not ${describeValue(timestamp)}`,
      "Write e.g. startingPositionTimestamp: 1700000000",
    );
  }
  return { type: "AT_TIMESTAMP", timestamp: new Date(timestamp * 1000) };
}

/** Enhanced fan-out is reported, never silently taken for polling. */
function warnAboutConsumer(
  consumer: unknown,
  file: string,
  path: KeyPath,
  warnings: ManifestWarning[],
): void {
  if (consumer === undefined || consumer === null || consumer === false) return;
  warnings.push(
    manifestWarning(
      file,
      path,
      "enhanced fan-out (a stream consumer read with SubscribeToShard) is not reproduced: Lambkin polls the stream's shards with GetRecords instead, as a mapping without a consumer does (same records, same order; the shard's read throughput is shared)",
      "LKN_WRN_MANIFEST_UNSUPPORTED",
    ),
  );
}

function arnService(arn: string): string | undefined {
  return arn.split(":")[2];
}
