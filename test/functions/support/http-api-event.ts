/**
 * An HTTP API (payload format 2.0) event for one request, as API Gateway builds it for a route
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.proxy-format):
 * header names lower-cased, the query string both raw and as parameters, the route key, the path parameters.
 */
import { randomUUID } from "node:crypto";

export interface HttpApiRequest {
  readonly routeKey: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly pathParameters?: Record<string, string>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

export function httpApiEvent(request: HttpApiRequest): Record<string, unknown> {
  const method = request.routeKey.split(" ")[0] as string;
  const headers = Object.fromEntries(
    Object.entries({ host: "api.example.com", "user-agent": "vitest", ...request.headers }).map(
      ([name, value]) => [name.toLowerCase(), value],
    ),
  );
  const rawQueryString = new URLSearchParams(request.query ?? {}).toString();
  const now = new Date();
  return {
    version: "2.0",
    routeKey: request.routeKey,
    rawPath: request.path,
    rawQueryString,
    headers,
    ...(request.query ? { queryStringParameters: request.query } : {}),
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "coupontest",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method, path: request.path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "vitest" },
      requestId: randomUUID(),
      routeKey: request.routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(request.body === undefined ? {} : { body: request.body }),
    isBase64Encoded: request.isBase64Encoded ?? false,
  };
}
