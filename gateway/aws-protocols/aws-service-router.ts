/**
 * Hands a request to the AWS service it is for (SQS, SNS, …) BEFORE fastify routes it, so that an SDK's call reaches
 * that service's plugin whatever API Gateway routes the functions declare, and API Gateway, the Lambda API and
 * /_lambkin are untouched otherwise. A request is for a service when
 * - its SigV4 credential scope names it (credential-scope.ts) — what every signed SDK and CLI call carries — or
 * - it is unsigned and its `X-Amz-Target` header starts with the service's JSON target prefix (`AmazonSQS.`).
 * An unsigned query-protocol call (`Action=` in a form body) cannot be recognised before its body is read, so it
 * is an API Gateway request; clients sign (the aws CLI and SDKs always do unless told not to).
 *
 * Mechanism: fastify's `rewriteUrl` moves the request under a path prefix (`/ aws/<service>`) that contains a space
 * — no HTTP request target can (RFC 9112 §3.2), so no client can reach a service's routes by path alone. The URL
 * as sent stays in `request.originalUrl` (signatures are checked against it) and `sentUrl()` returns it.
 */
import type { IncomingMessage } from "node:http";
import type { FastifyRequest } from "fastify";
import { credentialScopeService } from "./credential-scope.js";

export interface AwsServiceRoute {
  /** The SigV4 signing name: `sqs`, `sns`. */
  readonly service: string;
  /** JSON-protocol services: the `X-Amz-Target` prefix of their operations (`AmazonSQS.`). */
  readonly jsonTargetPrefix?: string;
}

/** The prefix under which a service's plugin registers its routes (`${awsServicePath("sqs")}/*`). */
export function awsServicePath(service: string): string {
  return `/ aws/${service}`;
}

const CLAIMED = Symbol("lambkin.awsService");
type ClaimedRequest = IncomingMessage & { [CLAIMED]?: string; originalUrl?: string };

/** The service a request was handed to, if any (front-door.ts answers refused requests in its format). */
export function awsServiceOf(request: IncomingMessage): string | undefined {
  return (request as ClaimedRequest)[CLAIMED];
}

/** The URL exactly as the client sent it (path and query, percent-encoding included). */
export function sentUrl(request: FastifyRequest): string {
  return (request.raw as ClaimedRequest).originalUrl ?? request.raw.url ?? request.url;
}

/** The service of a request, from its headers and URL; undefined: not for any of `services`. */
export function classifyAwsRequest(
  request: IncomingMessage,
  services: readonly AwsServiceRoute[],
): AwsServiceRoute | undefined {
  const url = request.url ?? "/";
  const scope = credentialScopeService(request.headers, url);
  if (scope !== undefined) return services.find((route) => route.service === scope);
  const target = request.headers["x-amz-target"];
  if (typeof target !== "string") return undefined;
  return services.find((route) => route.jsonTargetPrefix && target.startsWith(route.jsonTargetPrefix));
}

/** fastify's `rewriteUrl` option: a claimed request moves under its service's path, others keep their URL. */
export function awsServiceRewriteUrl(services: readonly AwsServiceRoute[]) {
  return (request: IncomingMessage): string => {
    const url = request.url ?? "/";
    if (services.length === 0) return url;
    const route = classifyAwsRequest(request, services);
    if (!route) return url;
    (request as ClaimedRequest)[CLAIMED] = route.service;
    return `${awsServicePath(route.service)}${url.startsWith("/") ? url : `/${url}`}`;
  };
}
