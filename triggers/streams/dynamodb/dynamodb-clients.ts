/**
 * The DynamoDB clients the poller uses: @aws-sdk/client-dynamodb-streams for the stream (DescribeStream,
 * GetShardIterator, GetRecords) and @aws-sdk/client-dynamodb for DescribeTable (a declared table's real stream
 * ARN), both at AWS_ENDPOINT_URL_DYNAMODB (DynamoDB Local and LocalStack serve the Streams API on the same port),
 * or AWS_ENDPOINT_URL_DYNAMODB_STREAMS for the stream when it is set (the SDK's own service-specific variable,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { STAND_IN_CLIENT_CREDENTIALS } from "../../../runtime/sandbox/service-endpoints.js";

export interface DynamoDbClients {
  readonly streams: DynamoDBStreamsClient;
  readonly tables: DynamoDBClient;
  destroy(): void;
}

function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** The endpoint Lambkin reads DynamoDB at, if one is configured. */
export function dynamoDbEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return setting(env, "AWS_ENDPOINT_URL_DYNAMODB");
}

export function createDynamoDbClients(region: string, env: NodeJS.ProcessEnv = process.env): DynamoDbClients {
  const tablesEndpoint = dynamoDbEndpoint(env);
  const streamsEndpoint = setting(env, "AWS_ENDPOINT_URL_DYNAMODB_STREAMS") ?? tablesEndpoint;
  // A local stand-in does not check signatures, but the SDK refuses to send without credentials: placeholder
  // ones when none are configured, never for AWS's own endpoint.
  const credentials = (endpoint: string | undefined) =>
    endpoint !== undefined && env.AWS_ACCESS_KEY_ID === undefined && env.AWS_PROFILE === undefined
      ? { credentials: STAND_IN_CLIENT_CREDENTIALS }
      : {};
  const common = {
    region,
    // throwOnRequestTimeout: without it the handler only warns, and a stalled endpoint would hang the poll.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
      throwOnRequestTimeout: true,
    }),
    // Throttling is backed off by the poller, per shard, not by the SDK's retries in the middle of a poll.
    maxAttempts: 1,
  };
  const streams = new DynamoDBStreamsClient({
    ...common,
    ...(streamsEndpoint !== undefined ? { endpoint: streamsEndpoint } : {}),
    ...credentials(streamsEndpoint),
  });
  const tables = new DynamoDBClient({
    ...common,
    ...(tablesEndpoint !== undefined ? { endpoint: tablesEndpoint } : {}),
    ...credentials(tablesEndpoint),
  });
  return {
    streams,
    tables,
    destroy() {
      streams.destroy();
      tables.destroy();
    },
  };
}
