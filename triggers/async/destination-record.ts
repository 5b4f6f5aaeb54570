/**
 * The invocation record Lambda sends to an asynchronous invocation's destination
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html):
 *   {"version":"1.0","timestamp":…,"requestContext":{"requestId","functionArn":"…:$LATEST","condition",
 *    "approximateInvokeCount"},"requestPayload":…,"responseContext":{"statusCode":200,"executedVersion":"$LATEST",
 *    "functionError":"Unhandled"},"responsePayload":…}
 * `condition` is `Success` for onSuccess, `RetriesExhausted` or `EventAgeExceeded` for onFailure. Payloads are
 * embedded as JSON when they are JSON, else as their text.
 */
export type DestinationCondition = "Success" | "RetriesExhausted" | "EventAgeExceeded";

export interface DestinationRecord {
  readonly version: "1.0";
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: DestinationCondition;
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext?: {
    readonly statusCode: 200;
    readonly executedVersion: "$LATEST";
    readonly functionError?: "Unhandled";
  };
  readonly responsePayload?: unknown;
}

export interface LastResponse {
  readonly payload: Buffer;
  readonly functionError?: "Unhandled";
}

export function destinationRecord(input: {
  readonly requestId: string;
  readonly functionArn: string;
  readonly condition: DestinationCondition;
  readonly approximateInvokeCount: number;
  readonly requestPayload: Buffer;
  /** The last attempt's response; none when the event expired before any attempt ran. */
  readonly response?: LastResponse;
  readonly now?: Date;
}): DestinationRecord {
  const { response } = input;
  return {
    version: "1.0",
    timestamp: (input.now ?? new Date()).toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: `${input.functionArn}:$LATEST`,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    requestPayload: embedded(input.requestPayload),
    ...(response
      ? {
          responseContext: {
            statusCode: 200,
            executedVersion: "$LATEST",
            ...(response.functionError ? { functionError: response.functionError } : {}),
          },
          responsePayload: embedded(response.payload),
        }
      : {}),
  };
}

function embedded(payload: Buffer): unknown {
  const text = payload.toString("utf8");
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
