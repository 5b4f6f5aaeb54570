/**
 * The deprecated InvokeAsync: `POST /2014-11-13/functions/{FunctionName}/invoke-async/` (API_InvokeAsync), still
 * sent by old SDKs and scripts. It behaves as Invoke with `Event` (same validation, same background run) and
 * answers 202 with `{"Status":202}`. botocore sends the trailing slash, aws-sdk-js-v3 does not: both are served.
 */
import type { FastifyInstance } from "fastify";
import { MAX_ASYNC_PAYLOAD_BYTES } from "../../runtime/invoker/invoke-request.js";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";
import { invokeInBackground } from "./background-invocation.js";
import { checkFunctionName } from "./function-name-parameter.js";
import { type FunctionOperation, registerFunctionOperations } from "./function-operations.js";
import { bodyOf, validateInvocation } from "./invoke-route.js";
import { requestIdOf } from "./request-id.js";

export function registerInvokeAsyncRoute(api: FastifyInstance, runtime: LambkinRuntime): void {
  const invokeAsync: FunctionOperation = async (request, reply, functionName) => {
    checkFunctionName(functionName);
    const payload = bodyOf(request);
    validateInvocation(runtime, { functionName }, payload, MAX_ASYNC_PAYLOAD_BYTES);
    invokeInBackground(runtime, request.log, functionName, payload, { requestId: requestIdOf(reply) });
    return reply
      .code(202)
      .header("content-type", "application/json")
      .send(Buffer.from(JSON.stringify({ Status: 202 })));
  };
  registerFunctionOperations(api, "POST", { "/invoke-async": invokeAsync, "/invoke-async/": invokeAsync });
}
