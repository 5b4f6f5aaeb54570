/**
 * SQS's errors as the wire answers them. The store's SqsErrors carry both wire names already (sqs-errors.ts); the
 * API layer adds those that only exist at the edge: batch entry ids, queue URLs, missing or mistyped parameters.
 * Names, codes and statuses are the service model's (`awsQueryError` traits of @aws-sdk/client-sqs).
 */

import { coded } from "../../runtime/errors/lambkin-codes.js";
import { isSqsError, type SqsError } from "../../triggers/sqs/interfaces/index.js";
import { AwsError, truncate } from "../aws-protocols/aws-error.js";

export function fromSqsError(error: SqsError): AwsError {
  return new AwsError(error.shape.jsonCode, error.message, {
    queryCode: error.shape.queryCode,
    httpStatus: error.shape.httpStatus,
    senderFault: error.shape.senderFault,
  });
}

/** Store errors become AWS errors; anything else passes through (the plugin answers InternalFailure). */
export function asWireError(error: unknown): unknown {
  return isSqsError(error) ? fromSqsError(error) : error;
}

export const missingParameter = (name: string): AwsError =>
  new AwsError("MissingParameter", `The request must contain the parameter ${name}.`);

export function invalidParameterValue(name: string, value: unknown, reason: string): AwsError {
  const shown =
    typeof value === "string" ? truncate(value) : truncate(JSON.stringify(value) ?? String(value));
  return new AwsError(
    "InvalidParameterValue",
    `Value ${shown} for parameter ${name} is invalid. Reason: ${reason}`,
  );
}

export const invalidAttributeName = (name: string): AwsError =>
  new AwsError("InvalidAttributeName", `Unknown Attribute ${truncate(name)}.`);

/** A QueueUrl that is not `…/<account>/<name>` (the SDK's InvalidAddress, 404). */
export const invalidAddress = (url: string): AwsError =>
  new AwsError("InvalidAddress", `The address ${truncate(url)} is not valid for this endpoint.`, {
    httpStatus: 404,
  });

export const queueDoesNotExist = (): AwsError =>
  new AwsError("QueueDoesNotExist", "The specified queue does not exist.", {
    queryCode: "AWS.SimpleQueueService.NonExistentQueue",
  });

export const emptyBatchRequest = (entryName: string): AwsError =>
  new AwsError("EmptyBatchRequest", `There should be at least one ${entryName} in the request.`, {
    queryCode: "AWS.SimpleQueueService.EmptyBatchRequest",
  });

export const tooManyEntriesInBatchRequest = (count: number, max: number): AwsError =>
  new AwsError(
    "TooManyEntriesInBatchRequest",
    `Maximum number of entries per request are ${max}. You have sent ${count}.`,
    { queryCode: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest" },
  );

export const batchEntryIdsNotDistinct = (id: string): AwsError =>
  new AwsError("BatchEntryIdsNotDistinct", `Id ${truncate(id)} repeated.`, {
    queryCode: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
  });

export const invalidBatchEntryId = (): AwsError =>
  new AwsError(
    "InvalidBatchEntryId",
    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
    { queryCode: "AWS.SimpleQueueService.InvalidBatchEntryId" },
  );

/** The store is not configured on this gateway: the request cannot be served (and had no effect). */
export const noStore = (): AwsError =>
  new AwsError(
    "ServiceUnavailable",
    coded(
      "LKN_ERR_SQS_API_NO_STORE",
      "This Lambkin gateway serves no SQS queues: it was started without an SQS store.",
    ),
    { httpStatus: 503 },
  );
