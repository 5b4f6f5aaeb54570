/**
 * Maps a payload format 1.0 proxy response to HTTP ("set-up-lambda-proxy-integrations" output format):
 * `{statusCode, headers?, multiValueHeaders?, body?, isBase64Encoded?}` and nothing else. Anything that is not
 * that — not a JSON object, no statusCode (serverless-offline's "missing statusCode → 200" is a divergence,
 * docs/lambda-behaviour.md §8), an unknown key, a body that is not a string — is malformed: the caller answers 502/500.
 * `headers` and `multiValueHeaders` are merged; a pair present in both appears once.
 * A REST API adds `Content-Type: application/json` when the function sets none (aws/aws-sam-cli#1218); an HTTP
 * API `text/plain; charset=utf-8` [to verify on a live account].
 */
import type { GatewayResponse } from "./gateway-responses.js";
import { emptyHeaders, type HeaderLines, readHeaders, readMultiValueHeaders } from "./response-headers.js";
import type { ApiKind } from "./route-declarations.js";

const KEYS = new Set(["statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"]);

export const DEFAULT_CONTENT_TYPE: Record<ApiKind, string> = {
  rest: "application/json",
  http: "text/plain; charset=utf-8",
};

/** The HTTP response, or undefined when the function's output is not a valid proxy response. */
export function parseV1Response(
  payload: Buffer,
  kind: ApiKind,
  decodeBase64: boolean,
): GatewayResponse | undefined {
  const output = parseObject(payload);
  if (!output || Object.keys(output).some((key) => !KEYS.has(key))) return undefined;
  const statusCode = statusCodeOf(output.statusCode);
  const { body, isBase64Encoded } = output;
  if (statusCode === undefined) return undefined;
  if (body !== undefined && body !== null && typeof body !== "string") return undefined;
  if (isBase64Encoded !== undefined && isBase64Encoded !== null && typeof isBase64Encoded !== "boolean")
    return undefined;
  const multi = readMultiValueHeaders(output.multiValueHeaders, emptyHeaders());
  const single = readHeaders(output.headers, emptyHeaders());
  if (!multi || !single) return undefined;
  const headers = merge(multi.lines, single.lines);
  if (!multi.mentioned.has("content-type") && !single.mentioned.has("content-type")) {
    headers.push(["Content-Type", DEFAULT_CONTENT_TYPE[kind]]);
  }
  const text = body ?? "";
  return {
    statusCode,
    headers,
    body: isBase64Encoded === true && decodeBase64 ? Buffer.from(text, "base64") : text,
  };
}

export function parseObject(payload: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(payload.toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** An integer 100–599, or the same as a string (`"200"` is accepted, as Python examples return it). */
export function statusCodeOf(value: unknown): number | undefined {
  const number = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof number === "number" && Number.isInteger(number) && number >= 100 && number <= 599
    ? number
    : undefined;
}

function merge(multi: HeaderLines, single: HeaderLines): HeaderLines {
  const merged = [...multi];
  for (const [name, value] of single) {
    const lower = name.toLowerCase();
    if (!multi.some(([other, otherValue]) => other.toLowerCase() === lower && otherValue === value)) {
      merged.push([name, value]);
    }
  }
  return merged;
}
