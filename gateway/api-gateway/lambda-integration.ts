/**
 * The Lambda proxy integration: builds the event in the route's payload format, invokes the function through the
 * Invocations port every invocation takes (so caps, timeouts and warm environments are the same as for the Invoke
 * API), and maps the result to HTTP. A function error, a malformed response, a refused invocation or an
 * integration timeout becomes API Gateway's own answer (gateway-responses.ts). API Gateway never retries.
 * The integration timeout (REST 29 s, HTTP API 30 s) only stops the wait: like on AWS, the function goes on
 * running in its environment until it ends or hits its own timeout.
 */
import type { FastifyBaseLogger } from "fastify";
import { ServiceError } from "../../runtime/errors/service-errors.js";
import { buildInvocationRequest } from "../../runtime/invocation/invocation-request.js";
import type { Invocations } from "../../runtime/invocation/invocations.js";
import { registryResolver } from "../../runtime/invocation/resolve-function.js";
import type { InvokeResult } from "../../runtime/invoker/invoker.js";
import type { FunctionRegistry } from "../../runtime/manifest/function-registry.js";
import { restDecodesResponse } from "./body-encoding.js";
import { buildV1Event, type RequestIds } from "./event-v1.js";
import { buildV2Event } from "./event-v2.js";
import { type GatewayResponse, gatewayError } from "./gateway-responses.js";
import { headerValue, type RequestData } from "./request-data.js";
import { parseV1Response } from "./response-v1.js";
import { parseV2Response } from "./response-v2.js";
import type { ApiKind } from "./route-declarations.js";
import type { RouteMatch } from "./route-table.js";

/** REST: 29 s by default; HTTP API: 30 s (docs/lambda-behaviour.md §6.3). */
export const INTEGRATION_TIMEOUT_MS: Readonly<Record<ApiKind, number>> = { rest: 29_000, http: 30_000 };

export interface IntegrationContext {
  readonly invocations: Invocations;
  readonly registry: FunctionRegistry;
  readonly log: FastifyBaseLogger;
  readonly timeoutMs: Readonly<Record<ApiKind, number>>;
}

const TIMED_OUT = Symbol("timed out");

export async function invokeLambda(
  context: IntegrationContext,
  request: RequestData,
  match: RouteMatch,
  ids: RequestIds,
): Promise<GatewayResponse> {
  const { route } = match;
  if (route.target.kind !== "lambda") throw new Error("not a Lambda route");
  const { fn, payloadVersion } = route.target;
  const { kind } = route.api;
  const event =
    payloadVersion === "2.0"
      ? buildV2Event(request, match, ids.requestId)
      : buildV1Event(request, match, ids);
  let result: InvokeResult | typeof TIMED_OUT;
  try {
    result = await withTimeout(
      invokeRoute(context, fn.name, JSON.stringify(event), route.routeKey),
      context.timeoutMs[kind],
    );
  } catch (error) {
    // API Gateway's execution log says "Lambda invocation failed with status: 429" for a throttle.
    if (error instanceof ServiceError) {
      context.log.warn(
        { function: fn.name },
        `Lambda invocation failed with status: ${error.statusCode} (${error.errorName})`,
      );
    } else {
      context.log.error({ err: error, function: fn.name }, "Lambda invocation failed");
    }
    return gatewayError(kind, "invocationRejected");
  }
  if (result === TIMED_OUT) {
    context.log.warn({ function: fn.name }, "Execution failed due to a timeout error (integration timeout)");
    return gatewayError(kind, "integrationTimeout");
  }
  return withCodeRevision(answerOf(context, request, match, result), result);
}

/**
 * `lambkin dev` hot-reloads code: the revision that served (runtime/revision/; GetFunction's CodeSha256) is told
 * in a header of Lambkin's own, so a client can see which code answered. API Gateway has no such header.
 */
export const CODE_REVISION_HEADER = "x-lambkin-code-revision";

function withCodeRevision(response: GatewayResponse, result: InvokeResult): GatewayResponse {
  if (result.codeRevision === undefined) return response;
  return { ...response, headers: [...response.headers, [CODE_REVISION_HEADER, result.codeRevision]] };
}

function answerOf(
  context: IntegrationContext,
  request: RequestData,
  match: RouteMatch,
  result: InvokeResult,
): GatewayResponse {
  const { route } = match;
  const { kind } = route.api;
  const { fn, payloadVersion } = route.target as Extract<typeof route.target, { kind: "lambda" }>;
  if (result.functionError) return gatewayError(kind, "integrationFailure");
  const response =
    payloadVersion === "2.0"
      ? parseV2Response(result.payload)
      : parseV1Response(
          result.payload,
          kind,
          kind === "http" || decodesForRest(request, route.api.binaryMediaTypes),
        );
  if (response) return response;
  context.log.warn(
    { function: fn.name, payload: result.payload.toString("utf8").slice(0, 1000) },
    "Execution failed due to configuration error: Malformed Lambda proxy response",
  );
  return gatewayError(kind, "integrationFailure");
}

/** Builds the request (validated once: an event over 6 MB is refused as the Invoke API would) and runs it. */
async function invokeRoute(
  context: IntegrationContext,
  functionName: string,
  event: string,
  routeKey: string,
): Promise<InvokeResult> {
  const request = buildInvocationRequest(registryResolver(context.registry), {
    reference: functionName,
    payload: event,
    payloadIsJson: true,
    invocationType: "RequestResponse",
    source: `http:${routeKey}`,
  });
  return context.invocations.run(request);
}

function decodesForRest(request: RequestData, binaryMediaTypes: readonly string[]): boolean {
  return (
    binaryMediaTypes.length > 0 &&
    restDecodesResponse(headerValue(request.headers, "accept"), binaryMediaTypes)
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  // The invocation keeps running after a timeout; its outcome must not become an unhandled rejection.
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
