/**
 * SNS's errors as the query protocol answers them: `<Error><Type>Sender|Receiver</Type><Code>…</Code>` with the
 * HTTP status of the service model (`awsQueryError` traits of @aws-sdk/client-sns; the errors of each action:
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html#API_Publish_Errors,
 * https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html). The store, the publisher and the API layer
 * throw these, and the API layer answers them 1:1.
 */
import { coded } from "../../../runtime/errors/lambkin-codes.js";

export interface SnsErrorShape {
  /** The query protocol's `<Code>` (also the SDK's exception name, minus `Exception`). */
  readonly code: string;
  readonly httpStatus: number;
  readonly senderFault: boolean;
}

const sender = (code: string, httpStatus = 400): SnsErrorShape => ({ code, httpStatus, senderFault: true });

export const SNS_ERROR_SHAPES = {
  NotFound: sender("NotFound", 404),
  InvalidParameter: sender("InvalidParameter"),
  InvalidParameterValue: sender("ParameterValueInvalid"),
  /** An action or a required parameter the API does not know (common errors). */
  InvalidAction: sender("InvalidAction"),
  MissingParameter: sender("MissingParameter"),
  TopicLimitExceeded: sender("TopicLimitExceeded", 403),
  SubscriptionLimitExceeded: sender("SubscriptionLimitExceeded", 403),
  FilterPolicyLimitExceeded: sender("FilterPolicyLimitExceeded", 403),
  EmptyBatchRequest: sender("EmptyBatchRequest"),
  TooManyEntriesInBatchRequest: sender("TooManyEntriesInBatchRequest"),
  BatchEntryIdsNotDistinct: sender("BatchEntryIdsNotDistinct"),
  BatchRequestTooLong: sender("BatchRequestTooLong"),
  InvalidBatchEntryId: sender("InvalidBatchEntryId"),
  /** The store cannot answer now (Redis unreachable, the store closed): the request had no effect. */
  InternalError: { code: "InternalError", httpStatus: 500, senderFault: false },
} as const satisfies Record<string, SnsErrorShape>;

export type SnsErrorKind = keyof typeof SNS_ERROR_SHAPES;

export class SnsError extends Error {
  override readonly name = "SnsError";
  readonly kind: SnsErrorKind;
  readonly shape: SnsErrorShape;

  constructor(kind: SnsErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.shape = SNS_ERROR_SHAPES[kind];
  }
}

export function isSnsError(error: unknown, kind?: SnsErrorKind): error is SnsError {
  return error instanceof SnsError && (kind === undefined || error.kind === kind);
}

/** `Invalid parameter: <what>` — SNS's wording for InvalidParameter. */
export const invalidParameter = (what: string): SnsError =>
  new SnsError("InvalidParameter", `Invalid parameter: ${what}`);

export const topicNotFound = (): SnsError => new SnsError("NotFound", "Topic does not exist");
export const subscriptionNotFound = (): SnsError => new SnsError("NotFound", "Subscription does not exist");

export function snsStoreUnavailable(message: string, options?: ErrorOptions): SnsError {
  return new SnsError("InternalError", coded("LKN_ERR_SNS_STORE_UNAVAILABLE", message), options);
}
