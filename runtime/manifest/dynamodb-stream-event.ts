/**
 * The DynamoDB part of a `stream` event (https://www.serverless.com/framework/docs/providers/aws/events/streams):
 *   - stream: arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>
 *   - stream: { type: dynamodb, arn: !GetAtt Table.StreamArn, batchSize, startingPosition, … }
 * - `arn` is the table's stream ARN. `Fn::GetAtt [Table, StreamArn]` of a declared AWS::DynamoDB::Table has been
 *   computed by then to an ARN with a fixed label (cloudformation-resources.ts); the poller reads the real one
 *   from the endpoint with DescribeTable (triggers/streams/dynamodb/table-stream-arn.ts). The type is `dynamodb`
 *   when written, else told by the ARN's service, as the Framework does.
 * - `batchSize` 1–10,000. Left out, it is what the Framework deploys, 10 (its stream.js sets `BatchSize = 10`;
 *   Lambda's own API default, 100, never applies to a serverless.yml).
 * - `startingPosition` TRIM_HORIZON (the Framework's default) or LATEST; AT_TIMESTAMP is Kinesis-only
 *   (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html#lambda-CreateEventSourceMapping-request-StartingPosition).
 */
import { describeValue, type KeyPath, ManifestError, type ManifestWarning } from "./manifest-error.js";
import { isMapping } from "./variable-resolver.js";

export interface DynamoDbStreamArn {
  readonly arn: string;
  readonly region: string;
  readonly account: string;
  readonly tableName: string;
  readonly label: string;
}

export interface DynamoDbStreamSettings {
  readonly stream: DynamoDbStreamArn;
  readonly batchSize: number;
  readonly startingPosition: { readonly type: "TRIM_HORIZON" | "LATEST" };
}

export const DYNAMODB_DEFAULT_BATCH_SIZE = 10;
export const DYNAMODB_MAX_BATCH_SIZE = 10_000;

/** Table names are 3–255 of `a-zA-Z0-9_.-` (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html); the length is left to the endpoint to refuse. */
const STREAM_ARN =
  /^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table\/([a-zA-Z0-9_.-]{1,255})\/stream\/([^\s/]{1,64})$/;

export function parseDynamoDbStreamArn(arn: string): DynamoDbStreamArn | undefined {
  const match = STREAM_ARN.exec(arn);
  if (!match) return undefined;
  const [, region = "", account = "", tableName = "", label = ""] = match;
  return { arn, region, account, tableName, label };
}

/** Whether a `stream` event's value is a DynamoDB one: `type: dynamodb`, or no type and a DynamoDB ARN. */
export function isDynamoDbStreamEvent(value: unknown): boolean {
  if (typeof value === "string") return value.split(":")[2] === "dynamodb";
  if (!isMapping(value)) return false;
  if (value.type !== undefined) return value.type === "dynamodb";
  return typeof value.arn === "string" && value.arn.split(":")[2] === "dynamodb";
}

/**
 * The DynamoDB settings of the `stream` event at `path`.
 * @throws ManifestError (LKN_ERR_MANIFEST_EVENT) naming the key path of what is wrong.
 */
export function dynamoDbStreamSettings(
  value: unknown,
  file: string,
  path: KeyPath,
  _warnings: ManifestWarning[],
): DynamoDbStreamSettings {
  const fail = (at: KeyPath, problem: string, fix: string): never => {
    throw new ManifestError(file, at, problem, fix, "LKN_ERR_MANIFEST_EVENT");
  };
  const settings: Record<string, unknown> =
    typeof value === "string" ? { arn: value } : isMapping(value) ? value : {};
  const arnPath = typeof value === "string" ? path : [...path, "arn"];
  const stream = typeof settings.arn === "string" ? parseDynamoDbStreamArn(settings.arn) : undefined;
  if (stream === undefined) {
    return fail(
      arnPath,
      `must be a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>), not ${describeValue(settings.arn)}`,
      "Write !GetAtt <Table>.StreamArn of an AWS::DynamoDB::Table declared under resources (with StreamSpecification), or the stream's ARN",
    );
  }
  const size = settings.batchSize ?? DYNAMODB_DEFAULT_BATCH_SIZE;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 1 || size > DYNAMODB_MAX_BATCH_SIZE) {
    fail(
      [...path, "batchSize"],
      `must be a whole number from 1 to ${DYNAMODB_MAX_BATCH_SIZE}, not ${describeValue(settings.batchSize)}`,
      `Leave it out for the Serverless Framework's default of ${DYNAMODB_DEFAULT_BATCH_SIZE} records`,
    );
  }
  const position = settings.startingPosition ?? "TRIM_HORIZON";
  if (position !== "TRIM_HORIZON" && position !== "LATEST") {
    fail(
      [...path, "startingPosition"],
      `must be TRIM_HORIZON or LATEST for a DynamoDB stream, not ${describeValue(position)}`,
      "Write TRIM_HORIZON (the oldest record kept, the default) or LATEST (records written from now on); AT_TIMESTAMP is for Kinesis only",
    );
  }
  if (settings.startingPositionTimestamp !== undefined) {
    fail(
      [...path, "startingPositionTimestamp"],
      "only goes with a Kinesis stream's startingPosition: AT_TIMESTAMP",
      "Remove it",
    );
  }
  if (settings.consumer !== undefined) {
    fail([...path, "consumer"], "is for Kinesis streams only (enhanced fan-out)", "Remove it");
  }
  return {
    stream,
    batchSize: size as number,
    startingPosition: { type: position as "TRIM_HORIZON" | "LATEST" },
  };
}
