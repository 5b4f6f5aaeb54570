/**
 * SigV4 for the AWS services served on the gateway, when access keys are configured (LAMBKIN_ACCESS_KEYS): the
 * Lambda API's checks (gateway/invoke-api/sigv4/), with the service's own scope (`…/sqs/aws4_request`), against the
 * URL as the client sent it, and answered with the common error codes of the query-era services
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html): InvalidClientTokenId,
 * SignatureDoesNotMatch, MissingAuthenticationToken, IncompleteSignature. As for Lambda, a request that cannot be
 * authentic is refused before its body is read.
 */
import type { FastifyRequest } from "fastify";
import { ApiError } from "../invoke-api/api-error.js";
import { sigV4Authentication } from "../invoke-api/sigv4/authentication.js";
import { AwsError } from "./aws-error.js";
import { sentUrl } from "./aws-service-router.js";

export interface AwsAuthentication {
  readonly beforeBody: (request: FastifyRequest) => Promise<void>;
  readonly afterBody: (request: FastifyRequest) => Promise<void>;
}

export function awsAuthentication(
  service: string,
  accessKeys: ReadonlyMap<string, string>,
): AwsAuthentication {
  const checks = sigV4Authentication(accessKeys, { service, urlOf: sentUrl });
  return {
    beforeBody: (request) => translated(() => checks.beforeBody(request)),
    afterBody: (request) => translated(() => checks.afterBody(request)),
  };
}

async function translated(check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error) {
    throw error instanceof ApiError ? authenticationError(error) : error;
  }
}

/** The Lambda API's authentication error as the query-era services name it. */
export function authenticationError(error: ApiError): AwsError {
  switch (error.errorName) {
    case "UnrecognizedClientException":
      return new AwsError("InvalidClientTokenId", error.message, { httpStatus: 403 });
    case "MissingAuthenticationTokenException":
      return new AwsError("MissingAuthenticationToken", error.message, { httpStatus: 403 });
    case "IncompleteSignatureException":
      return new AwsError("IncompleteSignature", error.message, { httpStatus: 400 });
    case "InvalidSignatureException":
      return new AwsError("SignatureDoesNotMatch", error.message, { httpStatus: 403 });
    default:
      return new AwsError("InvalidParameterValue", error.message);
  }
}
