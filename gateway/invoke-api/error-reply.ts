/**
 * Turns whatever went wrong while serving a Lambda API request into AWS's error format: status,
 * `x-amzn-ErrorType: <Name>`, a JSON body and, for throttles, `Retry-After` (docs/lambda-behaviour.md §3.2). The SDKs
 * read the error name from that header first (aws-sdk-js-v3 `loadRestJsonErrorCode`), so a client gets its typed
 * exception (ResourceNotFoundException, TooManyRequestsException with `Reason`, …).
 * Fastify's own failures are mapped to the Lambda error that means the same; anything else is a ServiceException.
 * A request refused before its body was read (authentication, payload size) is answered at once; Node then reads and
 * discards the rest of the body (keeping nothing), within the client timeouts, and the connection stays usable.
 * Closing it instead would lose the answer: a client still sending gets a reset, which discards what it received.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ServiceError } from "../../runtime/errors/service-errors.js";
import { MAX_SYNC_PAYLOAD_BYTES } from "../../runtime/invoker/invoke-request.js";
import { ApiError } from "./api-error.js";

export function sendApiError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = asKnownError(error);
  if (!known) request.log.error({ err: error }, "Lambda API request failed");
  const answer =
    known ?? new ServiceError("ServiceException", "An internal error occurred while serving the request.");
  if (answer instanceof ServiceError && answer.extra.retryAfterSeconds !== undefined) {
    reply.header("Retry-After", String(answer.extra.retryAfterSeconds));
  }
  return reply
    .code(answer.statusCode)
    .header("x-amzn-ErrorType", answer.errorName)
    .header("content-type", "application/json")
    .send(Buffer.from(JSON.stringify(answer.toBody())));
}

function asKnownError(error: unknown): ServiceError | ApiError | undefined {
  if (error instanceof ServiceError || error instanceof ApiError) return error;
  const code = (error as Partial<FastifyError> | undefined)?.code;
  // Above the gateway's body limit fastify refuses before any route runs; Lambda's answer is the same 413.
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new ServiceError(
      "RequestTooLargeException",
      `Request must be smaller than ${MAX_SYNC_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
    );
  }
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
    return new ServiceError("UnsupportedMediaTypeException", "The request's content type is not supported.");
  }
  return undefined;
}
