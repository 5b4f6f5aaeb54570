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
 *    (LAMBDA_SEMANTICS §6.3); HTTP API 503 `Service Unavailable` (observed on AWS: anomalyco/sst#2232,
 *    serverless/serverless#11222 — not the 504 §6.3 gives for both).
 */
import type { ApiKind } from "./route-declarations.js";

export interface GatewayResponse {
  readonly statusCode: number;
  /** Header lines in order; a name may repeat (multi-value headers, one Set-Cookie per cookie). */
  readonly headers: [string, string][];
  readonly body: Buffer | string;
}

export type GatewayError = "noRoute" | "integrationFailure" | "invocationRejected" | "integrationTimeout";

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
