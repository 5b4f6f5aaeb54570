/**
 * Serves one AWS service on the gateway's port, in the wire protocols its clients use, once aws-service-router.ts
 * has handed it the request: the JSON 1.0 protocol (`X-Amz-Target`) and/or the query protocol (`Action=` in the
 * form body or query string), both at `/` and at any other path (SQS's query clients POST to the queue URL).
 * For every request, in its own encapsulated context (the other plugins' hooks and error handlers are untouched):
 * - `x-amzn-RequestId` on every answer, errors included;
 * - SigV4 authentication with the service's scope when access keys are configured, before the body is read;
 * - the body capped at `bodyLimit` as it arrives;
 * - every failure answered in the protocol the request used (json-protocol.ts, query-protocol.ts), never in
 *   fastify's format; an unexpected one is logged and answered InternalFailure (500).
 * The service supplies the operations: `json` (input object → output object) and `query` (parameters → the
 * children of `<ActionResult>`), each with a signal that aborts when the client goes away (a long poll frees
 * itself) or the gateway begins to close (a long poll answers what it has at once instead of holding the
 * shutdown for up to its 20 s).
 */
import { randomUUID } from "node:crypto";
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { awsAuthentication } from "./aws-authentication.js";
import {
  AwsError,
  internalFailure,
  invalidAction,
  isAwsError,
  missingAction,
  requestTooLarge,
} from "./aws-error.js";
import { awsServicePath, sentUrl } from "./aws-service-router.js";
import {
  type JsonProtocolService,
  jsonOperation,
  parseJsonInput,
  sendJsonError,
  sendJsonResponse,
} from "./json-protocol.js";
import { DEFAULT_QUERY_FORM_LIMITS, parseQueryParameters, type QueryParameters } from "./query-form.js";
import { queryResponseXml, sendQueryError, sendQueryResponse } from "./query-protocol.js";
import type { XmlChild } from "./xml-writer.js";

export interface AwsCall {
  readonly request: FastifyRequest;
  readonly requestId: string;
  /** Aborts when the client closes the connection before its answer. */
  readonly signal: AbortSignal;
  /** The `Host` header (queue URLs are built from it). */
  readonly host: string;
  /** The path as sent (`/` or a queue URL's path), without the query string. */
  readonly path: string;
}

export interface AwsServiceDefinition {
  /** SigV4 signing name. */
  readonly service: string;
  /** JSON 1.0 protocol; absent: the service only speaks query. */
  readonly json?: JsonProtocolService & {
    readonly operations: ReadonlySet<string>;
    handle(operation: string, input: Record<string, unknown>, call: AwsCall): Promise<unknown>;
  };
  readonly query: {
    /** The XML namespace of answers: `http://queue.amazonaws.com/doc/2012-11-05/`. */
    readonly namespace: string;
    readonly actions: ReadonlySet<string>;
    /** The children of `<ActionResult>`, or undefined when the action has no output. */
    handle(
      action: string,
      parameters: QueryParameters,
      call: AwsCall,
    ): Promise<readonly XmlChild[] | undefined>;
  };
  readonly bodyLimit: number;
}

export interface AwsServicePluginOptions {
  readonly definition: AwsServiceDefinition;
  readonly accessKeys: ReadonlyMap<string, string>;
}

const REQUEST_ID = "x-amzn-RequestId";

export const awsServicePlugin: FastifyPluginAsync<AwsServicePluginOptions> = async (app, options) => {
  const { definition } = options;
  const authenticate = awsAuthentication(definition.service, options.accessKeys);
  const running = new Set<AbortController>();
  app.addHook("preClose", async () => {
    for (const controller of running) controller.abort();
  });
  await app.register(
    async (api) => {
      api.addHook("onRequest", async (_request, reply) => {
        reply.header(REQUEST_ID, randomUUID());
      });
      api.addHook("onRequest", authenticate.beforeBody);
      api.addHook("preHandler", authenticate.afterBody);
      api.setErrorHandler((error, request, reply) => sendError(definition, error, request, reply));
      const serve = async (request: FastifyRequest, reply: FastifyReply) => {
        const call = awsCall(request, reply, running);
        const target = request.headers["x-amz-target"];
        if (typeof target === "string" && definition.json) {
          const json = definition.json;
          const operation = jsonOperation(target, json);
          if (!json.operations.has(operation)) throw invalidJsonOperation(target);
          const output = await json.handle(operation, parseJsonInput(bodyOf(request)), call);
          return sendJsonResponse(reply, output);
        }
        const url = sentUrl(request);
        const mark = url.indexOf("?");
        const parameters = parseQueryParameters(
          mark < 0 ? "" : url.slice(mark + 1),
          bodyOf(request),
          DEFAULT_QUERY_FORM_LIMITS,
        );
        const action = parameters.get("Action");
        if (action === undefined || action === "") throw missingAction();
        if (!definition.query.actions.has(action)) throw invalidAction(action);
        const result = await definition.query.handle(action, parameters, call);
        return sendQueryResponse(
          reply,
          queryResponseXml(action, definition.query.namespace, call.requestId, result),
        );
      };
      api.all("/", { bodyLimit: definition.bodyLimit }, serve);
      api.all("/*", { bodyLimit: definition.bodyLimit }, serve);
    },
    { prefix: awsServicePath(definition.service) },
  );
};

function invalidJsonOperation(target: string): AwsError {
  return new AwsError("UnknownOperationException", `Operation ${target.slice(0, 200)} is not supported.`, {
    queryCode: "InvalidAction",
  });
}

function bodyOf(request: FastifyRequest): Buffer | undefined {
  return Buffer.isBuffer(request.body) ? request.body : undefined;
}

function awsCall(request: FastifyRequest, reply: FastifyReply, running: Set<AbortController>): AwsCall {
  const controller = new AbortController();
  running.add(controller);
  // A response's `close` before it finished: the client went away (a request's own `close` only means its body ended).
  reply.raw.once("close", () => {
    running.delete(controller);
    if (!reply.raw.writableFinished) controller.abort();
  });
  const url = sentUrl(request);
  const mark = url.indexOf("?");
  return {
    request,
    requestId: String(reply.getHeader(REQUEST_ID) ?? randomUUID()),
    signal: controller.signal,
    host: String(request.headers.host ?? "localhost"),
    path: mark < 0 ? url : url.slice(0, mark),
  };
}

/** Answers in the protocol of the request: JSON when it named an `X-Amz-Target`, else query XML. */
export function sendError(
  definition: AwsServiceDefinition,
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const answer = asAwsError(error, definition);
  if (!answer) request.log.error({ err: error }, `${definition.service} API request failed`);
  const aws = answer ?? internalFailure();
  if (!reply.hasHeader(REQUEST_ID)) reply.header(REQUEST_ID, randomUUID());
  const requestId = String(reply.getHeader(REQUEST_ID));
  if (typeof request.headers["x-amz-target"] === "string" && definition.json) {
    return sendJsonError(reply, aws, definition.json);
  }
  return sendQueryError(reply, aws, definition.query.namespace, requestId);
}

function asAwsError(error: unknown, definition: AwsServiceDefinition): AwsError | undefined {
  if (isAwsError(error)) return error;
  const code = (error as Partial<FastifyError> | undefined)?.code;
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") return requestTooLarge(definition.bodyLimit);
  if (code === "FST_ERR_BAD_URL")
    return new AwsError("InvalidParameterValue", "The request URL is not valid percent-encoding.");
  return undefined;
}
