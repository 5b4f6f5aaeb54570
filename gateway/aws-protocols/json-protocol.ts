/**
 * The AWS JSON 1.0 protocol (https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html): POST `/`,
 * `X-Amz-Target: <ServiceTarget>.<Operation>`, `Content-Type: application/x-amz-json-1.0`, the input as a JSON
 * object; the answer is the output object, or for an error `{"__type":"<namespace>#<Code>","message":…}` with the
 * error's status. For an `awsQueryCompatible` service (SQS, which moved from the query protocol) the answer also
 * carries `x-amzn-query-error: <query code>;<Sender|Receiver>`, from which the SDK restores the query error code
 * (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#aws-protocols-awsquerycompatible-trait).
 */
import type { FastifyReply } from "fastify";
import { type AwsError, serializationError, truncate, unknownOperation } from "./aws-error.js";

export const JSON_1_0_CONTENT_TYPE = "application/x-amz-json-1.0";

export interface JsonProtocolService {
  /** `AmazonSQS` */
  readonly serviceTarget: string;
  /** `com.amazonaws.sqs` */
  readonly namespace: string;
  readonly awsQueryCompatible: boolean;
}

/** The operation an `X-Amz-Target` names, or UnknownOperationException. */
export function jsonOperation(target: string, service: JsonProtocolService): string {
  const prefix = `${service.serviceTarget}.`;
  const operation = target.startsWith(prefix) ? target.slice(prefix.length) : "";
  if (!/^[A-Za-z]{1,64}$/.test(operation)) throw unknownOperation(target);
  return operation;
}

/** The input object; `{}` for an empty body (the SDKs send `{}` for operations without input). */
export function parseJsonInput(body: Buffer | undefined): Record<string, unknown> {
  if (!body || body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw serializationError(
      `The request body is not valid JSON: ${truncate(String((error as Error).message), 120)}`,
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw serializationError("The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

export function sendJsonResponse(reply: FastifyReply, output: unknown): FastifyReply {
  return reply
    .code(200)
    .header("content-type", JSON_1_0_CONTENT_TYPE)
    .send(Buffer.from(JSON.stringify(output ?? {}), "utf8"));
}

export function sendJsonError(
  reply: FastifyReply,
  error: AwsError,
  service: JsonProtocolService,
): FastifyReply {
  if (service.awsQueryCompatible) reply.header("x-amzn-query-error", `${error.queryCode};${error.faultType}`);
  const body = { __type: `${service.namespace}#${error.code}`, message: error.message };
  return reply
    .code(error.httpStatus)
    .header("content-type", JSON_1_0_CONTENT_TYPE)
    .send(Buffer.from(JSON.stringify(body), "utf8"));
}
