/** PLACEHOLDER — being written: the Lambda Invoke API and read-only control plane. */
import type { FastifyPluginAsync } from "fastify";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";

export interface InvokeApiPluginOptions {
  readonly runtime: LambkinRuntime;
  readonly accessKeys: ReadonlyMap<string, string>;
}

export const invokeApiPlugin: FastifyPluginAsync<InvokeApiPluginOptions> = async () => {};
