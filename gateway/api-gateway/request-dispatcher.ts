/**
 * One request through the emulated API Gateway: find the route, run its integration (the function, or the MOCK
 * that answers a REST CORS preflight), apply the HTTP API's CORS configuration, and stamp the request id headers
 * API Gateway returns (REST: `x-amzn-RequestId` and `x-amz-apigw-id`; HTTP API: `apigw-requestid`).
 * A request no route takes gets the answer of the API that would have received it: the one whose routes have
 * the path (any method), else an HTTP API's 404 when there is one, else a REST API's 403.
 * A request over API Gateway's quotas, or with a path no HTTP API could decode, is refused before routing, with
 * the request ids of the API that would have received it (frontDoorAnswer, also used for requests Node or fastify
 * refuse before any route runs).
 */
import { preflightHeaders as httpApiPreflight, withCorsHeaders } from "./cors-http-api.js";
import { preflightHeaders as restPreflight } from "./cors-rest.js";
import type { RequestIds } from "./event-v1.js";
import {
  type FrontDoorError,
  frontDoorError,
  type GatewayResponse,
  gatewayError,
  MAX_REQUEST_LINE_AND_HEADERS_BYTES,
} from "./gateway-responses.js";
import { type IntegrationContext, invokeLambda } from "./lambda-integration.js";
import { headerValue, type RequestData } from "./request-data.js";
import { restRequestId, shortRequestId } from "./request-ids.js";
import type { ApiKind } from "./route-declarations.js";
import type { ApiDefinition, RouteTable } from "./route-table.js";

export class RequestDispatcher {
  constructor(
    /** Read per request: `lambkin dev` swaps the table when it reloads (live-route-table.ts). */
    private readonly routes: { readonly table: RouteTable },
    private readonly context: IntegrationContext,
  ) {}

  private get table(): RouteTable {
    return this.routes.table;
  }

  async dispatch(request: RequestData): Promise<GatewayResponse> {
    const refusal = overQuota(request);
    if (refusal) return frontDoorAnswer(this.table, request.rawPath, refusal);
    const match = this.table.match(request.method, request.rawPath);
    if (!match) return this.unrouted(request);
    const { route } = match;
    const ids = newIds(route.api.kind);
    const origin = headerValue(request.headers, "origin");
    if (route.target.kind === "preflight") {
      return withIds(
        "rest",
        { statusCode: 200, headers: restPreflight(route.target.cors, origin), body: "" },
        ids,
      );
    }
    let response = await invokeLambda(this.context, request, match, ids);
    if (route.api.cors)
      response = { ...response, headers: withCorsHeaders(route.api.cors, origin, response.headers) };
    return withIds(route.api.kind, response, ids);
  }

  private unrouted(request: RequestData): GatewayResponse {
    const origin = headerValue(request.headers, "origin");
    const preflight =
      request.method === "OPTIONS" && origin && headerValue(request.headers, "access-control-request-method");
    const corsApi = preflight ? this.corsApiFor(request.rawPath) : undefined;
    if (corsApi?.cors) {
      const headers = httpApiPreflight(corsApi.cors, origin);
      return withIds("http", { statusCode: 204, headers, body: "" }, newIds("http"));
    }
    const kind = this.table.ownerOf(request.rawPath);
    return withIds(kind, gatewayError(kind, "noRoute"), newIds(kind));
  }

  /** The HTTP API with CORS whose routes have this path, else the first HTTP API with CORS. */
  private corsApiFor(rawPath: string): ApiDefinition | undefined {
    const owner = this.table.routesForPath(rawPath).find((route) => route.api.cors);
    return owner?.api ?? this.table.routes.find((route) => route.api.cors)?.api;
  }
}

/** The answer of the API that owns `rawPath` (as sent) to a request refused before any route is chosen. */
export function frontDoorAnswer(table: RouteTable, rawPath: string, error: FrontDoorError): GatewayResponse {
  const kind = table.ownerOf(rawPath);
  return withIds(kind, frontDoorError(error), newIds(kind));
}

function overQuota(request: RequestData): FrontDoorError | undefined {
  if (request.requestLineAndHeaderBytes <= MAX_REQUEST_LINE_AND_HEADERS_BYTES) return undefined;
  return request.urlBytes > MAX_REQUEST_LINE_AND_HEADERS_BYTES ? "uriTooLong" : "headersTooLarge";
}

function newIds(kind: ApiKind): RequestIds {
  const extendedRequestId = shortRequestId();
  return { requestId: kind === "rest" ? restRequestId() : extendedRequestId, extendedRequestId };
}

function withIds(kind: ApiKind, response: GatewayResponse, ids: RequestIds): GatewayResponse {
  const added: [string, string][] =
    kind === "rest"
      ? [
          ["x-amzn-RequestId", ids.requestId],
          ["x-amz-apigw-id", ids.extendedRequestId],
        ]
      : [["apigw-requestid", ids.requestId]];
  return { ...response, headers: [...response.headers, ...added] };
}
