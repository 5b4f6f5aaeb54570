/**
 * CORS of an HTTP API (`provider.httpApi.cors`), as API Gateway applies a CorsConfiguration ("http-api-cors"):
 *  - a preflight (OPTIONS with Origin and Access-Control-Request-Method) that no route takes is answered by
 *    API Gateway itself, 204, "even if there isn't an OPTIONS route configured for your API";
 *  - a request with an allowed Origin gets the configured headers added to the integration's response, and
 *    "API Gateway ignores CORS headers returned from your backend integration".
 * The configuration is the Framework's (lib/plugins/aws/package/compile/events/http-api.js resolveConfiguration):
 * `cors: true` allows every origin, its default headers and the methods of the API's routes.
 */
import { describeValue, ManifestError } from "../../runtime/manifest/manifest-error.js";
import { DEFAULT_CORS_HEADERS } from "./cors-default-headers.js";

export interface HttpApiCors {
  readonly allowedOrigins: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly allowedMethods: readonly string[];
  readonly allowCredentials: boolean;
  readonly exposedResponseHeaders: readonly string[];
  readonly maxAge: number | undefined;
}

const ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE"];

/** undefined when CORS is off; `routeMethods` fill `allowedMethods` when the configuration names none. */
export function resolveHttpApiCors(
  written: unknown,
  routeMethods: readonly string[],
  file: string,
): HttpApiCors | undefined {
  if (written === undefined || written === null || written === false) return undefined;
  const filled = () => {
    const methods = new Set(["OPTIONS"]);
    for (const method of routeMethods)
      for (const m of method === "ANY" ? ALL_METHODS : [method]) methods.add(m);
    return [...methods];
  };
  if (written === true) {
    return {
      allowedOrigins: ["*"],
      allowedHeaders: DEFAULT_CORS_HEADERS,
      allowedMethods: filled(),
      allowCredentials: false,
      exposedResponseHeaders: [],
      maxAge: undefined,
    };
  }
  if (typeof written !== "object" || Array.isArray(written)) {
    throw new ManifestError(
      file,
      "provider.httpApi.cors",
      `must be true or a mapping, not ${describeValue(written)}`,
      "Write cors: true, or cors: {allowedOrigins: [...], allowedHeaders: [...], ...}",
    );
  }
  const cors = written as Record<string, unknown>;
  return {
    allowedOrigins: list(cors.allowedOrigins) ?? ["*"],
    allowedHeaders: list(cors.allowedHeaders) ?? DEFAULT_CORS_HEADERS,
    allowedMethods: list(cors.allowedMethods) ?? filled(),
    allowCredentials: cors.allowCredentials === true,
    exposedResponseHeaders: list(cors.exposedResponseHeaders) ?? [],
    maxAge: typeof cors.maxAge === "number" ? cors.maxAge : undefined,
  };
}

/** The Access-Control-Allow-Origin value for `origin`, or undefined when the origin is not allowed. */
function allowedOrigin(cors: HttpApiCors, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  if (cors.allowedOrigins.includes("*")) return "*";
  const lower = origin.toLowerCase();
  return cors.allowedOrigins.some((allowed) => allowed.toLowerCase() === lower) ? origin : undefined;
}

/** API Gateway's own 204 answer to a preflight no route takes (no CORS headers for an origin it does not allow). */
export function preflightHeaders(cors: HttpApiCors, origin: string | undefined): [string, string][] {
  const allowOrigin = allowedOrigin(cors, origin);
  if (!allowOrigin) return [];
  const headers: [string, string][] = [
    ["access-control-allow-origin", allowOrigin],
    ["access-control-allow-methods", cors.allowedMethods.join(",")],
    ["access-control-allow-headers", cors.allowedHeaders.join(",").toLowerCase()],
  ];
  if (cors.allowCredentials) headers.push(["access-control-allow-credentials", "true"]);
  if (cors.maxAge !== undefined) headers.push(["access-control-max-age", String(cors.maxAge)]);
  return headers;
}

/** The integration's headers with its own Access-Control-* removed and the configured ones added. */
export function withCorsHeaders(
  cors: HttpApiCors,
  origin: string | undefined,
  headers: [string, string][],
): [string, string][] {
  const kept = headers.filter(([name]) => !name.toLowerCase().startsWith("access-control-"));
  const allowOrigin = allowedOrigin(cors, origin);
  if (!allowOrigin) return kept;
  kept.push(["access-control-allow-origin", allowOrigin]);
  if (cors.allowCredentials) kept.push(["access-control-allow-credentials", "true"]);
  if (cors.exposedResponseHeaders.length > 0) {
    kept.push(["access-control-expose-headers", cors.exposedResponseHeaders.join(",").toLowerCase()]);
  }
  return kept;
}

function list(value: unknown): string[] | undefined {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.map(String) : undefined;
}
