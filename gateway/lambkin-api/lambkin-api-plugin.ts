/**
 * Lambkin's own HTTP API, under `/_lambkin`: `/_lambkin/events`, the dead letters of asynchronous
 * invocations (events-routes.ts); `/_lambkin/s3-events`, where S3 servers post bucket notifications
 * (s3-events-route.ts); `/_lambkin/endpoints`, the AWS endpoints Lambkin serves and uses (endpoints-route.ts);
 * `/_lambkin/logs`, the recent invocation logs, live as server-sent events with `follow=1` (logs-route.ts). It is an operator's API, not AWS's, so it answers in its own JSON
 * (`{code, message}`, lambkin-api-error.ts), in one encapsulated fastify context whose hooks and error handler
 * touch nothing else on the server.
 * - Security: with access keys configured (LAMBKIN_ACCESS_KEYS), every request, reads included (payloads may hold
 *   secrets), must be SigV4-signed by one of them exactly as the Invoke API requires (sigv4/, service `lambda`),
 *   and one that cannot be authentic is refused before its body is read. Without keys, as for the Invoke API,
 *   nothing is checked (`lambkin dev` warns about it at startup): anyone who can reach the port can purge.
 * - The whole `/_lambkin` prefix belongs to Lambkin, every method: a path or method it does not serve is its 404,
 *   never handed to a user's API Gateway route (fastify prefers these declared routes to the API Gateway
 *   catch-all). A user route declared under `/_lambkin` could never be reached, so it is warned about.
 * - Requests carry no body but s3-events' (1 MiB at most): anything over a few KB is refused as it arrives.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from "fastify";
import { coded } from "../../runtime/errors/lambkin-codes.js";
import type { MailStore } from "../../services/mail/mail-store.js";
import type { DeadLetterStore } from "../../triggers/queue/interfaces/job-queue.js";
import type { S3NotificationSink } from "../../triggers/s3/interfaces/s3-notification-sink.js";
import type { Route } from "../api-gateway/route-table.js";
import { sigV4Authentication } from "../invoke-api/sigv4/authentication.js";
import {
  registerEndpointsRoute,
  type UsedEndpoints,
  usedEndpointsFromEnvironment,
} from "./endpoints-route.js";
import { notAnOperation, registerEventsRoutes } from "./events-routes.js";
import { sendLambkinApiError } from "./lambkin-api-error.js";
import { isLambkinApiPath, LAMBKIN_API_PREFIX } from "./lambkin-api-paths.js";
import { type LogsRouteOptions, registerLogsRoute } from "./logs-route.js";
import { registerMailRoutes } from "./mail-routes.js";
import { registerS3EventsRoute } from "./s3-events-route.js";

export interface LambkinApiPluginOptions {
  readonly deadLetters: DeadLetterStore;
  readonly accessKeys: ReadonlyMap<string, string>;
  /** The API Gateway routes served beside it, to warn about those it hides. */
  readonly userRoutes?: readonly Route[];
  /** Where POST /_lambkin/s3-events sends bucket notifications; none = no S3 trigger configured. */
  readonly s3Notifications?: S3NotificationSink;
  /** The DynamoDB, Kinesis and S3 endpoints GET /_lambkin/endpoints reports; default: from the environment. */
  readonly usedEndpoints?: () => UsedEndpoints;
  /** The local mail service's messages, served under /_lambkin/mail; none = no mail service. */
  readonly mail?: MailStore;
  /** The recent invocation logs served under /_lambkin/logs (logs-route.ts); default: none (a gateway's 501). */
  readonly logs?: LogsRouteOptions;
}

/** No operation but s3-events takes a body (it sets its own limit); a signed empty one is fine. */
const MAX_BODY_BYTES = 4096;

export const lambkinApiPlugin: FastifyPluginAsync<LambkinApiPluginOptions> = async (app, options) => {
  warnAboutHiddenRoutes(app, options.userRoutes ?? []);
  const authenticate = sigV4Authentication(options.accessKeys);
  await app.register(
    async (api: FastifyInstance) => {
      api.addHook("onRoute", (route) => {
        route.bodyLimit ??= MAX_BODY_BYTES;
      });
      api.addHook("onRequest", authenticate.beforeBody);
      api.addHook("preHandler", authenticate.afterBody);
      api.setErrorHandler((error, request, reply) => sendLambkinApiError(error, request, reply));
      registerEventsRoutes(api, options.deadLetters);
      registerEndpointsRoute(api, options.usedEndpoints ?? (() => usedEndpointsFromEnvironment()));
      if (options.s3Notifications) registerS3EventsRoute(api, options.s3Notifications);
      if (options.mail) registerMailRoutes(api, options.mail);
      registerLogsRoute(api, options.logs ?? { functionName: () => undefined });
      const unknown = async (request: FastifyRequest) => {
        throw notAnOperation(request);
      };
      api.all("/", unknown);
      api.all("/*", unknown);
      api.setNotFoundHandler(unknown);
    },
    { prefix: LAMBKIN_API_PREFIX },
  );
};

function warnAboutHiddenRoutes(app: FastifyInstance, routes: readonly Route[]): void {
  for (const route of routes) {
    const path = route.path?.text;
    if (path === undefined || !isLambkinApiPath(path)) continue;
    const code = "LKN_WRN_GATEWAY_ROUTE_RESERVED";
    app.log.warn(
      { code },
      coded(
        code,
        `${route.routeKey} (${route.api.service}) is under ${LAMBKIN_API_PREFIX}, which Lambkin's own API serves: the route is never reached locally; give it another path`,
      ),
    );
  }
}
