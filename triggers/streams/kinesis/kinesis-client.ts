/**
 * The Kinesis client the poller uses: the real @aws-sdk/client-kinesis at AWS_ENDPOINT_URL_KINESIS (the SDK's own
 * service-specific endpoint variable,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), else the region's AWS endpoint.
 *
 * Over HTTP/1.1: the Kinesis client defaults to HTTP/2 (which only SubscribeToShard, enhanced fan-out, needs, and
 * Lambkin does not use it), and the servers people run in its place (kinesalite, LocalStack behind some proxies)
 * answer HTTP/1.1 only; AWS's endpoint speaks both.
 */
import { KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { STAND_IN_CLIENT_CREDENTIALS } from "../../../runtime/sandbox/service-endpoints.js";

export interface KinesisClientOptions {
  readonly region: string;
  /** Default: AWS_ENDPOINT_URL_KINESIS, else AWS's endpoint for the region. */
  readonly endpoint?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
}

/** The endpoint Lambkin reads Kinesis at, if one is configured. */
export function kinesisEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.AWS_ENDPOINT_URL_KINESIS?.trim();
  return value === undefined || value === "" ? undefined : value;
}

export function createKinesisClient(options: KinesisClientOptions): KinesisClient {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? kinesisEndpoint(env);
  // A local stand-in does not check signatures, but the SDK refuses to send without credentials: give it
  // placeholder ones when none are configured, never for AWS's own endpoint.
  const placeholderCredentials =
    endpoint !== undefined && env.AWS_ACCESS_KEY_ID === undefined && env.AWS_PROFILE === undefined
      ? { credentials: STAND_IN_CLIENT_CREDENTIALS }
      : {};
  return new KinesisClient({
    region: options.region,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...placeholderCredentials,
    // throwOnRequestTimeout: without it the handler only warns, and a stalled endpoint would hang the poll.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 5_000,
      requestTimeout: 30_000,
      throwOnRequestTimeout: true,
    }),
    // Throttling (ProvisionedThroughputExceededException) is backed off by the poller, per shard, not by the
    // SDK's retries in the middle of a poll.
    maxAttempts: 1,
  });
}
