/**
 * The gateway: a fastify app that only turns HTTP into invocations and invocation results into
 * HTTP (docs/architecture.md "Ports and adapters"). Plugins share the server: the Lambda Invoke API and
 * control plane (AWS SDKs, the aws CLI), the API Gateway routes declared by `http`/`httpApi`
 * events (with a service's static site behind them, static-site/), and Lambkin's own API under /_lambkin (dead letters). Bodies reach both as raw bytes: payloads are passed on exactly as sent.
 * A client cannot hold the server: its request must arrive within the client timeouts (client-timeouts.ts), each
 * side caps bodies at its service's limits as they arrive, and whatever is refused before any route runs is
 * answered in the format of the service the path belongs to (front-door.ts).
 */

import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import type { RecentLogs } from "../runtime/logs/recent-logs.js";
import type { StaticSite } from "../runtime/manifest/static-site.js";
import type { MailStore } from "../services/mail/mail-store.js";
import type { DeadLetterStore } from "../triggers/queue/interfaces/job-queue.js";
import type { S3Notifications } from "../triggers/s3/s3-notifications.js";
import type { SqsStore } from "../triggers/sqs/interfaces/index.js";
import { apiGatewayPlugin } from "./api-gateway/api-gateway-plugin.js";
import { MAX_REQUEST_BODY_BYTES } from "./api-gateway/gateway-responses.js";
import { LiveRouteTable } from "./api-gateway/live-route-table.js";
import { type AwsServiceDefinition, awsServicePlugin } from "./aws-protocols/aws-service-plugin.js";
import { type AwsServiceRoute, awsServiceRewriteUrl } from "./aws-protocols/aws-service-router.js";
import { type ClientTimeouts, clientTimeoutsFromEnvironment } from "./client-timeouts.js";
import { awaitDeclaredBody } from "./declared-body.js";
import { frontDoor } from "./front-door.js";
import type { GatewayBackend } from "./gateway-backend.js";
import { invokeApiPlugin } from "./invoke-api/invoke-api-plugin.js";
import type { UsedEndpoints } from "./lambkin-api/endpoints-route.js";
import { lambkinApiPlugin } from "./lambkin-api/lambkin-api-plugin.js";
import { SQS_SERVICE_ROUTE, sqsApi } from "./sqs-api/sqs-api.js";
import { mountStaticSite } from "./static-site/static-site-plugin.js";

export interface GatewayOptions {
  /** The functions and the Invocations port the routes invoke through. */
  readonly backend: GatewayBackend;
  readonly logger: Logger;
  /** Access keys whose SigV4 signatures the Invoke API accepts; none = signatures not checked. */
  readonly accessKeys?: ReadonlyMap<string, string>;
  /** Default: from LAMBKIN_HEADERS_TIMEOUT_MS / LAMBKIN_REQUEST_TIMEOUT_MS. */
  readonly clientTimeouts?: ClientTimeouts;
  /** The queue's dead letters, served under /_lambkin/events (lambkin-api/); none = no Lambkin API. */
  readonly deadLetters?: DeadLetterStore;
  /** The bucket notifications that POST /_lambkin/s3-events feeds (functions' `s3` events). */
  readonly s3Notifications?: S3Notifications;
  /** The queues the SQS API serves (sqs-api/); none = SQS requests answered ServiceUnavailable. */
  readonly sqsStore?: SqsStore;
  /** The local mail service's messages (/_lambkin/mail). */
  readonly mail?: MailStore;
  /** AWS services served on this port, told apart by their SigV4 credential scope (aws-protocols/): SNS, … */
  readonly awsServices?: readonly AwsServiceDefinition[];
  /** The DynamoDB, Kinesis and S3 endpoints GET /_lambkin/endpoints reports; default: from the environment. */
  readonly usedEndpoints?: () => UsedEndpoints;
  /** A service's static website (serverless-finch), served at / for what no route takes (static-site/). */
  readonly site?: StaticSite;
  /** The recent invocation logs of the functions this process runs (/_lambkin/logs); none for `lambkin gateway`. */
  readonly recentLogs?: RecentLogs;
  /** The API Gateway routes, when the caller swaps them on reload (`lambkin dev`); default: built from the registry once. */
  readonly routes?: LiveRouteTable;
}

export async function createGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const timeouts = options.clientTimeouts ?? clientTimeoutsFromEnvironment();
  const accessKeys = options.accessKeys ?? new Map();
  const routes = options.routes ?? (await LiveRouteTable.of(options.backend.registry.all()));
  const log = options.logger.child({ component: "gateway" }) as FastifyBaseLogger;
  // AWS services on this port, told apart from API Gateway routes by their SigV4 scope (aws-protocols/).
  const awsServices: ReadonlyArray<readonly [AwsServiceRoute, AwsServiceDefinition]> = [
    [SQS_SERVICE_ROUTE, sqsApi(options.sqsStore ?? options.backend.sqsStore)],
    ...(options.awsServices ?? []).map(
      (definition) => [{ service: definition.service }, definition] as const,
    ),
  ];
  const door = frontDoor({
    // A getter: the front door reads the table per request, and a reload swaps it.
    get table() {
      return routes.table;
    },
    accessKeys,
    log,
    awsServices: awsServices.map(([, service]) => service),
  });
  const app = Fastify({
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    // Each route caps its own body lower (Lambda: 6 MB); nothing is ever read past API Gateway's 10 MB.
    bodyLimit: MAX_REQUEST_BODY_BYTES,
    requestTimeout: timeouts.requestTimeoutMs,
    http: {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    clientErrorHandler: door.clientErrorHandler,
    frameworkErrors: door.frameworkErrors,
    // API Gateway paths are case-sensitive and keep trailing slashes meaningful.
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true },
    rewriteUrl: awsServiceRewriteUrl(awsServices.map(([route]) => route)),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  // A GET or HEAD that declares a body is answered only once the body is whole (declared-body.ts).
  app.addHook("preHandler", awaitDeclaredBody);
  await app.register(invokeApiPlugin, { backend: options.backend, accessKeys });
  const { site } = options;
  if (site) {
    // The routes' catch-all sends the site's files with the reply.sendFile that @fastify/static adds to this scope.
    await app.register(async (scope) => {
      const fallback = await mountStaticSite(scope, site);
      await scope.register(apiGatewayPlugin, { backend: options.backend, routes, site: fallback });
    });
  } else {
    await app.register(apiGatewayPlugin, { backend: options.backend, routes });
  }
  for (const [, definition] of awsServices) await app.register(awsServicePlugin, { definition, accessKeys });
  if (options.deadLetters) {
    await app.register(lambkinApiPlugin, {
      deadLetters: options.deadLetters,
      accessKeys,
      userRoutes: routes.table.routes,
      ...(options.s3Notifications ? { s3Notifications: options.s3Notifications } : {}),
      ...(options.mail ? { mail: options.mail } : {}),
      ...(options.usedEndpoints ? { usedEndpoints: options.usedEndpoints } : {}),
      logs: {
        ...(options.recentLogs ? { recent: options.recentLogs } : {}),
        functionName: (reference) => options.backend.registry.resolve(reference)?.name,
      },
    });
  }
  return app;
}
