/**
 * Errors that only exist at the Lambda API's HTTP edge: request validation of the wire parameters, unknown
 * operations and SigV4 authentication. The runtime never raises them (its refusals are ServiceErrors, see
 * runtime/errors/service-errors.ts); both are answered the same way by error-reply.ts.
 *
 * Wire shapes reproduced (status, `x-amzn-ErrorType`, body `{"message": …}`):
 * - ValidationException 400, `{"message":"1 validation error detected: Value '…' at 'functionName' failed to
 *   satisfy constraint: …"}` — AWS's Coral validation wording (e.g. aarondfrancis/sidecar#147,
 *   awslabs/aws-gov-cloud-import#21; LocalStack mirrors it, localstack-core/…/lambda_/api_utils.py).
 * - UnknownOperationException 404 — smithy.framework#UnknownOperationException, `@httpError(404)`, client fault.
 * - Authentication failures are 403 with `{"message": …}` only: UnrecognizedClientException (iann0036/iamlive#58),
 *   InvalidSignatureException (erlcloud/erlcloud#690, aws/aws-sdk-go#859), MissingAuthenticationTokenException
 *   (brefphp/bref#1250), IncompleteSignatureException (aws/chalice#828).
 */

export type ApiErrorName =
  | "ValidationException"
  | "UnknownOperationException"
  | "UnrecognizedClientException"
  | "InvalidSignatureException"
  | "MissingAuthenticationTokenException"
  | "IncompleteSignatureException";

const HTTP_STATUS: Record<ApiErrorName, number> = {
  ValidationException: 400,
  UnknownOperationException: 404,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 403,
};

export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly errorName: ApiErrorName,
    message: string,
  ) {
    super(message);
    this.name = errorName;
    this.statusCode = HTTP_STATUS[errorName];
  }

  /** Coral's protocol-level errors carry only a lowercase `message` (no `Type`). */
  toBody(): Record<string, unknown> {
    if (this.errorName === "UnknownOperationException") return { Type: "User", message: this.message };
    return { message: this.message };
  }
}

/** One or more constraint violations, worded and counted as AWS does ("2 validation errors detected: a; b"). */
export function validationError(violations: readonly string[]): ApiError {
  const count = violations.length;
  return new ApiError(
    "ValidationException",
    `${count} validation error${count > 1 ? "s" : ""} detected: ${violations.join("; ")}`,
  );
}

/** `Value '<v>' at '<member>' failed to satisfy constraint: <constraint>` */
export function violation(value: string, member: string, constraint: string): string {
  return `Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`;
}

export function unknownOperation(method: string, path: string): ApiError {
  return new ApiError(
    "UnknownOperationException",
    `Lambkin does not implement ${method} ${path}: only Invoke, InvokeAsync, ListFunctions, GetFunction and GetFunctionConfiguration are served`,
  );
}
