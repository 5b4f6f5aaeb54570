/**
 * An error as an AWS service answers it, in both of its wire names: the JSON protocol's type (`__type`, the SDK's
 * exception name) and the query protocol's `<Code>` — they differ for some SQS errors (QueueDoesNotExist vs
 * AWS.SimpleQueueService.NonExistentQueue), which is why awsQueryCompatible services send the query code in the
 * `x-amzn-query-error` header of a JSON answer. Service-specific errors convert to it (sqs-api/sqs-api-errors.ts);
 * the protocol-level ones every service shares are below, with the codes of
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html.
 */

export interface AwsErrorOptions {
  /** The query protocol's `<Code>`; default the JSON code. */
  readonly queryCode?: string;
  /** Default 400. */
  readonly httpStatus?: number;
  /** `Sender` (the caller's fault) or `Receiver`; default from the status (< 500: Sender). */
  readonly senderFault?: boolean;
}

export class AwsError extends Error {
  override readonly name = "AwsError";
  readonly queryCode: string;
  readonly httpStatus: number;
  readonly senderFault: boolean;

  constructor(
    /** The JSON protocol's error type, without namespace: `QueueDoesNotExist`. */
    readonly code: string,
    message: string,
    options: AwsErrorOptions = {},
  ) {
    super(message);
    this.queryCode = options.queryCode ?? code;
    this.httpStatus = options.httpStatus ?? 400;
    this.senderFault = options.senderFault ?? this.httpStatus < 500;
  }

  get faultType(): "Sender" | "Receiver" {
    return this.senderFault ? "Sender" : "Receiver";
  }
}

export function isAwsError(error: unknown): error is AwsError {
  return error instanceof AwsError;
}

export const invalidAction = (action: string): AwsError =>
  new AwsError(
    "InvalidAction",
    `The action or operation requested is invalid. Verify that the action is typed correctly: ${truncate(action)}`,
  );

export const missingAction = (): AwsError =>
  new AwsError("MissingAction", "The request must contain the parameter Action.");

/** JSON protocol: an `X-Amz-Target` naming no operation (Coral's UnknownOperationException). */
export const unknownOperation = (target: string): AwsError =>
  new AwsError("UnknownOperationException", `Operation ${truncate(target)} is not supported.`, {
    queryCode: "InvalidAction",
  });

/** JSON protocol: a body that is not a JSON object of the operation's input. */
export const serializationError = (detail: string): AwsError =>
  new AwsError("SerializationException", detail, { queryCode: "MalformedQueryString" });

export const malformedQueryString = (detail: string): AwsError =>
  new AwsError("MalformedQueryString", detail, { httpStatus: 400 });

export const missingParameter = (name: string): AwsError =>
  new AwsError("MissingParameter", `The request must contain the parameter ${name}.`);

export const internalFailure = (): AwsError =>
  new AwsError(
    "InternalFailure",
    "The request processing has failed because of an unknown error, exception or failure.",
    { httpStatus: 500 },
  );

export const serviceUnavailable = (message: string): AwsError =>
  new AwsError("ServiceUnavailable", message, { httpStatus: 503 });

/** Request bodies over the service's limit (answered before they are read whole). */
export const requestTooLarge = (limitBytes: number): AwsError =>
  new AwsError("RequestEntityTooLarge", `Request body must be at most ${limitBytes} bytes.`, {
    httpStatus: 413,
  });

/** Caller-provided text quoted in a message is shortened: an error must not echo megabytes back. */
export function truncate(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
