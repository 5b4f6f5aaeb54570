/**
 * The Lambda Invoke API and read-only control plane, as the AWS SDKs and the aws CLI call them
 * (docs/lambda-behaviour.md §3): Invoke, the legacy InvokeAsync, ListFunctions, GetFunction, GetFunctionConfiguration.
 *
 * Each of Lambda's API date prefixes gets its own encapsulated fastify context, so its hooks, error handler and
 * not-found handler apply to Lambda API requests only and the API Gateway routes sharing the server are untouched:
 * - every answer carries `x-amzn-RequestId`;
 * - with access keys configured, every request must be SigV4-signed by one of them, and one that cannot be is refused
 *   before its body is read;
 * - a body is capped at Lambda's payload limits (6 MB, 1 MB for an asynchronous invocation) as it arrives, never
 *   buffered whole first (payload-limits.ts);
 * - every failure is answered in AWS's error format (`x-amzn-ErrorType` + JSON body), by the context's error handler;
 * - an operation Lambkin does not serve under these prefixes is AWS's UnknownOperationException (404).
 * The routes only translate HTTP to invocation requests (runtime/invocation/), built and validated once, and hand
 * them to the Invocations port: run now (RequestResponse) or queue durably (Event).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import type { GatewayBackend } from "../gateway-backend.js";
import { unknownOperation } from "./api-error.js";
import { registerControlPlaneRoutes } from "./control-plane-routes.js";
import { sendApiError } from "./error-reply.js";
import { registerFunctionOperations } from "./function-operations.js";
import { registerInvokeAsyncRoute } from "./invoke-async-route.js";
import { invokeOperation } from "./invoke-route.js";
import { LAMBDA_API_PREFIXES } from "./lambda-api-paths.js";
import { checkDeclaredPayloadSize, MAX_BODY_BYTES } from "./payload-limits.js";
import { assignRequestId } from "./request-id.js";
import { sigV4Authentication } from "./sigv4/authentication.js";

export interface InvokeApiPluginOptions {
  readonly backend: GatewayBackend;
  readonly accessKeys: ReadonlyMap<string, string>;
}

type RouteRegistration = (api: FastifyInstance, backend: GatewayBackend) => void;

/**
 * Every path prefix of the Lambda API (the `http` traits of aws-sdk-js-v3's client-lambda model), with the
 * operations Lambkin serves under each. The others are claimed so that their operations get AWS's answer.
 */
const LAMBDA_API_ROUTES: ReadonlyArray<readonly [string, readonly RouteRegistration[]]> = [
  [
    "/2015-03-31",
    [
      (api, backend) => registerFunctionOperations(api, "POST", { "/invocations": invokeOperation(backend) }),
      registerControlPlaneRoutes,
    ],
  ],
  ["/2014-11-13", [registerInvokeAsyncRoute]],
  ...LAMBDA_API_PREFIXES.filter((prefix) => prefix !== "/2015-03-31" && prefix !== "/2014-11-13").map(
    (prefix) => [prefix, []] as const,
  ),
];

/**
 * Whatever else arrives under a prefix. Catch-all routes as well as the not-found handler: the API Gateway plugin
 * serves a catch-all `/*` of its own, which would otherwise win over this context's not-found handler.
 */
function registerUnknownOperations(api: FastifyInstance): void {
  const answer = async (request: FastifyRequest) => {
    throw unknownOperation(request.method, (request.raw.url ?? request.url).split("?")[0] ?? "");
  };
  api.all("/", answer);
  api.all("/*", answer);
  api.setNotFoundHandler(answer);
}

export const invokeApiPlugin: FastifyPluginAsync<InvokeApiPluginOptions> = async (app, options) => {
  const authenticate = sigV4Authentication(options.accessKeys);
  for (const [prefix, registrations] of LAMBDA_API_ROUTES) {
    await app.register(
      async (api) => {
        api.addHook("onRoute", (route) => {
          route.bodyLimit ??= MAX_BODY_BYTES;
        });
        api.addHook("onRequest", assignRequestId);
        api.addHook("onRequest", authenticate.beforeBody);
        api.addHook("onRequest", checkDeclaredPayloadSize);
        api.addHook("preHandler", authenticate.afterBody);
        api.setErrorHandler((error, request, reply) => sendApiError(error, request, reply));
        for (const register of registrations) register(api, options.backend);
        registerUnknownOperations(api);
      },
      { prefix },
    );
  }
};
