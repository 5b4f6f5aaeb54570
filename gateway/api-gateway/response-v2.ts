/**
 * Maps a payload format 2.0 response to HTTP ("http-api-develop-integrations-lambda", docs/lambda-behaviour.md §6.2).
 *  - Output that is valid JSON without a `statusCode` is inferred: 200, `content-type: application/json`, the
 *    body is the function's output exactly — a string result `"Hello"` goes out *with* its quotes, an object
 *    as its JSON (serverless-offline does neither by default: dherault/serverless-offline#1097).
 *  - An object with `statusCode` is a response: `headers`, `cookies` (each one a `set-cookie` line),
 *    `body` (a string), `isBase64Encoded` (always decoded: HTTP APIs have no binaryMediaTypes).
 *  - Output that is not JSON, or a response with a bad statusCode, headers, cookies or body, is malformed.
 */
import type { GatewayResponse } from "./gateway-responses.js";
import { emptyHeaders, readHeaders } from "./response-headers.js";
import { DEFAULT_CONTENT_TYPE, statusCodeOf } from "./response-v1.js";

export function parseV2Response(payload: Buffer): GatewayResponse | undefined {
  let output: unknown;
  try {
    output = JSON.parse(payload.toString("utf8"));
  } catch {
    return undefined;
  }
  if (output === null || typeof output !== "object" || Array.isArray(output) || !("statusCode" in output)) {
    return { statusCode: 200, headers: [["content-type", "application/json"]], body: payload };
  }
  const response = output as Record<string, unknown>;
  const statusCode = statusCodeOf(response.statusCode);
  const { body, isBase64Encoded, cookies } = response;
  if (statusCode === undefined) return undefined;
  if (body !== undefined && body !== null && typeof body !== "string") return undefined;
  if (cookies !== undefined && cookies !== null && !isStringList(cookies)) return undefined;
  const headers = readHeaders(response.headers, emptyHeaders());
  if (!headers) return undefined;
  const lines = headers.lines;
  if (!headers.mentioned.has("content-type")) lines.push(["content-type", DEFAULT_CONTENT_TYPE.http]);
  for (const cookie of (cookies as string[] | null | undefined) ?? []) lines.push(["set-cookie", cookie]);
  const text = body ?? "";
  return { statusCode, headers: lines, body: isBase64Encoded === true ? Buffer.from(text, "base64") : text };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}
