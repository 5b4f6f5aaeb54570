/**
 * The SQS store's typed errors. Each is one of AWS's SQS errors, with both of its wire names — the JSON protocol's
 * error type (`__type`, the SDK's exception name: `QueueDoesNotExist`, `QueueNameExists`) and the query protocol's
 * `<Code>` (`AWS.SimpleQueueService.NonExistentQueue`, `QueueAlreadyExists`) — its HTTP status and whether it is
 * the sender's fault, so the API layer answers it 1:1 without a table of its own. The names and statuses are the
 * service model's (`awsQueryError` traits of @aws-sdk/client-sqs; common errors:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html).
 */
import { coded } from "../../../runtime/errors/lambkin-codes.js";

export interface SqsErrorShape {
  /** JSON protocol error type and SDK exception name. */
  readonly jsonCode: string;
  /** Query protocol `<Code>`. */
  readonly queryCode: string;
  readonly httpStatus: number;
  readonly senderFault: boolean;
}

const sender = (jsonCode: string, queryCode: string, httpStatus = 400): SqsErrorShape => ({
  jsonCode,
  queryCode,
  httpStatus,
  senderFault: true,
});

export const SQS_ERROR_SHAPES = {
  QueueDoesNotExist: sender("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"),
  /** Same name, other attribute values. The JSON protocol calls it QueueNameExists. */
  QueueAlreadyExists: sender("QueueNameExists", "QueueAlreadyExists"),
  ReceiptHandleIsInvalid: sender("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404),
  MessageNotInflight: sender("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight"),
  InvalidParameterValue: sender("InvalidParameterValue", "InvalidParameterValue"),
  MissingParameter: sender("MissingParameter", "MissingParameter"),
  InvalidAttributeName: sender("InvalidAttributeName", "InvalidAttributeName"),
  InvalidAttributeValue: sender("InvalidAttributeValue", "InvalidAttributeValue"),
  InvalidMessageContents: sender("InvalidMessageContents", "InvalidMessageContents"),
  OverLimit: sender("OverLimit", "OverLimit", 403),
  EmptyBatchRequest: sender("EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest"),
  TooManyEntriesInBatchRequest: sender(
    "TooManyEntriesInBatchRequest",
    "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
  ),
  BatchRequestTooLong: sender("BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong"),
  /** The store cannot answer now (Redis unreachable, the store closed): the request had no effect. */
  ServiceUnavailable: {
    jsonCode: "ServiceUnavailable",
    queryCode: "ServiceUnavailable",
    httpStatus: 503,
    senderFault: false,
  },
} as const satisfies Record<string, SqsErrorShape>;

export type SqsErrorKind = keyof typeof SQS_ERROR_SHAPES;

export class SqsError extends Error {
  override readonly name = "SqsError";
  readonly kind: SqsErrorKind;
  readonly shape: SqsErrorShape;

  constructor(kind: SqsErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.shape = SQS_ERROR_SHAPES[kind];
  }
}

export function isSqsError(error: unknown, kind?: SqsErrorKind): error is SqsError {
  return error instanceof SqsError && (kind === undefined || error.kind === kind);
}

export const queueDoesNotExist = (): SqsError =>
  new SqsError("QueueDoesNotExist", "The specified queue does not exist.");

/** `Value <v> for parameter <name> is invalid. Reason: <why>.` — SQS's wording for InvalidParameterValue. */
export function invalidParameter(name: string, value: unknown, reason: string): SqsError {
  const shown = typeof value === "string" ? value.slice(0, 200) : String(value);
  return new SqsError(
    "InvalidParameterValue",
    `Value ${shown} for parameter ${name} is invalid. Reason: ${reason}`,
  );
}

/** The store is closed or its backend unreachable: carries LKN_ERR_SQS_STORE_UNAVAILABLE in its message. */
export function storeUnavailable(message: string, options?: ErrorOptions): SqsError {
  return new SqsError("ServiceUnavailable", coded("LKN_ERR_SQS_STORE_UNAVAILABLE", message), options);
}
