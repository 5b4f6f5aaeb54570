/**
 * Invoke: `POST /2015-03-31/functions/{FunctionName}/invocations` (API_Invoke, docs/lambda-behaviour.md §3.1).
 * - RequestResponse: 200 whatever the function did; the body is the function's bytes exactly (or its error
 *   object), `X-Amz-Function-Error: Unhandled` on a function error, `X-Amz-Executed-Version`, and with
 *   `X-Amz-Log-Type: Tail` the last 4 KB of its log in `X-Amz-Log-Result` (base64). Function errors never change
 *   the status (awsdocs/aws-lambda-developer-guide#127).
 * - Event: the request is validated (function, 1 MB payload, client context) and answered 202 with an empty body
 *   only once the queue has durably stored it (docs/lambda-behaviour.md §5); a queue that cannot take it is a
 *   ServiceException (500), never a 202 for a lost event.
 * - DryRun: validated the same way (6 MB payload), 204, nothing runs.
 */

import type { FastifyRequest } from "fastify";
import {
  buildInvocationRequest,
  type InvocationRequestInput,
  type InvocationType,
  payloadLimitOf,
} from "../../runtime/invocation/invocation-request.js";
import { registryResolver } from "../../runtime/invocation/resolve-function.js";
import { CODE_REVISION_HEADER } from "../api-gateway/lambda-integration.js";
import type { GatewayBackend } from "../gateway-backend.js";
import type { FunctionOperation } from "./function-operations.js";
import { invokeParameters } from "./invoke-parameters.js";
import { requestIdOf } from "./request-id.js";

export function invokeOperation(backend: GatewayBackend): FunctionOperation {
  const resolver = registryResolver(backend.registry);
  return async (request, reply, functionName) => {
    const parameters = invokeParameters(request, functionName);
    const input = (invocationType: InvocationType): InvocationRequestInput => ({
      reference: parameters.functionName,
      ...(parameters.qualifier === undefined ? {} : { qualifier: parameters.qualifier }),
      ...(parameters.clientContextBase64 === undefined
        ? {}
        : { clientContext: parameters.clientContextBase64 }),
      payload: bodyOf(request),
      invocationType,
      requestId: requestIdOf(reply),
      source: "invoke-api",
    });
    switch (parameters.invocationType) {
      case "DryRun":
        buildInvocationRequest(resolver, input("RequestResponse"), payloadLimitOf("RequestResponse"));
        return reply.code(204).send();
      case "Event":
        await backend.invocations.enqueue(buildInvocationRequest(resolver, input("Event")));
        return reply.code(202).send();
      case "RequestResponse": {
        const result = await backend.invocations.run(
          buildInvocationRequest(resolver, input("RequestResponse")),
        );
        reply
          .code(200)
          .header("content-type", "application/json")
          .header("X-Amz-Executed-Version", result.executedVersion);
        if (result.functionError) reply.header("X-Amz-Function-Error", result.functionError);
        if (result.codeRevision) reply.header(CODE_REVISION_HEADER, result.codeRevision);
        if (parameters.logType === "Tail") reply.header("X-Amz-Log-Result", result.logTail.base64());
        return reply.send(result.payload);
      }
    }
  };
}

/** The raw request body (the gateway parses every content type as bytes); none is an empty payload. */
export function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}
