/**
 * The deprecated InvokeAsync: `POST /2014-11-13/functions/{FunctionName}/invoke-async/` (API_InvokeAsync), still
 * sent by old SDKs and scripts. It behaves as Invoke with `Event` (same validation, same durable queue) and
 * answers 202 with `{"Status":202}` once the event is stored. botocore sends the trailing slash, aws-sdk-js-v3
 * does not: both are served.
 */
import type { FastifyInstance } from "fastify";
import { buildInvocationRequest } from "../../runtime/invocation/invocation-request.js";
import { registryResolver } from "../../runtime/invocation/resolve-function.js";
import type { GatewayBackend } from "../gateway-backend.js";
import { checkFunctionName } from "./function-name-parameter.js";
import { type FunctionOperation, registerFunctionOperations } from "./function-operations.js";
import { bodyOf } from "./invoke-route.js";
import { requestIdOf } from "./request-id.js";

export function registerInvokeAsyncRoute(api: FastifyInstance, backend: GatewayBackend): void {
  const resolver = registryResolver(backend.registry);
  const invokeAsync: FunctionOperation = async (request, reply, functionName) => {
    checkFunctionName(functionName);
    const invocation = buildInvocationRequest(resolver, {
      reference: functionName,
      payload: bodyOf(request),
      invocationType: "Event",
      requestId: requestIdOf(reply),
      source: "invoke-api",
    });
    await backend.invocations.enqueue(invocation);
    return reply
      .code(202)
      .header("content-type", "application/json")
      .send(Buffer.from(JSON.stringify({ Status: 202 })));
  };
  registerFunctionOperations(api, "POST", { "/invoke-async": invokeAsync, "/invoke-async/": invokeAsync });
}
