/**
 * The payload format 2.0 event an HTTP API sends ("http-api-develop-integrations-lambda"; docs/lambda-behaviour.md §6.2):
 * `version: "2.0"`, `routeKey` (`GET /users/{id}` or `$default`), `rawPath`, `rawQueryString`, `cookies` split
 * out of the Cookie header (and not repeated in `headers`), lower-case `headers` with duplicates joined by
 * commas, `queryStringParameters` likewise, `requestContext.http`, `time`/`timeEpoch`, stage `$default`.
 * Keys without a value (`cookies`, `queryStringParameters`, `pathParameters`, `body`) are left out, not null.
 * HTTP APIs pass the path percent-decoded (hotsock/voker#8); the query string stays as sent.
 */
import { LOCAL_ACCOUNT_ID } from "../../runtime/manifest/local-account.js";
import { httpApiRequestBody } from "./body-encoding.js";
import { queryPairs } from "./query-string.js";
import { headerValue, type RequestData } from "./request-data.js";
import { clfTime } from "./request-ids.js";
import { decodePath, type RouteMatch } from "./route-table.js";

export function buildV2Event(
  request: RequestData,
  match: RouteMatch,
  requestId: string,
): Record<string, unknown> {
  const { route } = match;
  const path = decodePath(request.rawPath);
  const headers: Record<string, string> = Object.create(null);
  const cookies: string[] = [];
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    if (lower === "cookie")
      cookies.push(
        ...value
          .split(";")
          .map((cookie) => cookie.trim())
          .filter(Boolean),
      );
    else headers[lower] = lower in headers ? `${headers[lower]},${value}` : value;
  }
  const query: Record<string, string> = Object.create(null);
  for (const [key, value] of queryPairs(request.rawQueryString)) {
    query[key] = key in query ? `${query[key]},${value}` : value;
  }
  const body = httpApiRequestBody(request.body, headers["content-type"]);
  const domainName = headerValue(request.headers, "host") ?? "localhost";
  const event: Record<string, unknown> = {
    version: "2.0",
    routeKey: route.routeKey,
    rawPath: path,
    rawQueryString: request.rawQueryString,
  };
  if (cookies.length > 0) event.cookies = cookies;
  event.headers = headers;
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  event.requestContext = {
    accountId: LOCAL_ACCOUNT_ID,
    apiId: route.api.id,
    domainName,
    domainPrefix: domainName.split(".")[0],
    http: {
      method: request.method,
      path,
      protocol: request.protocol,
      sourceIp: request.sourceIp,
      userAgent: headers["user-agent"] ?? "",
    },
    requestId,
    routeKey: route.routeKey,
    stage: route.api.stage,
    time: clfTime(request.receivedAt),
    timeEpoch: request.receivedAt,
  };
  if (match.params) event.pathParameters = match.params;
  if (body.body !== null) event.body = body.body;
  event.isBase64Encoded = body.isBase64Encoded;
  return event;
}
