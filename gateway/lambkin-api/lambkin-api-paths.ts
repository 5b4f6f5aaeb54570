/**
 * The paths of Lambkin's own HTTP API: everything under `/_lambkin` (`/_lambkin/events` …). The front door
 * (front-door.ts) answers requests refused before any route runs on these paths in this API's JSON format, as it
 * answers the Lambda API's in Lambda's and the rest as API Gateway.
 */
import type { FrontDoorError, GatewayResponse } from "../api-gateway/gateway-responses.js";

export const LAMBKIN_API_PREFIX = "/_lambkin";

/** `path` as sent (query string allowed): `/_lambkin` itself or anything under it. */
export function isLambkinApiPath(path: string): boolean {
  return (
    path.startsWith(LAMBKIN_API_PREFIX) && ["", "/", "?"].includes(path.charAt(LAMBKIN_API_PREFIX.length))
  );
}

const FRONT_DOOR: Record<FrontDoorError, [number, string]> = {
  badRequest: [400, "the request is not valid HTTP/1.1, or its path is not valid percent-encoded UTF-8"],
  bodyTooLarge: [413, "Lambkin's API takes no request body"],
  headersTooLarge: [431, "the request's headers are too large"],
  uriTooLong: [414, "the request's URI is too long"],
};

export function lambkinApiFrontDoorAnswer(failure: FrontDoorError): GatewayResponse {
  const [statusCode, message] = FRONT_DOOR[failure];
  return {
    statusCode,
    headers: [["Content-Type", "application/json"]],
    body: JSON.stringify({ code: "LKN_ERR_ADMIN_REQUEST_INVALID", message }),
  };
}
