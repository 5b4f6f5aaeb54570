/**
 * Invoke: `POST /2015-03-31/functions/{FunctionName}/invocations` (API_Invoke, docs/lambda-behaviour.md §3.1).
 * - RequestResponse: 200 whatever the function did; the body is the function's bytes exactly (or its error
 *   object), `X-Amz-Function-Error: Unhandled` on a function error, `X-Amz-Executed-Version`, and with
 *   `X-Amz-Log-Type: Tail` the last 4 KB of its log in `X-Amz-Log-Result` (base64). Function errors never change
 *   the status (awsdocs/aws-lambda-developer-guide#127).
 * - Event: the request is validated (function, 1 MB payload, client context), answered 202 with an empty body at
 *   once, and the invocation runs in the background.
 * - DryRun: validated the same way (6 MB payload), 204, nothing runs.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  decodeClientContext,
  MAX_ASYNC_PAYLOAD_BYTES,
  MAX_SYNC_PAYLOAD_BYTES,
  validatePayload,
} from "../../runtime/invoker/invoke-request.js";
import type { LambkinRuntime } from "../../runtime/lambkin-runtime.js";
import { invokeInBackground } from "./background-invocation.js";
import type { FunctionOperation } from "./function-operations.js";
import { type InvokeParameters, invokeParameters } from "./invoke-parameters.js";
import { requestIdOf } from "./request-id.js";

export function invokeOperation(runtime: LambkinRuntime): FunctionOperation {
  return async (request, reply, functionName) => {
    const parameters = invokeParameters(request, functionName);
    const payload = bodyOf(request);
    switch (parameters.invocationType) {
      case "DryRun":
        validateInvocation(runtime, parameters, payload, MAX_SYNC_PAYLOAD_BYTES);
        return reply.code(204).send();
      case "Event":
        validateInvocation(runtime, parameters, payload, MAX_ASYNC_PAYLOAD_BYTES);
        invokeInBackground(runtime, request.log, parameters.functionName, payload, {
          ...invokeOptions(parameters),
          requestId: requestIdOf(reply),
        });
        return reply.code(202).send();
      case "RequestResponse":
        return invokeSynchronously(runtime, parameters, payload, reply);
    }
  };
}

async function invokeSynchronously(
  runtime: LambkinRuntime,
  parameters: InvokeParameters,
  payload: Buffer,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const result = await runtime.invoker.invoke(parameters.functionName, payload, {
    ...invokeOptions(parameters),
    requestId: requestIdOf(reply),
  });
  reply
    .code(200)
    .header("content-type", "application/json")
    .header("X-Amz-Executed-Version", result.executedVersion);
  if (result.functionError) reply.header("X-Amz-Function-Error", result.functionError);
  if (parameters.logType === "Tail") reply.header("X-Amz-Log-Result", result.logTail.base64());
  return reply.send(result.payload);
}

/** Everything the Invoker would refuse, checked without running anything (the Invoker's own checks, reused). */
export function validateInvocation(
  runtime: LambkinRuntime,
  parameters: Pick<InvokeParameters, "functionName" | "qualifier" | "clientContextBase64">,
  payload: Buffer,
  limitBytes: number,
): void {
  runtime.invoker.resolveFunction(parameters.functionName, parameters.qualifier);
  validatePayload(payload, limitBytes);
  decodeClientContext(parameters.clientContextBase64);
}

function invokeOptions(parameters: InvokeParameters): { qualifier?: string; clientContextBase64?: string } {
  return {
    ...(parameters.qualifier === undefined ? {} : { qualifier: parameters.qualifier }),
    ...(parameters.clientContextBase64 === undefined
      ? {}
      : { clientContextBase64: parameters.clientContextBase64 }),
  };
}

/** The raw request body (the gateway parses every content type as bytes); none is an empty payload. */
export function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}
