/**
 * Answers to requests refused before any route runs — by Node's HTTP parser (`clientError`: headers over Node's
 * 16 KB limit, a URL that long, malformed HTTP, a client too slow to send its request) or by fastify's router
 * (`frameworkErrors`: a path whose percent-encoding is malformed). Each is answered as the service the path belongs
 * to would answer, never in fastify's own format: on the Lambda API's paths in Lambda's error format
 * (`x-amzn-ErrorType` + `{"message"}`, error-reply.ts), on Lambkin's own API (/_lambkin) in its JSON
 * (lambkin-api/), elsewhere as the API Gateway API that owns the path
 * (gateway-responses.ts). With access keys configured, a Lambda API request whose headers could be read is
 * authenticated first, as AWS does.
 * A client too slow to send its request gets no answer: neither service documents one, so the connection is closed
 * and LKN_WRN_GATEWAY_SLOW_CLIENT logged (client-timeouts.ts).
 */
import { randomUUID } from "node:crypto";
import { maxHeaderSize, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionError, FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { coded } from "../runtime/errors/lambkin-codes.js";
import { ServiceError } from "../runtime/errors/service-errors.js";
import { afterEarlierResponses, type HttpSocket } from "../runtime/runtime-api/malformed-request-reply.js";
import { sendGatewayResponse } from "./api-gateway/api-gateway-plugin.js";
import {
  type FrontDoorError,
  type GatewayResponse,
  MAX_REQUEST_LINE_AND_HEADERS_BYTES,
} from "./api-gateway/gateway-responses.js";
import { frontDoorAnswer } from "./api-gateway/request-dispatcher.js";
import type { RouteTable } from "./api-gateway/route-table.js";
import {
  type AwsServiceDefinition,
  sendError as sendAwsServiceError,
} from "./aws-protocols/aws-service-plugin.js";
import { awsServiceOf } from "./aws-protocols/aws-service-router.js";
import { ApiError, validationError, violation } from "./invoke-api/api-error.js";
import { sendApiError } from "./invoke-api/error-reply.js";
import { isLambdaApiPath } from "./invoke-api/lambda-api-paths.js";
import { preliminaryCheck } from "./invoke-api/sigv4/authentication.js";
import { isLambkinApiPath, lambkinApiFrontDoorAnswer } from "./lambkin-api/lambkin-api-paths.js";

export interface FrontDoorOptions {
  readonly table: RouteTable;
  readonly accessKeys: ReadonlyMap<string, string>;
  readonly log: FastifyBaseLogger;
  /** AWS services served on the port (SQS, …): a request handed to one is answered in its protocol. */
  readonly awsServices?: readonly AwsServiceDefinition[];
}

export function frontDoor(options: FrontDoorOptions) {
  return {
    clientErrorHandler(error: ConnectionError, socket: Socket): void {
      if (error.code === "ECONNRESET" || socket.destroyed) return;
      if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
        const address = socket.remoteAddress ?? "unknown";
        options.log.warn(
          coded(
            "LKN_WRN_GATEWAY_SLOW_CLIENT",
            `a client (${address}) did not send its whole request in time (LAMBKIN_HEADERS_TIMEOUT_MS / LAMBKIN_REQUEST_TIMEOUT_MS): connection closed`,
          ),
        );
        socket.destroy();
        return;
      }
      if (!socket.writable) {
        socket.destroy();
        return;
      }
      // What Node's parser was reading when it failed (its current chunk); typed loosely by fastify.
      const requestLine = readRequestLine((error as { rawPacket?: unknown }).rawPacket);
      const failure: FrontDoorError =
        error.code !== "HPE_HEADER_OVERFLOW"
          ? "badRequest"
          : (requestLine?.length ?? 0) > MAX_REQUEST_LINE_AND_HEADERS_BYTES
            ? "uriTooLong"
            : "headersTooLarge";
      const path = requestLine?.path ?? "/";
      const response = isLambdaApiPath(path)
        ? lambdaResponse(lambdaError(failure))
        : isLambkinApiPath(path)
          ? lambkinApiFrontDoorAnswer(failure)
          : frontDoorAnswer(options.table, path.split("?")[0] ?? "/", failure);
      // Pipelined: the answers to the complete requests before this one go first (malformed-request-reply.ts).
      afterEarlierResponses(socket as HttpSocket, () => {
        if (socket.writable) socket.end(serialize(response));
        else socket.destroy();
      });
    },

    frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
      const service = options.awsServices?.find(
        (candidate) => candidate.service === awsServiceOf(request.raw),
      );
      if (service) {
        sendAwsServiceError(service, error, request, reply);
        return;
      }
      const url = request.raw.url ?? "/";
      const failure: FrontDoorError = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? "uriTooLong" : "badRequest";
      if (isLambkinApiPath(url)) {
        sendGatewayResponse(reply, lambkinApiFrontDoorAnswer(failure));
        return;
      }
      if (!isLambdaApiPath(url)) {
        sendGatewayResponse(reply, frontDoorAnswer(options.table, url.split("?")[0] ?? "/", failure));
        return;
      }
      reply.header("x-amzn-RequestId", randomUUID());
      try {
        if (options.accessKeys.size > 0) preliminaryCheck(options.accessKeys, request);
        throw failure === "badRequest"
          ? validationError([
              violation(url.split("?")[0] ?? "", "path", "Member must be valid percent-encoded UTF-8"),
            ])
          : lambdaError(failure);
      } catch (refusal) {
        sendApiError(refusal, request, reply);
      }
    },
  };
}

/** Lambda documents no error for a request it cannot parse; the nearest of its own errors, with HTTP's status. */
function lambdaError(failure: FrontDoorError): ServiceError | ApiError {
  switch (failure) {
    case "headersTooLarge":
      return new ServiceError(
        "RequestTooLargeException",
        `Request headers must be smaller than ${maxHeaderSize} bytes`,
      );
    case "uriTooLong":
      return new ServiceError(
        "RequestTooLargeException",
        `Request URI must be shorter than ${maxHeaderSize} bytes`,
      );
    default:
      return new ApiError("ValidationException", "The request is not valid HTTP/1.1.");
  }
}

function lambdaResponse(error: ServiceError | ApiError): GatewayResponse {
  return {
    statusCode: error.statusCode,
    headers: [
      ["Content-Type", "application/json"],
      ["x-amzn-RequestId", randomUUID()],
      ["x-amzn-ErrorType", error.errorName],
    ],
    body: JSON.stringify(error.toBody()),
  };
}

/** The whole answer as bytes, for a socket that has no response object; the connection ends with it. */
function serialize(response: GatewayResponse): Buffer {
  const body = Buffer.from(response.body);
  const head = [
    `HTTP/1.1 ${response.statusCode} ${STATUS_CODES[response.statusCode] ?? ""}`,
    ...response.headers.map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${body.length}`,
    "Connection: close",
    "",
    "",
  ].join("\r\n");
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}

/** The method and request target, when the parser's chunk starts with the request line; its length in bytes. */
function readRequestLine(packet: unknown): { path: string; length: number } | undefined {
  if (!Buffer.isBuffer(packet)) return undefined;
  const text = packet.toString("latin1");
  const line = /^[A-Z]+ (\/[^ \r\n]*)/.exec(text);
  if (!line) return undefined;
  const end = text.indexOf("\r\n");
  return { path: line[1] as string, length: end < 0 ? text.length : end };
}
