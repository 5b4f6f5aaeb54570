/**
 * Turns the loaded functions into the APIs the Serverless Framework would deploy — one REST API for a service's
 * `http` events, one HTTP API for its `httpApi` events — and their routes, including the OPTIONS method that
 * `cors:` adds to a REST resource. A route declared twice in one API is refused, as the Framework refuses it
 * (DUPLICATE_HTTP_API_ROUTE; CloudFormation for a REST method); the same route in two APIs — two hosts on AWS,
 * one port here — is served by the first and reported.
 */
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import {
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "../../runtime/manifest/manifest-error.js";
import { resolveHttpApiCors } from "./cors-http-api.js";
import { eventCors, mergeCors, type RestCors } from "./cors-rest.js";
import { stableId } from "./request-ids.js";
import { declaredRoutes, type RouteDeclaration } from "./route-declarations.js";
import { type ApiDefinition, type Route, RouteTable } from "./route-table.js";
import { readServiceApiSettings, type ServiceApiSettings } from "./service-api-settings.js";

export interface BuiltRoutes {
  readonly table: RouteTable;
  readonly warnings: ManifestWarning[];
}

export async function buildRouteTable(functions: readonly FunctionDefinition[]): Promise<BuiltRoutes> {
  const { routes: declared, warnings } = declaredRoutes(functions);
  const withEvents = functions.filter((fn) => declared.some((route) => route.fn === fn));
  const settings = await readServiceApiSettings(withEvents);
  const routes: Route[] = [];
  for (const group of groupByApi(declared).values()) {
    const service = settings.get((group[0] as RouteDeclaration).fn.manifestPath) as ServiceApiSettings;
    routes.push(...apiRoutes(group, service));
  }
  return { table: new RouteTable(withoutCrossApiDuplicates(routes, warnings)), warnings };
}

function groupByApi(declared: readonly RouteDeclaration[]): Map<string, RouteDeclaration[]> {
  const groups = new Map<string, RouteDeclaration[]>();
  for (const route of declared) {
    const key = `${route.kind} ${route.fn.manifestPath}`;
    groups.set(key, [...(groups.get(key) ?? []), route]);
  }
  return groups;
}

function apiRoutes(group: readonly RouteDeclaration[], settings: ServiceApiSettings): Route[] {
  const first = group[0] as RouteDeclaration;
  const { kind } = first;
  const { service, stage, region } = first.fn;
  const api: ApiDefinition = {
    kind,
    id: stableId(`${kind}:${service}:${stage}:${region}`, 10),
    service,
    region,
    stage: kind === "rest" ? stage : "$default",
    binaryMediaTypes: kind === "rest" ? settings.binaryMediaTypes : [],
    cors:
      kind === "http"
        ? resolveHttpApiCors(
            settings.httpApiCors,
            group.map((route) => route.method),
            settings.manifestPath,
          )
        : undefined,
  };
  const seen = new Map<string, RouteDeclaration>();
  const routes: Route[] = [];
  for (const declaration of group) {
    const key = routeKey(declaration.method, declaration.path?.text);
    const other = seen.get(shapeOf(key));
    if (other) throw duplicate(declaration, other);
    seen.set(shapeOf(key), declaration);
    routes.push({
      api,
      method: declaration.method,
      path: declaration.path,
      routeKey: key,
      resourceId: stableId(`${api.id}:${declaration.path?.text}`, 6),
      target: {
        kind: "lambda",
        fn: declaration.fn,
        payloadVersion: kind === "rest" ? "1.0" : settings.payloadVersion(declaration.fn.key),
      },
    });
  }
  if (kind === "rest") routes.push(...preflightRoutes(api, group, seen));
  return routes;
}

/** An OPTIONS method per resource whose events ask for `cors`, unless the service declares OPTIONS there itself. */
function preflightRoutes(
  api: ApiDefinition,
  group: readonly RouteDeclaration[],
  seen: Map<string, unknown>,
): Route[] {
  const byPath = new Map<string, { cors: RestCors; declaration: RouteDeclaration }>();
  for (const declaration of group) {
    const cors = eventCors(declaration.cors, declaration.method);
    if (!cors || !declaration.path) continue;
    const previous = byPath.get(declaration.path.text);
    byPath.set(declaration.path.text, { cors: mergeCors(previous?.cors, cors), declaration });
  }
  return [...byPath.values()]
    .filter(({ declaration }) => !seen.has(shapeOf(routeKey("OPTIONS", declaration.path?.text))))
    .map(({ cors, declaration }) => ({
      api,
      method: "OPTIONS",
      path: declaration.path,
      routeKey: routeKey("OPTIONS", declaration.path?.text),
      resourceId: stableId(`${api.id}:${declaration.path?.text}`, 6),
      target: { kind: "preflight", cors },
    }));
}

function withoutCrossApiDuplicates(routes: readonly Route[], warnings: ManifestWarning[]): Route[] {
  const served = new Map<string, Route>();
  return routes.filter((route) => {
    const key = shapeOf(route.routeKey);
    const other = served.get(key);
    if (!other) {
      served.set(key, route);
      return true;
    }
    if (route.target.kind === "lambda") {
      warnings.push(
        manifestWarning(
          route.target.fn.manifestPath,
          `functions.${route.target.fn.key}.events`,
          `${route.routeKey} is also declared by ${describeOwner(other)}; on AWS the two APIs have different hosts, ` +
            "Lambkin serves both on one port and routes this request to the first one loaded",
          "LKN_WRN_GATEWAY_ROUTE_SHADOWED",
        ),
      );
    }
    return false;
  });
}

function routeKey(method: string, path: string | undefined): string {
  return path === undefined ? "$default" : `${method} ${path}`;
}

/** `GET /users/{id}` and `GET /users/{userId}` are the same route. */
function shapeOf(key: string): string {
  return key.replace(/\{[^}]*?(\+?)\}/g, "{$1}");
}

function describeOwner(route: Route): string {
  const owner = route.target.kind === "lambda" ? `functions.${route.target.fn.key} in ` : "";
  return `${owner}service ${route.api.service} (${route.api.kind === "rest" ? "REST API" : "HTTP API"})`;
}

function duplicate(route: RouteDeclaration, other: RouteDeclaration): ManifestError {
  const key = routeKey(route.method, route.path?.text);
  return new ManifestError(
    route.fn.manifestPath,
    route.where,
    `the route ${key} is already declared by ${other.where}`,
    "API Gateway routes each method and path to one function: remove or change one of them",
    "LKN_ERR_MANIFEST_DUPLICATE_ROUTE",
  );
}
