/**
 * What goes back to the client (GatewayResponse), and the catalogue of answers API Gateway gives on its own,
 * in its shapes — the body `{"message": …}` and, on REST APIs, `x-amzn-ErrorType`:
 *  - no route: REST 403 `Missing Authentication Token` (MISSING_AUTHENTICATION_TOKEN gateway response, also
 *    for a known path with an undeclared method); HTTP API 404 `Not Found`;
 *  - the function failed or answered something that is not a valid proxy response: REST 502
 *    `Internal server error` ("services-apigateway-errors"); HTTP API 500 `Internal Server Error` (observed
 *    on AWS in aws/aws-sam-cli#2590: `HTTP/2 500`, `{"message":"Internal Server Error"}`);
 *  - Lambda refused the invocation (throttled — TooManyRequestsException — or any other service error):
 *    500 `Internal server error` on REST ("If the Lambda API rejects the invocation request, API Gateway returns
 *    a 500", services-apigateway-errors; "API Gateway maps 429 errors from Lambda to 500 responses", AWS's answer
 *    on stackoverflow.com/questions/36363280; re:Post "API Gateway proxy integration does not forward Lambda
 *    throttling (HTTP 429)") and 500 `Internal Server Error` on an HTTP API;
 *  - the integration timed out (REST 29 s, HTTP API 30 s): REST 504 `Endpoint request timed out`
 *    (docs/lambda-behaviour.md §6.3); HTTP API 503 `Service Unavailable` (observed on AWS: anomalyco/sst#2232,
 *    serverless/serverless#11222 — not the 504 §6.3 gives for both).
 * And for requests refused at the front door, before any route is chosen — the same answer for both kinds of API,
 * `{"message": …}` without `x-amzn-ErrorType` (no gateway response type covers them):
 *  - a body over API Gateway's 10 MB payload quota: 413 `Request Too Long` (REQUEST_TOO_LARGE);
 *  - a request line and headers over the 10240-byte quota ("api-gateway-execution-service-limits-table", "http-api-
 *    quotas"): 414 `Request URI too long` when the URL alone is over it (the status the quotas page names for an
 *    overlong URI), else 431 `Request Header Fields Too Large`;
 *  - a path whose percent-encoding is malformed (an HTTP API decodes every path, "http-api-develop-routes"):
 *    400 `Bad Request`.
 * AWS documents the statuses, not these bodies; the messages are the HTTP reason phrases, as HTTP APIs word theirs.
 */
import type { ApiKind } from "./route-declarations.js";

export interface GatewayResponse {
  readonly statusCode: number;
  /** Header lines in order; a name may repeat (multi-value headers, one Set-Cookie per cookie). */
  readonly headers: [string, string][];
  readonly body: Buffer | string;
}

export type GatewayError = "noRoute" | "integrationFailure" | "invocationRejected" | "integrationTimeout";

export type FrontDoorError = "badRequest" | "bodyTooLarge" | "headersTooLarge" | "uriTooLong";

const FRONT_DOOR: Record<FrontDoorError, [number, string]> = {
  badRequest: [400, "Bad Request"],
  bodyTooLarge: [413, "Request Too Long"],
  headersTooLarge: [431, "Request Header Fields Too Large"],
  uriTooLong: [414, "Request URI too long"],
};

/** API Gateway's payload quota, REST and HTTP APIs alike. */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;
/** "Total combined size of request line and header values", REST and HTTP APIs alike. */
export const MAX_REQUEST_LINE_AND_HEADERS_BYTES = 10240;

const REST: Record<GatewayError, [number, string, string]> = {
  noRoute: [403, "Missing Authentication Token", "MissingAuthenticationTokenException"],
  integrationFailure: [502, "Internal server error", "InternalServerErrorException"],
  invocationRejected: [500, "Internal server error", "InternalServerErrorException"],
  integrationTimeout: [504, "Endpoint request timed out", "InternalServerErrorException"],
};

const HTTP_API: Record<GatewayError, [number, string]> = {
  noRoute: [404, "Not Found"],
  integrationFailure: [500, "Internal Server Error"],
  invocationRejected: [500, "Internal Server Error"],
  integrationTimeout: [503, "Service Unavailable"],
};

export function gatewayError(kind: ApiKind, error: GatewayError): GatewayResponse {
  if (kind === "rest") {
    const [statusCode, message, errorType] = REST[error];
    return {
      statusCode,
      headers: [
        ["Content-Type", "application/json"],
        ["x-amzn-ErrorType", errorType],
      ],
      body: JSON.stringify({ message }),
    };
  }
  const [statusCode, message] = HTTP_API[error];
  return { statusCode, headers: [["content-type", "application/json"]], body: JSON.stringify({ message }) };
}

export function frontDoorError(error: FrontDoorError): GatewayResponse {
  const [statusCode, message] = FRONT_DOOR[error];
  return { statusCode, headers: [["Content-Type", "application/json"]], body: JSON.stringify({ message }) };
}
