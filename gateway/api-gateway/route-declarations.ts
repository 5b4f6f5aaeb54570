/**
 * Reads a function's `http` (REST API) and `httpApi` (HTTP API) events the way the Serverless Framework does
 * (lib/plugins/aws/package/compile/events/api-gateway/lib/validate.js and http-api.js):
 *  - `http: GET hello` / `http: {method, path, cors, …}`: path without leading/trailing slashes, method
 *    case-insensitive, `any` for every method; only the default `lambda-proxy` integration is a proxy event;
 *  - `httpApi: 'GET /x'` / `httpApi: {method, path}`: path from `/`, method or `*` (= ANY); `httpApi: '*'` is
 *    the `$default` route (catch-all).
 * A definition the Framework would refuse is a ManifestError; a setting Lambkin does not reproduce is a warning.
 */
import type { FunctionDefinition } from "../../runtime/manifest/function-definition.js";
import {
  describeValue,
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "../../runtime/manifest/manifest-error.js";
import { type PathTemplate, parsePathTemplate } from "./path-template.js";

export type ApiKind = "rest" | "http";

export interface RouteDeclaration {
  readonly kind: ApiKind;
  readonly fn: FunctionDefinition;
  /** Upper-case method, or `ANY`. */
  readonly method: string;
  /** undefined = the HTTP API's `$default` route. */
  readonly path: PathTemplate | undefined;
  /** `cors` of an `http` event, as written (REST only). */
  readonly cors: unknown;
  /** How the event is named in messages: `functions.api.events (http: GET /hello)`. */
  readonly where: string;
}

/** What API Gateway accepts (the Framework's allowedMethods; `ANY` = all of them). */
const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE", "ANY"]);

/** `http` settings that change what a request gets on AWS but are not reproduced: served anyway, with a warning. */
const UNENFORCED: Readonly<Record<string, string>> = {
  authorizer:
    "the authorizer is not run: every request reaches the function, without requestContext.authorizer",
  private: "the API key is not checked",
  request: "request parameters, schemas and validators are not checked",
};

export interface DeclaredRoutes {
  readonly routes: RouteDeclaration[];
  readonly warnings: ManifestWarning[];
}

export function declaredRoutes(functions: readonly FunctionDefinition[]): DeclaredRoutes {
  const result: DeclaredRoutes = { routes: [], warnings: [] };
  for (const fn of functions) {
    for (const event of fn.events) {
      if ("http" in event) restRoute(fn, event.http, result);
      if ("httpApi" in event) result.routes.push(httpApiRoute(fn, event.httpApi, result));
    }
  }
  return result;
}

function restRoute(fn: FunctionDefinition, http: unknown, result: DeclaredRoutes): void {
  const settings: Record<string, unknown> | undefined =
    typeof http === "string" ? splitShortForm(http) : (http as Record<string, unknown>);
  const where = `functions.${fn.key}.events (http: ${describeEvent(http)})`;
  const { method, path } = settings ?? {};
  if (typeof method !== "string" || typeof path !== "string") {
    throw invalid(
      fn,
      where,
      "needs a method and a path",
      "Write e.g. - http: GET hello, or - http: {method: get, path: hello}",
    );
  }
  if (!isProxyIntegration(fn, where, settings, result.warnings)) return;
  for (const [key, effect] of Object.entries(UNENFORCED)) {
    if (settings?.[key] !== undefined && settings[key] !== false) {
      result.warnings.push(
        manifestWarning(
          fn.manifestPath,
          `${where}.${key}`,
          `not enforced by Lambkin: ${effect}`,
          "LKN_WRN_GATEWAY_ROUTE_UNENFORCED",
        ),
      );
    }
  }
  // The Framework trims one leading and one trailing slash: `hello`, `/hello` and `/hello/` are the same resource.
  const trimmed = path.replace(/^\//, "").replace(/\/$/, "");
  result.routes.push({
    kind: "rest",
    fn,
    method: checkMethod(fn, where, method),
    path: checkPath(fn, where, `/${trimmed}`),
    cors: settings?.cors,
    where,
  });
}

/** Only the Lambda proxy integration (the Framework's default) produces a proxy event; others are reported. */
function isProxyIntegration(
  fn: FunctionDefinition,
  where: string,
  settings: Record<string, unknown> | undefined,
  warnings: ManifestWarning[],
): boolean {
  const integration = typeof settings?.integration === "string" ? settings.integration : "lambda-proxy";
  if (/^(lambda|aws)[-_]proxy$/i.test(integration) && settings?.async !== true) return true;
  const what = settings?.async === true ? "async: true" : `integration: ${integration}`;
  warnings.push(
    manifestWarning(
      fn.manifestPath,
      where,
      `${what} is not supported by Lambkin yet: the route is not served (only the default lambda-proxy integration is)`,
      "LKN_WRN_GATEWAY_ROUTE_NOT_SERVED",
    ),
  );
  return false;
}

function httpApiRoute(fn: FunctionDefinition, httpApi: unknown, result: DeclaredRoutes): RouteDeclaration {
  const where = `functions.${fn.key}.events (httpApi: ${describeEvent(httpApi)})`;
  let method: unknown;
  let path: unknown;
  if (typeof httpApi === "string") {
    if (httpApi.trim() === "*") path = "*";
    else ({ method, path } = splitShortForm(httpApi) ?? {});
  } else if (httpApi !== null && typeof httpApi === "object") {
    const settings = httpApi as Record<string, unknown>;
    ({ method, path } = settings);
    if (settings.authorizer !== undefined) {
      result.warnings.push(
        manifestWarning(
          fn.manifestPath,
          `${where}.authorizer`,
          `not enforced by Lambkin: ${UNENFORCED.authorizer}`,
          "LKN_WRN_GATEWAY_ROUTE_UNENFORCED",
        ),
      );
    }
  }
  const base = { kind: "http", fn, cors: undefined, where } as const;
  if (path === "*") {
    if (method !== undefined && method !== "*") {
      throw invalid(fn, where, "the catch-all path * takes no method", "Write - httpApi: '*'");
    }
    return { ...base, method: "ANY", path: undefined };
  }
  if (typeof path !== "string" || typeof method !== "string") {
    throw invalid(
      fn,
      where,
      "needs a method and a path",
      "Write e.g. - httpApi: 'GET /hello', or - httpApi: '*'",
    );
  }
  return {
    ...base,
    method: checkMethod(fn, where, method === "*" ? "ANY" : method),
    path: checkPath(fn, where, path),
  };
}

function splitShortForm(text: string): { method: string; path: string } | undefined {
  const [method, path, ...rest] = text.trim().split(/\s+/);
  return method !== undefined && path !== undefined && rest.length === 0 ? { method, path } : undefined;
}

function checkMethod(fn: FunctionDefinition, where: string, method: string): string {
  const upper = method.toUpperCase();
  if (METHODS.has(upper)) return upper;
  throw invalid(fn, where, `${method} is not an API Gateway method`, `Use one of ${[...METHODS].join(", ")}`);
}

function checkPath(fn: FunctionDefinition, where: string, path: string): PathTemplate {
  const template = parsePathTemplate(path);
  if (typeof template !== "string") return template;
  throw invalid(fn, where, `${path}: ${template}`, "Write a path such as /users/{id} or /files/{proxy+}");
}

function describeEvent(value: unknown): string {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object") {
    const { method, path } = value as Record<string, unknown>;
    if (typeof path === "string")
      return `${typeof method === "string" ? `${method.toUpperCase()} ` : ""}${path}`;
  }
  return describeValue(value);
}

function invalid(fn: FunctionDefinition, where: string, problem: string, fix: string): ManifestError {
  return new ManifestError(fn.manifestPath, where, problem, fix, "LKN_ERR_MANIFEST_EVENT");
}
