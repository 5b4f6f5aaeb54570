/**
 * The request size the SQS API reads. A message is at most 1 MiB and a batch's messages 1 MiB together
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html); on the wire a
 * body grows by its encoding — JSON escapes, base64 binary attributes, the query protocol's percent-encoding (up
 * to 3 bytes per byte) — so a request may be that much larger before the store measures the messages themselves.
 */
export const SQS_MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;
