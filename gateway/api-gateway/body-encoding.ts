/**
 * When a body travels as text and when as base64, in both directions.
 *  - REST API: a request body whose Content-Type matches one of the API's binaryMediaTypes is passed base64
 *    with isBase64Encoded: true, any other as UTF-8 text; a response with isBase64Encoded: true is decoded to
 *    bytes only when the request's Accept header matches a binary media type, else the base64 text is sent
 *    as-is ("api-gateway-payload-encodings-workflow", "lambda-proxy-binary-media").
 *  - HTTP API: no binaryMediaTypes; a request body is text for text/*, application/json, application/xml and
 *    application/javascript and base64 for anything else, including no Content-Type and form posts
 *    (verified against AWS in ministackorg/ministack#766); isBase64Encoded: true responses are always decoded.
 */

export interface EventBody {
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

const HTTP_API_TEXT_TYPES = new Set(["application/json", "application/xml", "application/javascript"]);

/** The media type without parameters, lower-cased: `Text/HTML; charset=utf-8` → `text/html`. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** `*\/*`, `image/*` or an exact type, as binaryMediaTypes are written. */
export function mediaTypeMatches(pattern: string, mediaType: string): boolean {
  const [type, subtype] = pattern.trim().toLowerCase().split("/");
  const [actualType, actualSubtype] = mediaType.split("/");
  if (type === "*" && subtype === "*") return true;
  return type === actualType && (subtype === "*" || subtype === actualSubtype);
}

export function restRequestBody(
  body: Buffer | undefined,
  contentType: string | undefined,
  binaryMediaTypes: readonly string[],
): EventBody {
  if (!body || body.length === 0) return { body: null, isBase64Encoded: false };
  const mediaType = mediaTypeOf(contentType);
  const binary = mediaType !== "" && binaryMediaTypes.some((pattern) => mediaTypeMatches(pattern, mediaType));
  return binary
    ? { body: body.toString("base64"), isBase64Encoded: true }
    : { body: body.toString("utf8"), isBase64Encoded: false };
}

export function httpApiRequestBody(body: Buffer | undefined, contentType: string | undefined): EventBody {
  if (!body || body.length === 0) return { body: null, isBase64Encoded: false };
  const mediaType = mediaTypeOf(contentType);
  const text = mediaType.startsWith("text/") || HTTP_API_TEXT_TYPES.has(mediaType);
  return text
    ? { body: body.toString("utf8"), isBase64Encoded: false }
    : { body: body.toString("base64"), isBase64Encoded: true };
}

/** REST: whether a base64 response body is turned back into bytes, from the request's first Accept type. */
export function restDecodesResponse(
  accept: string | undefined,
  binaryMediaTypes: readonly string[],
): boolean {
  const first = mediaTypeOf(accept?.split(",")[0]);
  if (binaryMediaTypes.some((pattern) => mediaTypeOf(pattern) === "*/*")) return true;
  return first !== "" && binaryMediaTypes.some((pattern) => mediaTypeMatches(pattern, first));
}
