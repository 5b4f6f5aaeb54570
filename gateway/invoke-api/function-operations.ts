/**
 * Routes the operations addressed to one function, `<version>/functions/{FunctionName}<suffix>`, by reading the
 * `{FunctionName}` label from the path exactly as sent. A router parameter would not do: fastify refuses a
 * parameter over 100 characters with 414 before any route runs, while a full ARN may be 170 characters (API_Invoke),
 * and the label must be decoded only after the path is split, so that `..%2Fx` stays one label (then refused by
 * validation) instead of becoming two path segments.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { unknownOperation } from "./api-error.js";

export type FunctionOperation = (
  request: FastifyRequest,
  reply: FastifyReply,
  functionName: string,
) => Promise<unknown>;

/**
 * Serves `method <prefix>/functions/*`: `operations` maps what follows the label ("" for the function itself,
 * "/invocations", …) to its handler; any other suffix is an operation Lambkin does not serve.
 */
export function registerFunctionOperations(
  api: FastifyInstance,
  method: "GET" | "POST",
  operations: Readonly<Record<string, FunctionOperation>>,
): void {
  api.route({
    method,
    url: "/functions/*",
    handler: async (request, reply) => {
      const { functionName, suffix } = splitFunctionPath(request);
      const operation = operations[suffix];
      if (!operation) throw unknownOperation(request.method, pathOf(request));
      return operation(request, reply, functionName);
    },
  });
}

function splitFunctionPath(request: FastifyRequest): { functionName: string; suffix: string } {
  const path = pathOf(request);
  const marker = "/functions/";
  const rest = path.slice(path.indexOf(marker) + marker.length);
  const end = rest.indexOf("/");
  const label = end < 0 ? rest : rest.slice(0, end);
  return { functionName: decodeLabel(label), suffix: end < 0 ? "" : rest.slice(end) };
}

function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? request.url;
  const mark = url.indexOf("?");
  return mark < 0 ? url : url.slice(0, mark);
}

/** Malformed percent-encoding is left as is: `%` is not a name character, so validation refuses it. */
function decodeLabel(label: string): string {
  try {
    return decodeURIComponent(label);
  } catch {
    return label;
  }
}
