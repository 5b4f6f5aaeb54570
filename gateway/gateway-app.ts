/**
 * The gateway: a fastify app that only turns HTTP into invocations and invocation results into
 * HTTP (DESIGN "Ports and adapters"). Two plugins share the server: the Lambda Invoke API and
 * control plane (AWS SDKs, the aws CLI) and the API Gateway routes declared by `http`/`httpApi`
 * events. Bodies reach both as raw bytes: payloads are passed on exactly as sent.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import type { LambkinRuntime } from "../runtime/lambkin-runtime.js";
import { apiGatewayPlugin } from "./api-gateway/api-gateway-plugin.js";
import { invokeApiPlugin } from "./invoke-api/invoke-api-plugin.js";

/** Above Lambda's 6 MB synchronous limit so oversized payloads get AWS's own 413, not fastify's. */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export interface GatewayOptions {
  readonly runtime: LambkinRuntime;
  readonly logger: Logger;
  /** Access keys whose SigV4 signatures the Invoke API accepts; none = signatures not checked. */
  readonly accessKeys?: ReadonlyMap<string, string>;
}

export async function createGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: "gateway" }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // API Gateway paths are case-sensitive and keep trailing slashes meaningful.
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  await app.register(invokeApiPlugin, {
    runtime: options.runtime,
    accessKeys: options.accessKeys ?? new Map(),
  });
  await app.register(apiGatewayPlugin, { runtime: options.runtime });
  return app;
}
