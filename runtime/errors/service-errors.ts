/**
 * The Lambda service's own errors (docs/lambda-behaviour.md §3.2): what the Invoke API answers when an
 * invocation is refused before or around the function. One catalogue, one class; the gateway turns a
 * ServiceError into `x-amzn-ErrorType` + `{"Type","message"}` and the CLI into a readable line.
 * Function errors are NOT ServiceErrors: they are results (HTTP 200 + X-Amz-Function-Error).
 */
import { coded } from "./lambkin-codes.js";

export type ServiceErrorName =
  | "ResourceNotFoundException"
  | "InvalidRequestContentException"
  | "InvalidParameterValueException"
  | "RequestTooLargeException"
  | "UnsupportedMediaTypeException"
  | "ResourceConflictException"
  | "TooManyRequestsException"
  | "ServiceException";

const HTTP_STATUS: Record<ServiceErrorName, number> = {
  ResourceNotFoundException: 404,
  InvalidRequestContentException: 400,
  InvalidParameterValueException: 400,
  RequestTooLargeException: 413,
  UnsupportedMediaTypeException: 415,
  ResourceConflictException: 409,
  TooManyRequestsException: 429,
  ServiceException: 500,
};

/** Reasons a TooManyRequestsException carries in its body (API_Invoke). */
export type ThrottleReason =
  | "ConcurrentInvocationLimitExceeded"
  | "ReservedFunctionConcurrentInvocationLimitExceeded"
  | "FunctionInvocationRateLimitExceeded"
  | "ReservedFunctionInvocationRateLimitExceeded"
  | "CallerRateLimitExceeded";

export class ServiceError extends Error {
  readonly statusCode: number;
  readonly type: "User" | "Service";

  constructor(
    readonly errorName: ServiceErrorName,
    message: string,
    readonly extra: { reason?: ThrottleReason; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = errorName;
    this.statusCode = HTTP_STATUS[errorName];
    this.type = errorName === "ServiceException" ? "Service" : "User";
  }

  /** The JSON body AWS sends (the SDK reads both `message` and `Message`). */
  toBody(): Record<string, unknown> {
    const body: Record<string, unknown> = { Type: this.type, message: this.message };
    if (this.errorName === "ResourceNotFoundException" || this.errorName === "ServiceException") {
      body.Message = this.message;
      delete body.message;
    }
    if (this.extra.reason) body.Reason = this.extra.reason;
    return body;
  }
}

export function functionNotFound(arn: string): ServiceError {
  return new ServiceError("ResourceNotFoundException", `Function not found: ${arn}`);
}

/**
 * AWS answers every concurrency throttle with "Rate Exceeded." and a Reason — but for a throttle it documents none
 * for (Lambda Managed Instances with every allowed environment full), where no Reason is sent.
 */
export function throttled(reason?: ThrottleReason): ServiceError {
  return new ServiceError("TooManyRequestsException", "Rate Exceeded.", {
    ...(reason === undefined ? {} : { reason }),
    retryAfterSeconds: 1,
  });
}

/**
 * The concurrency store (Redis) cannot be asked: the invocation is refused as the service's own fault (500,
 * `ServiceException`, which the SDKs retry), never run uncounted. `cause` is the limiter's coded error, for logs.
 */
export function concurrencyUnavailable(cause: Error): ServiceError {
  const error = new ServiceError(
    "ServiceException",
    coded(
      "LKN_ERR_CONCURRENCY_UNAVAILABLE",
      "Lambkin could not reach its concurrency store; the invocation was not run. Retry later.",
    ),
  );
  error.cause = cause;
  return error;
}

/** AWS's wording for an oversized Invoke request (6 MB sync, 1 MB async). */
export function requestTooLarge(limit: number): ServiceError {
  return new ServiceError(
    "RequestTooLargeException",
    `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
  );
}
