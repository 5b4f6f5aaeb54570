/**
 * What SNS delivers, in the shapes it delivers them:
 * - to a function, the event of https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html — one record,
 *   `{"Records":[{"EventVersion":"1.0","EventSubscriptionArn","EventSource":"aws:sns","Sns":{…}}]}`, with
 *   `SigningCertUrl` / `UnsubscribeUrl` spelled so, `Subject` null when there is none, attributes `{Type, Value}`;
 * - to an SQS queue, the JSON envelope of https://docs.aws.amazon.com/sns/latest/dg/sns-sqs-as-subscriber.html
 *   (`SigningCertURL`, `UnsubscribeURL`, no `Subject` when there is none, `MessageAttributes` only when there are
 *   some), or with RawMessageDelivery the message itself with its attributes as SQS message attributes
 *   (https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html).
 *
 * Lambkin does not sign: `Signature` is random base64 and the certificate URL names Lambkin's endpoint, where
 * no certificate is served — code that verifies SNS signatures must be told it runs locally.
 */
import { randomBytes } from "node:crypto";
import type { MessageAttributes } from "../sqs/interfaces/message-model.js";
import { attributeText, type SnsMessageAttributes } from "./sns-message.js";

export interface Notification {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly message: string;
  readonly subject?: string;
  readonly attributes: SnsMessageAttributes;
  /** ISO 8601 with milliseconds, as SNS writes Timestamp. */
  readonly timestamp: string;
  /** FIFO topics only. */
  readonly sequenceNumber?: string;
  /** Lambkin's SNS endpoint (the gateway's URL), for the unsubscribe and certificate URLs. */
  readonly endpointUrl: string;
}

function signature(): string {
  return randomBytes(256).toString("base64");
}

function certificateUrl(endpointUrl: string): string {
  return `${endpointUrl.replace(/\/$/, "")}/SimpleNotificationService-lambkin.pem`;
}

function unsubscribeUrl(n: Notification): string {
  return `${n.endpointUrl.replace(/\/$/, "")}/?Action=Unsubscribe&SubscriptionArn=${n.subscriptionArn}`;
}

function typedAttributes(attributes: SnsMessageAttributes): Record<string, { Type: string; Value: string }> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      { Type: value.DataType, Value: attributeText(value) },
    ]),
  );
}

/** The event a subscribed function is invoked with (asynchronously). */
export function lambdaEvent(n: Notification): unknown {
  return {
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: n.subscriptionArn,
        Sns: {
          Type: "Notification",
          MessageId: n.messageId,
          TopicArn: n.topicArn,
          Subject: n.subject ?? null,
          Message: n.message,
          Timestamp: n.timestamp,
          SignatureVersion: "1",
          Signature: signature(),
          SigningCertUrl: certificateUrl(n.endpointUrl),
          UnsubscribeUrl: unsubscribeUrl(n),
          MessageAttributes: typedAttributes(n.attributes),
        },
      },
    ],
  };
}

/** The body an SQS subscription without raw delivery receives. */
export function sqsEnvelope(n: Notification): string {
  const attributes =
    Object.keys(n.attributes).length > 0 ? { MessageAttributes: typedAttributes(n.attributes) } : {};
  const envelope: Record<string, unknown> = {
    Type: "Notification",
    MessageId: n.messageId,
    ...(n.sequenceNumber === undefined ? {} : { SequenceNumber: n.sequenceNumber }),
    TopicArn: n.topicArn,
    ...(n.subject === undefined ? {} : { Subject: n.subject }),
    Message: n.message,
    Timestamp: n.timestamp,
    SignatureVersion: "1",
    Signature: signature(),
    SigningCertURL: certificateUrl(n.endpointUrl),
    UnsubscribeURL: unsubscribeUrl(n),
    ...attributes,
  };
  // SNS writes the envelope one key a line, `"Key" : value`.
  const lines = Object.entries(envelope).map(
    ([key, value]) => `  ${JSON.stringify(key)} : ${JSON.stringify(value)}`,
  );
  return `{\n${lines.join(",\n")}\n}`;
}

/** Raw delivery: the message attributes as SQS message attributes (same names, types and values). */
export function rawSqsAttributes(attributes: SnsMessageAttributes): MessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      value.BinaryValue
        ? { DataType: value.DataType, BinaryValue: value.BinaryValue }
        : { DataType: value.DataType, StringValue: value.StringValue ?? "" },
    ]),
  );
}
