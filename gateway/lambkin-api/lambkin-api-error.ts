/**
 * How Lambkin's own HTTP API (/_lambkin) answers a failure: an HTTP status and a JSON body
 * `{"code": "LKN_ERR_…", "message": "…"}` with the code from runtime/errors/lambkin-codes.ts, so that a script
 * matches on the code as it does on the CLI's. A SigV4 refusal also says AWS's error name (`type`:
 * InvalidSignatureException, MissingAuthenticationTokenException …), the one the Invoke API answers with.
 * The queue's typed errors map to their own codes: an unknown id is a 404, a dead letter that cannot be redriven
 * (no readable invocation) a 400, a queue that cannot be reached a 503.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { codeOf, type LambkinCode } from "../../runtime/errors/lambkin-codes.js";
import {
  DeadLetterNotFoundError,
  InvalidJobError,
  QueueUnavailableError,
} from "../../triggers/queue/interfaces/queue-errors.js";
import { ApiError } from "../invoke-api/api-error.js";

export class LambkinApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: LambkinCode,
    message: string,
    /** AWS's name for the error, when there is one (authentication). */
    readonly type?: string,
  ) {
    super(message);
  }

  toBody(): Record<string, string> {
    return {
      code: this.code,
      message: this.message,
      ...(this.type === undefined ? {} : { type: this.type }),
    };
  }
}

/** @param type AWS's name for the error, for operations that take what an AWS service posts (s3-events). */
export function invalidRequest(message: string, type?: string): LambkinApiError {
  return new LambkinApiError(400, "LKN_ERR_ADMIN_REQUEST_INVALID", message, type);
}

export function sendLambkinApiError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const answer = asLambkinApiError(error);
  if (answer.statusCode >= 500) request.log.error({ err: error }, "Lambkin API request failed");
  return reply
    .code(answer.statusCode)
    .header("content-type", "application/json")
    .send(Buffer.from(JSON.stringify(answer.toBody())));
}

function asLambkinApiError(error: unknown): LambkinApiError {
  if (error instanceof LambkinApiError) return error;
  if (error instanceof ApiError) {
    // Authentication (sigv4/): 403, with AWS's own message and name.
    return new LambkinApiError(
      error.statusCode,
      "LKN_ERR_ADMIN_UNAUTHENTICATED",
      error.message,
      error.errorName,
    );
  }
  if (error instanceof DeadLetterNotFoundError) return new LambkinApiError(404, error.code, plain(error));
  if (error instanceof InvalidJobError) return new LambkinApiError(400, error.code, plain(error));
  if (error instanceof QueueUnavailableError) return new LambkinApiError(503, error.code, plain(error));
  const fastifyCode = (error as Partial<FastifyError> | undefined)?.code;
  if (fastifyCode === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new LambkinApiError(
      413,
      "LKN_ERR_ADMIN_REQUEST_INVALID",
      "the request body is over what this operation of Lambkin's API takes",
      // Lambda's name for a body over its limit (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
      "RequestTooLargeException",
    );
  }
  const code = codeOf(error);
  return new LambkinApiError(
    500,
    code ?? "LKN_ERR_ADMIN_FAILED",
    code && error instanceof Error ? plain(error) : "Lambkin could not serve the request (see its log)",
  );
}

/** The message without the `[LKN_…] ` prefix `coded()` gave it: the body carries the code on its own. */
function plain(error: Error): string {
  return error.message.replace(/^\[LKN_[A-Z0-9_]+\] /, "");
}
