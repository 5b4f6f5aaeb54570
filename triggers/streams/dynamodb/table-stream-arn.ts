/**
 * The real ARN of a table's stream. A serverless.yml names it `!GetAtt <Table>.StreamArn`, which the manifest
 * loader computes with a fixed label (`…/stream/1970-01-01T00:00:00.000`, cloudformation-resources.ts: the label
 * is the stream's creation time, unknown until the table exists). The poller needs the endpoint's own, so it asks
 * DescribeTable for the table's LatestStreamArn
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTable.html). An ARN written with
 * another label is used as written.
 *
 * A table that does not exist yet (created later by a script, a test, or Lambkin's local cloud), or has no stream
 * enabled yet, is waited for: DescribeTable is asked again every `retryMs` until the poller closes, and the wait is
 * reported once (LKN_WRN_STREAM_SOURCE_WAITING) so that a typo in a table name is seen.
 */
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDbStreamArn } from "../../../runtime/manifest/dynamodb-stream-event.js";

/** The label cloudformation-resources.ts gives every computed StreamArn. */
export const COMPUTED_STREAM_LABEL = "1970-01-01T00:00:00.000";

export type StreamArnLookup =
  | { readonly found: true; readonly streamArn: string }
  | { readonly found: false; readonly reason: string };

/** One look at the table: its stream's ARN, or why there is none yet. */
export async function lookUpTableStreamArn(
  client: DynamoDBClient,
  stream: DynamoDbStreamArn,
): Promise<StreamArnLookup> {
  if (stream.label !== COMPUTED_STREAM_LABEL) return { found: true, streamArn: stream.arn };
  try {
    const output = await client.send(new DescribeTableCommand({ TableName: stream.tableName }));
    const arn = output.Table?.LatestStreamArn;
    const enabled = output.Table?.StreamSpecification?.StreamEnabled !== false;
    if (arn && enabled) return { found: true, streamArn: arn };
    return {
      found: false,
      reason: `the table ${stream.tableName} has no stream enabled (StreamSpecification)`,
    };
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name;
    if (name === "ResourceNotFoundException")
      return {
        found: false,
        reason: `the table ${stream.tableName} does not exist at the DynamoDB endpoint yet`,
      };
    return { found: false, reason: `DescribeTable ${stream.tableName} failed: ${(error as Error).message}` };
  }
}
