/**
 * The query protocol's answers (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-responses.html):
 * `<OpResponse xmlns="…"><OpResult>…</OpResult><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></OpResponse>`
 * and, for errors, `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message><Detail/></Error>
 * <RequestId>…</RequestId></ErrorResponse>` with the error's HTTP status, as `text/xml`.
 */
import type { FastifyReply } from "fastify";
import type { AwsError } from "./aws-error.js";
import { element, renderXmlDocument, type XmlChild } from "./xml-writer.js";

export function queryResponseXml(
  action: string,
  namespace: string,
  requestId: string,
  /** The children of `<ActionResult>`; undefined for an operation without output (no Result element at all). */
  result: readonly XmlChild[] | undefined,
): string {
  return renderXmlDocument(
    element(
      `${action}Response`,
      // Operations without output (DeleteQueue, …) answer only the metadata; an empty output is `<ActionResult/>`
      // (botocore looks the wrapper up and fails without it).
      result === undefined ? undefined : element(`${action}Result`, ...result),
      element("ResponseMetadata", element("RequestId", requestId)),
    ),
    namespace,
  );
}

export function queryErrorXml(error: AwsError, namespace: string, requestId: string): string {
  return renderXmlDocument(
    element(
      "ErrorResponse",
      element(
        "Error",
        element("Type", error.faultType),
        element("Code", error.queryCode),
        element("Message", error.message),
        element("Detail"),
      ),
      element("RequestId", requestId),
    ),
    namespace,
  );
}

export function sendQueryResponse(reply: FastifyReply, xml: string): FastifyReply {
  return reply.code(200).header("content-type", "text/xml").send(Buffer.from(xml, "utf8"));
}

export function sendQueryError(
  reply: FastifyReply,
  error: AwsError,
  namespace: string,
  requestId: string,
): FastifyReply {
  return reply
    .code(error.httpStatus)
    .header("content-type", "text/xml")
    .send(Buffer.from(queryErrorXml(error, namespace, requestId), "utf8"));
}
