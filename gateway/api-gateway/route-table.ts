/**
 * The routes of every REST API and HTTP API Lambkin serves, and the choice API Gateway makes among them for a
 * request: among the routes whose method (or ANY) and path fit, the most specific path wins, then a route for
 * the exact method beats ANY ("http-api-develop-routes": routing; REST resources likewise prefer an explicit
 * method to ANY); the HTTP API `$default` route takes what nothing else takes.
 * Paths are served without a stage prefix. A REST API routes on the path as sent; an HTTP API on the
 * percent-decoded path (HTTP APIs decode the path they pass, REST APIs do not — live captures in
 * hotsock/voker#8, summarised in middleapi/standard-server#93).
 */
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import type { HttpApiCors } from "./cors-http-api.js";
import type { RestCors } from "./cors-rest.js";
import { compareSpecificity, matchPath, type PathTemplate, pathSegments } from "./path-template.js";
import type { ApiKind } from "./route-declarations.js";
import type { PayloadVersion } from "./service-api-settings.js";

export interface ApiDefinition {
  readonly kind: ApiKind;
  /** 10 characters, stable for a service, stage and region (execute-api ids look like `gy415nuibc`). */
  readonly id: string;
  readonly service: string;
  readonly region: string;
  /** REST: the service's stage; HTTP API: `$default` (the Framework deploys HTTP APIs to `$default`). */
  readonly stage: string;
  readonly binaryMediaTypes: readonly string[];
  readonly cors: HttpApiCors | undefined;
}

export type RouteTarget =
  | { readonly kind: "lambda"; readonly fn: FunctionDefinition; readonly payloadVersion: PayloadVersion }
  | { readonly kind: "preflight"; readonly cors: RestCors };

export interface Route {
  readonly api: ApiDefinition;
  /** Upper-case method or ANY. */
  readonly method: string;
  /** undefined = `$default`. */
  readonly path: PathTemplate | undefined;
  /** HTTP API route key: `GET /users/{id}` or `$default`. */
  readonly routeKey: string;
  /** REST resource id (6 characters). */
  readonly resourceId: string;
  readonly target: RouteTarget;
}

export interface RouteMatch {
  readonly route: Route;
  /** Path variables, as the API passes them (REST: as sent; HTTP API: decoded). */
  readonly params: Record<string, string> | undefined;
}

export class RouteTable {
  private readonly routed: readonly Route[];
  private readonly defaults: readonly Route[];

  constructor(readonly routes: readonly Route[]) {
    this.routed = routes.filter((route) => route.path !== undefined);
    this.defaults = routes.filter((route) => route.path === undefined);
  }

  get hasRestApi(): boolean {
    return this.routes.some((route) => route.api.kind === "rest");
  }

  get hasHttpApi(): boolean {
    return this.routes.some((route) => route.api.kind === "http");
  }

  match(method: string, rawPath: string): RouteMatch | undefined {
    const paths = new RequestPaths(rawPath);
    let best: RouteMatch | undefined;
    for (const route of this.routed) {
      if (route.method !== method && route.method !== "ANY") continue;
      if (best && !moreSpecific(route, best.route)) continue;
      const params = matchPath(route.path as PathTemplate, paths.for(route.api.kind));
      if (params) best = { route, params: Object.keys(params).length > 0 ? params : undefined };
    }
    if (best) return best;
    const fallback = this.defaults[0];
    return fallback ? { route: fallback, params: undefined } : undefined;
  }

  /**
   * The kind of API that would receive a request for this path when no route takes it: the one whose routes have
   * the path (any method), else an HTTP API when there is one, else a REST API.
   */
  ownerOf(rawPath: string): ApiKind {
    const owners = this.routesForPath(rawPath);
    if (owners.some((route) => route.api.kind === "rest")) return "rest";
    if (owners.length > 0 || this.hasHttpApi || !this.hasRestApi) return "http";
    return "rest";
  }

  /** The routes whose path fits, whatever their method (to answer as the API that owns the path would). */
  routesForPath(rawPath: string): Route[] {
    const paths = new RequestPaths(rawPath);
    return this.routed.filter((route) => matchPath(route.path as PathTemplate, paths.for(route.api.kind)));
  }
}

function moreSpecific(candidate: Route, current: Route): boolean {
  const byPath = compareSpecificity(candidate.path as PathTemplate, current.path as PathTemplate);
  if (byPath !== 0) return byPath > 0;
  return candidate.method !== "ANY" && current.method === "ANY";
}

/** A request path split for each kind of API, computed once per request. */
class RequestPaths {
  private rest: string[] | undefined;
  private http: string[] | undefined;

  constructor(private readonly rawPath: string) {}

  for(kind: ApiKind): string[] {
    if (kind === "rest") {
      // REST APIs take `/hello/` for the resource `/hello` [to verify on a live account, docs/lambda-behaviour.md §9].
      this.rest ??= pathSegments(this.rawPath.length > 1 ? this.rawPath.replace(/\/$/, "") : this.rawPath);
      return this.rest;
    }
    this.http ??= pathSegments(decodePath(this.rawPath));
    return this.http;
  }
}

/** Percent-decodes a path, leaving malformed escapes as they are. */
export function decodePath(rawPath: string): string {
  if (!rawPath.includes("%")) return rawPath;
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath.replace(/%[0-9A-Fa-f]{2}/g, (sequence) => {
      try {
        return decodeURIComponent(sequence);
      } catch {
        return sequence;
      }
    });
  }
}
