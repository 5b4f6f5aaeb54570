/**
 * The payload format 1.0 event: what a REST API's Lambda proxy integration sends, and an HTTP API's when its
 * integration uses payload 1.0 ("set-up-lambda-proxy-integrations" input format; "http-api-develop-integrations-
 * lambda" 1.0 example; docs/lambda-behaviour.md §6.1).
 *  - `headers` / `queryStringParameters` keep the last value, the multi-value maps every value; each map is
 *    null when empty, as are `pathParameters` and `stageVariables`.
 *  - REST: header names as sent, `path` and path variables as sent (percent-encoded), `requestContext.path`
 *    with the stage (`/dev/hello`), and **no** `version` field (aws/aws-sam-cli#6442). No `Content-Length`:
 *    a REST API re-encodes the body it passes (as UTF-8 text or base64), so it never forwards the client's length
 *    (the documentation's example has none; serverless-http, @fastify/aws-lambda and aws-serverless-express add
 *    their own for that reason — dougmoscrop/serverless-http#1, pulumi/pulumi-cloud#314). Header names that differ
 *    only in case are one header (RFC 9110 §5.1): one entry, under the spelling received first, with every value
 *    in `multiValueHeaders` and the last in `headers`.
 *  - HTTP API 1.0: `version: "1.0"`, lower-case header names, decoded path, stage `$default`.
 */
import { LOCAL_ACCOUNT_ID } from "../../runtime/manifest/local-account.js";
import { httpApiRequestBody, restRequestBody } from "./body-encoding.js";
import { queryPairs } from "./query-string.js";
import { headerValue, type RequestData } from "./request-data.js";
import { clfTime } from "./request-ids.js";
import { decodePath, type RouteMatch } from "./route-table.js";

export interface RequestIds {
  readonly requestId: string;
  readonly extendedRequestId: string;
}

export function buildV1Event(
  request: RequestData,
  match: RouteMatch,
  ids: RequestIds,
): Record<string, unknown> {
  const { route } = match;
  const rest = route.api.kind === "rest";
  const headerLines = rest
    ? restHeaderLines(request.headers)
    : request.headers.map(([name, value]) => [name.toLowerCase(), value] as const);
  const path = rest ? request.rawPath : decodePath(request.rawPath);
  const resource = route.path?.text ?? "$default";
  const contentType = headerValue(request.headers, "content-type");
  const body = rest
    ? restRequestBody(request.body, contentType, route.api.binaryMediaTypes)
    : httpApiRequestBody(request.body, contentType);
  const domainName = headerValue(request.headers, "host") ?? "localhost";
  const event: Record<string, unknown> = rest ? {} : { version: "1.0" };
  Object.assign(event, {
    resource,
    path,
    httpMethod: request.method,
    headers: singleValues(headerLines),
    multiValueHeaders: multiValues(headerLines),
    queryStringParameters: singleValues(queryPairs(request.rawQueryString)),
    multiValueQueryStringParameters: multiValues(queryPairs(request.rawQueryString)),
    pathParameters: match.params ?? null,
    stageVariables: null,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: route.api.id,
      domainName,
      domainPrefix: domainName.split(".")[0],
      extendedRequestId: ids.extendedRequestId,
      httpMethod: request.method,
      identity: identity(request, rest),
      path: rest ? `/${route.api.stage}${path}` : path,
      protocol: request.protocol,
      requestId: ids.requestId,
      requestTime: clfTime(request.receivedAt),
      requestTimeEpoch: request.receivedAt,
      resourceId: rest ? route.resourceId : null,
      resourcePath: resource,
      stage: route.api.stage,
    },
    body: body.body,
    isBase64Encoded: body.isBase64Encoded,
  });
  return event;
}

/**
 * `requestContext.identity` without an authorizer: only the caller's address and user agent are known. The keys
 * are those of the documented examples: HTTP API 1.0's, plus `apiKey`/`apiKeyId` on a REST API.
 */
function identity(request: RequestData, rest: boolean): Record<string, unknown> {
  return {
    accessKey: null,
    accountId: null,
    ...(rest ? { apiKey: null, apiKeyId: null } : {}),
    caller: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: request.sourceIp,
    user: null,
    userAgent: headerValue(request.headers, "user-agent") ?? null,
    userArn: null,
  };
}

/** The client's header lines as a REST API passes them: without Content-Length, names merged case-insensitively. */
function restHeaderLines(lines: RequestData["headers"]): (readonly [string, string])[] {
  const spelling = new Map<string, string>();
  const passed: (readonly [string, string])[] = [];
  for (const [name, value] of lines) {
    const lower = name.toLowerCase();
    if (lower === "content-length") continue;
    if (!spelling.has(lower)) spelling.set(lower, name);
    passed.push([spelling.get(lower) as string, value]);
  }
  return passed;
}

function singleValues(pairs: readonly (readonly [string, string])[]): Record<string, string> | null {
  if (pairs.length === 0) return null;
  // No prototype: a `__proto__` header or parameter is kept like any other.
  const map: Record<string, string> = Object.create(null);
  for (const [key, value] of pairs) map[key] = value;
  return map;
}

function multiValues(pairs: readonly (readonly [string, string])[]): Record<string, string[]> | null {
  if (pairs.length === 0) return null;
  const map: Record<string, string[]> = Object.create(null);
  for (const [key, value] of pairs) {
    const values = map[key];
    if (values) values.push(value);
    else map[key] = [value];
  }
  return map;
}
