/**
 * CORS of a REST API as the Serverless Framework deploys it for `cors:` on `http` events
 * (lib/plugins/aws/package/compile/events/api-gateway/lib/validate.js getCors, cors.js compileCors):
 * an OPTIONS method on the resource with a MOCK integration that answers 200, `Content-Type: application/json`,
 * an empty body and the Access-Control-* headers — merged over every event on the same path.
 * Nothing else: on a REST API with the Lambda proxy integration the *function's* responses carry only the
 * headers the function sets ("To enable CORS for the Lambda proxy integration, you must add
 * Access-Control-Allow-Origin to the output headers", set-up-lambda-proxy-integrations). Adding them to every
 * response, as serverless-offline does, would hide a missing header that breaks the app once deployed.
 */
import { DEFAULT_CORS_HEADERS } from "./cors-default-headers.js";

export interface RestCors {
  readonly origin: string | undefined;
  readonly origins: readonly string[];
  readonly headers: readonly string[];
  readonly methods: readonly string[];
  readonly allowCredentials: boolean;
  readonly maxAge: unknown;
  readonly cacheControl: unknown;
}

/** One event's CORS settings (getCors); undefined when the event has none. */
export function eventCors(cors: unknown, method: string): RestCors | undefined {
  if (cors === undefined || cors === null || cors === false) return undefined;
  if (typeof cors !== "object" || Array.isArray(cors)) {
    return {
      origin: "*",
      origins: [],
      headers: DEFAULT_CORS_HEADERS,
      methods: ["OPTIONS", method],
      allowCredentials: false,
      maxAge: undefined,
      cacheControl: undefined,
    };
  }
  const written = cors as Record<string, unknown>;
  const methods = stringList(written.methods) ?? [];
  for (const required of ["OPTIONS", method]) if (!methods.includes(required)) methods.push(required);
  return {
    origin: written.origins ? stringOf(written.origin) : (stringOf(written.origin) ?? "*"),
    origins: stringList(written.origins) ?? [],
    headers: stringList(written.headers) ?? DEFAULT_CORS_HEADERS,
    methods,
    allowCredentials: Boolean(written.allowCredentials),
    maxAge: written.maxAge,
    cacheControl: written.cacheControl,
  };
}

/** Merges a path's events as the Framework does (lodash union, new first; origin, maxAge, cacheControl: last wins). */
export function mergeCors(previous: RestCors | undefined, next: RestCors): RestCors {
  if (!previous) return next;
  return {
    origin: next.origin,
    origins: union(next.origins, previous.origins),
    headers: union(next.headers, previous.headers),
    methods: union(next.methods, previous.methods),
    allowCredentials: previous.allowCredentials || next.allowCredentials,
    maxAge: next.maxAge || previous.maxAge,
    cacheControl: next.cacheControl || previous.cacheControl,
  };
}

/** The MOCK integration's answer to OPTIONS on the path. */
export function preflightHeaders(cors: RestCors, requestOrigin: string | undefined): [string, string][] {
  let origin = cors.origin;
  let origins = cors.origins;
  if (origin?.includes(",")) origins = origin.split(",").map((item) => item.trim());
  if (origins.length > 0) origin = origins[0];
  // The response template echoes the request's Origin when it matches one of `origins` (`*` = any run of characters).
  if (requestOrigin && origins.some((pattern) => globMatches(pattern, requestOrigin))) origin = requestOrigin;
  const methods = cors.methods.join(",").replace("ANY", "DELETE,GET,HEAD,PATCH,POST,PUT");
  const headers: [string, string][] = [
    ["Content-Type", "application/json"],
    ["Access-Control-Allow-Origin", origin ?? ""],
    ["Access-Control-Allow-Headers", cors.headers.join(",")],
    ["Access-Control-Allow-Methods", methods],
  ];
  if (cors.allowCredentials) headers.push(["Access-Control-Allow-Credentials", "true"]);
  if (cors.maxAge) headers.push(["Access-Control-Max-Age", String(cors.maxAge)]);
  if (cors.cacheControl) headers.push(["Cache-Control", String(cors.cacheControl)]);
  return headers;
}

function globMatches(pattern: string, origin: string): boolean {
  const regex = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace("*", ".+");
  return new RegExp(`^${regex}$`).test(origin);
}

function union(first: readonly string[], second: readonly string[]): string[] {
  return [...new Set([...first, ...second])];
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.map(String) : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
