/**
 * The record a stream mapping's onFailure destination gets when a batch is given up: metadata only, the records
 * stay in the stream (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html):
 *   {"requestContext":{"requestId","functionArn","condition":"RetryAttemptsExhausted","approximateInvokeCount":1},
 *    "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},
 *    "version":"1.0","timestamp":"2019-11-14T00:13:49.717Z","DDBStreamBatchInfo":{…}}
 * `condition` is RetryAttemptsExhausted, or RecordAgeExceeded for records older than maximumRecordAgeInSeconds.
 * Records discarded for their age before any invocation have no responseContext.
 */
export type StreamFailureCondition = "RetryAttemptsExhausted" | "RecordAgeExceeded";

export interface StreamFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: StreamFailureCondition;
    readonly approximateInvokeCount: number;
  };
  readonly responseContext?: {
    readonly statusCode: 200;
    readonly executedVersion: "$LATEST";
    readonly functionError?: "Unhandled";
  };
  readonly version: "1.0";
  readonly timestamp: string;
  readonly [batchInfo: string]: unknown;
}

export interface LastInvocation {
  readonly requestId: string;
  readonly functionError?: "Unhandled";
}

export function streamFailureRecord(input: {
  readonly functionArn: string;
  readonly condition: StreamFailureCondition;
  readonly approximateInvokeCount: number;
  readonly last?: LastInvocation;
  /** `{"DDBStreamBatchInfo": {…}}` or `{"KinesisBatchInfo": {…}}` (StreamSource#batchInfo). */
  readonly batchInfo: Readonly<Record<string, unknown>>;
  readonly requestId: string;
  readonly now: Date;
}): StreamFailureRecord {
  const { last } = input;
  return {
    requestContext: {
      requestId: last?.requestId ?? input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    ...(last
      ? {
          responseContext: {
            statusCode: 200,
            executedVersion: "$LATEST",
            ...(last.functionError ? { functionError: last.functionError } : {}),
          },
        }
      : {}),
    version: "1.0",
    timestamp: input.now.toISOString(),
    ...input.batchInfo,
  };
}
