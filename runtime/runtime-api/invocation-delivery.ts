/**
 * What `GET /runtime/invocation/next` hands a runtime: the raw payload and the metadata headers of
 * docs/lambda-behaviour.md §1.2, each sent only when it has a value.
 */
export interface InvocationDelivery {
  readonly requestId: string;
  readonly payload: Buffer;
  /** Absolute deadline, epoch milliseconds. */
  readonly deadlineMs: number;
  readonly invokedFunctionArn: string;
  readonly traceId: string;
  /** JSON text (already base64-decoded from X-Amz-Client-Context). */
  readonly clientContext?: string;
  /** JSON text `{"cognitoIdentityId","cognitoIdentityPoolId"}`. */
  readonly cognitoIdentity?: string;
  readonly tenantId?: string;
  /** Invoke content type; application/json unless the caller said otherwise. */
  readonly contentType?: string;
}

export function deliveryHeaders(delivery: InvocationDelivery): Record<string, string> {
  const headers: Record<string, string> = {
    // aws-lambda-ric crashes when /next carries no Content-Type.
    "Content-Type": delivery.contentType ?? "application/json",
    "Lambda-Runtime-Aws-Request-Id": delivery.requestId,
    "Lambda-Runtime-Deadline-Ms": String(delivery.deadlineMs),
    "Lambda-Runtime-Invoked-Function-Arn": delivery.invokedFunctionArn,
    "Lambda-Runtime-Trace-Id": delivery.traceId,
    "Content-Length": String(delivery.payload.length),
  };
  if (delivery.clientContext) {
    headers["Lambda-Runtime-Client-Context"] = jsonHeaderValue(delivery.clientContext);
  }
  if (delivery.cognitoIdentity) {
    headers["Lambda-Runtime-Cognito-Identity"] = jsonHeaderValue(delivery.cognitoIdentity);
  }
  if (delivery.tenantId) headers["Lambda-Runtime-Aws-Tenant-Id"] = utf8HeaderValue(delivery.tenantId);
  return headers;
}

/**
 * A JSON document as a header value. Line breaks, which JSON allows between tokens (a pretty-printed
 * client context), become spaces — what Go's net/http, RAPID's server, writes for them; DEL, which
 * JSON allows raw inside strings but a header value does not, is written escaped. The JSON means
 * the same to the runtime that parses it.
 */
function jsonHeaderValue(json: string): string {
  return utf8HeaderValue(json.replace(/[\r\n]/g, " ").replaceAll("\x7F", "\\u007f"));
}

/**
 * Header values go on the wire as UTF-8 bytes, as RAPID sends them (a client context may hold any
 * text). Node writes a header string one byte per character, so hand it the UTF-8 bytes as such.
 */
function utf8HeaderValue(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the non-ASCII test on purpose
  return /^[\x00-\x7F]*$/.test(text) ? text : Buffer.from(text, "utf8").toString("latin1");
}
