/**
 * Checks of what CreateTopic and Subscribe are given, with SNS's rules and wording
 * (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html,
 * https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html,
 * https://docs.aws.amazon.com/sns/latest/api/API_SetSubscriptionAttributes.html,
 * https://docs.aws.amazon.com/sns/latest/dg/fifo-message-dedup.html). Pure: the service stores what passes.
 */
import { randomUUID } from "node:crypto";
import { compileFilterPolicy, type FilterPolicyScope } from "./filter-policy.js";
import { invalidParameter } from "./interfaces/sns-errors.js";
import {
  FIFO_TOPIC_NAME_PATTERN,
  type SnsSubscription,
  type SnsTopic,
  SUBSCRIPTION_ATTRIBUTES,
  SUBSCRIPTION_PROTOCOLS,
  type SubscriptionProtocol,
  TOPIC_NAME_PATTERN,
  topicArn,
} from "./interfaces/topic-model.js";

/** Topic attributes CreateTopic accepts; FifoTopic and ContentBasedDeduplication are acted on, the rest kept. */
export const TOPIC_ATTRIBUTES = [
  "DisplayName",
  "FifoTopic",
  "ContentBasedDeduplication",
  "Policy",
  "DeliveryPolicy",
  "KmsMasterKeyId",
  "SignatureVersion",
  "TracingConfig",
  "ArchivePolicy",
  "FifoThroughputScope",
] as const;

const BOOLEAN = /^(true|false)$/i;

export function newTopic(
  name: string,
  attributes: Readonly<Record<string, string>>,
  region: string,
  account: string,
): SnsTopic {
  for (const key of Object.keys(attributes)) {
    if (!(TOPIC_ATTRIBUTES as readonly string[]).includes(key)) {
      throw invalidParameter(`Attributes Reason: Unknown attribute ${key.slice(0, 256)}`);
    }
  }
  for (const key of ["FifoTopic", "ContentBasedDeduplication"] as const) {
    const value = attributes[key];
    if (value !== undefined && !BOOLEAN.test(value)) throw invalidParameter(`Attributes Reason: ${key}`);
  }
  const fifo = attributes.FifoTopic?.toLowerCase() === "true";
  if (fifo ? !FIFO_TOPIC_NAME_PATTERN.test(name) : !TOPIC_NAME_PATTERN.test(name)) {
    throw invalidParameter(
      fifo || name.endsWith(".fifo")
        ? "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long."
        : "Topic Name",
    );
  }
  if (!fifo && attributes.ContentBasedDeduplication?.toLowerCase() === "true") {
    throw invalidParameter("Attributes Reason: Content based deduplication can only be set for FIFO topics");
  }
  const normalized: Record<string, string> = { ...attributes };
  if (attributes.FifoTopic !== undefined) normalized.FifoTopic = String(fifo);
  if (attributes.ContentBasedDeduplication !== undefined) {
    normalized.ContentBasedDeduplication = attributes.ContentBasedDeduplication.toLowerCase();
  }
  return { name, arn: topicArn(region, account, name), fifo, attributes: normalized, createdMs: Date.now() };
}

export function contentBasedDeduplication(topic: SnsTopic): boolean {
  return topic.attributes.ContentBasedDeduplication === "true";
}

const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,140}(:\$LATEST)?$/;
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export interface SubscribeInput {
  readonly topic: SnsTopic;
  readonly protocol: string;
  readonly endpoint: string | undefined;
  readonly attributes: Readonly<Record<string, string>>;
}

export function newSubscription(input: SubscribeInput): SnsSubscription {
  const { topic, endpoint } = input;
  const protocol = input.protocol.toLowerCase();
  if (!(SUBSCRIPTION_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw invalidParameter(
      `Invalid protocol type: ${input.protocol.slice(0, 64)} (Lambkin delivers to lambda and sqs, and keeps email and email-json)`,
    );
  }
  if (endpoint === undefined || endpoint === "") throw invalidParameter("Endpoint");
  const pattern = protocol === "lambda" ? FUNCTION_ARN : protocol === "sqs" ? QUEUE_ARN : EMAIL;
  if (endpoint.length > 2048 || !pattern.test(endpoint)) {
    throw invalidParameter(
      protocol === "lambda"
        ? "Lambda endpoint ARN"
        : protocol === "sqs"
          ? "SQS endpoint ARN"
          : "Email address",
    );
  }
  // "SNS FIFO topics can deliver messages to Amazon SQS FIFO queues and standard queues" (and nothing else):
  // https://docs.aws.amazon.com/sns/latest/dg/sns-fifo-topics.html
  if (topic.fifo && protocol !== "sqs") {
    throw invalidParameter(`Invalid protocol type: ${protocol} is not supported by FIFO topics`);
  }
  const attributes = checkSubscriptionAttributes(protocol as SubscriptionProtocol, input.attributes);
  return {
    arn: `${topic.arn}:${randomUUID()}`,
    topicArn: topic.arn,
    protocol: protocol as SubscriptionProtocol,
    endpoint,
    attributes,
    pendingConfirmation: protocol === "email" || protocol === "email-json",
    createdMs: Date.now(),
  };
}

/** Subscription attributes, checked: a bad filter policy is refused when the subscription is made, as SNS does. */
export function checkSubscriptionAttributes(
  protocol: SubscriptionProtocol,
  attributes: Readonly<Record<string, string>>,
): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (!(SUBSCRIPTION_ATTRIBUTES as readonly string[]).includes(key)) {
      throw invalidParameter(`Attributes Reason: Unknown attribute ${key.slice(0, 256)}`);
    }
    checked[key] = value;
  }
  if (checked.RawMessageDelivery !== undefined) {
    if (!BOOLEAN.test(checked.RawMessageDelivery))
      throw invalidParameter("Attributes Reason: RawMessageDelivery");
    checked.RawMessageDelivery = checked.RawMessageDelivery.toLowerCase();
    if (protocol !== "sqs" && checked.RawMessageDelivery === "true") {
      throw invalidParameter(
        `Attributes Reason: Delivery protocol [${protocol}] does not support raw message delivery.`,
      );
    }
  }
  const scope = checked.FilterPolicyScope ?? "MessageAttributes";
  if (scope !== "MessageAttributes" && scope !== "MessageBody") {
    throw invalidParameter(
      "Attributes Reason: FilterPolicyScope: Invalid value [" +
        scope.slice(0, 64) +
        "]. Please use either MessageBody or MessageAttributes",
    );
  }
  if (checked.FilterPolicy !== undefined && checked.FilterPolicy !== "") {
    compileFilterPolicy(checked.FilterPolicy, scope as FilterPolicyScope);
  }
  return checked;
}
