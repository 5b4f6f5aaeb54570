/**
 * The API Gateway routes of every loaded service: each `http` event (REST API, payload 1.0) and `httpApi` event
 * (HTTP API, payload 2.0 or 1.0) served at its declared path, without a stage prefix.
 * All of them sit behind ONE fastify catch-all route and are chosen by Lambkin's own router (route-table.ts),
 * which reproduces API Gateway's precedence rather than fastify's; fastify prefers any declared route to a
 * wildcard, so the Invoke API's routes (`/2015-03-31/…`) always win and can never clash with a user's path.
 * A body over API Gateway's 10 MB quota is refused as it arrives, with API Gateway's 413.
 * With a static site (static-site/), a GET or HEAD that no route takes is offered to the site first.
 */
import type { FastifyError, FastifyPluginAsync, FastifyReply } from "fastify";
import { formatWarning, warningLogFields } from "../../runtime/manifest/manifest-error.js";
import type { GatewayBackend } from "../gateway-backend.js";
import type { SiteFallback } from "../static-site/static-site-plugin.js";
import { type BuiltRoutes, buildRouteTable } from "./build-route-table.js";
import { type GatewayResponse, MAX_REQUEST_BODY_BYTES } from "./gateway-responses.js";
import { INTEGRATION_TIMEOUT_MS } from "./lambda-integration.js";
import { requestData } from "./request-data.js";
import { frontDoorAnswer, RequestDispatcher } from "./request-dispatcher.js";
import type { ApiKind } from "./route-declarations.js";
import type { RouteTable } from "./route-table.js";

export interface ApiGatewayPluginOptions {
  readonly backend: GatewayBackend;
  /** How long API Gateway waits for the function (default REST 29 s, HTTP API 30 s); tests shorten it. */
  readonly integrationTimeoutMs?: Partial<Record<ApiKind, number>>;
  /**
   * The route table, when the caller built it already (the gateway shares it with its front-door answers);
   * read per request, so a LiveRouteTable swapped by `lambkin dev`'s reload takes effect at once.
   */
  readonly routes?: BuiltRoutes;
  /** The static site answering what no route takes (static-site/static-site-plugin.ts); none = the API answers. */
  readonly site?: SiteFallback;
}

export const apiGatewayPlugin: FastifyPluginAsync<ApiGatewayPluginOptions> = async (app, options) => {
  const routes = options.routes ?? (await buildRouteTable(options.backend.registry.all()));
  for (const warning of routes.warnings) app.log.warn(warningLogFields(warning), formatWarning(warning));
  const dispatcher = new RequestDispatcher(routes, {
    invocations: options.backend.invocations,
    registry: options.backend.registry,
    log: app.log,
    timeoutMs: { ...INTEGRATION_TIMEOUT_MS, ...options.integrationTimeoutMs },
  });
  for (const route of routes.table.routes)
    app.log.debug(`API Gateway route ${route.routeKey} (${route.api.kind})`);
  const { site } = options;
  app.all("*", { bodyLimit: MAX_REQUEST_BODY_BYTES }, async (request, reply) => {
    const data = requestData(request);
    if (
      site &&
      siteMayAnswer(routes.table, data.method, data.rawPath) &&
      (await site.serve(request, reply, data.rawPath))
    )
      return reply;
    sendGatewayResponse(reply, await dispatcher.dispatch(data));
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Reading the body is all that can fail before the dispatcher, which answers everything itself.
    if (error.code !== "FST_ERR_CTP_BODY_TOO_LARGE") throw error;
    sendGatewayResponse(
      reply,
      frontDoorAnswer(routes.table, request.raw.url?.split("?")[0] ?? "/", "bodyTooLarge"),
    );
  });
};

/** A site serves GET and HEAD only (as an S3 website endpoint), and never where a route is declared. */
function siteMayAnswer(table: RouteTable, method: string, rawPath: string): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  // A HEAD on a GET route is the route's (API Gateway answers it from the function), not a file's.
  return table.match(method, rawPath) === undefined && table.match("GET", rawPath) === undefined;
}

/**
 * Writes the response as API Gateway composed it, bypassing fastify's serialization (which would add
 * `charset=utf-8` to a JSON content type or invent one): header names keep their case, repeated names become
 * repeated lines, Node adds Date, Connection and Content-Length.
 */
export function sendGatewayResponse(reply: FastifyReply, response: GatewayResponse): void {
  reply.hijack();
  const raw = reply.raw;
  raw.statusCode = response.statusCode;
  const byName = new Map<string, [string, string[]]>();
  for (const [name, value] of response.headers) {
    const entry = byName.get(name.toLowerCase());
    if (entry) entry[1].push(value);
    else byName.set(name.toLowerCase(), [name, [value]]);
  }
  for (const [name, values] of byName.values())
    raw.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  raw.end(response.body);
}
