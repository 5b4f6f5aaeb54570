/** PLACEHOLDER — being written: API Gateway REST (v1) and HTTP API (v2) routes from `http`/`httpApi` events. */
import type { FastifyPluginAsync } from "fastify";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";

export interface ApiGatewayPluginOptions {
  readonly runtime: LambkinRuntime;
}

export const apiGatewayPlugin: FastifyPluginAsync<ApiGatewayPluginOptions> = async () => {};
