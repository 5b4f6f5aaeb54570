/**
 * The SNS API's actions in the query protocol (@aws-sdk/client-sns and the aws CLI both speak it: form
 * parameters in, `<ActionResponse>` XML out): each reads its parameters as the service model names them
 * (https://docs.aws.amazon.com/sns/latest/api/API_Operations.html — maps as `Attributes.entry.N.key/value`,
 * `MessageAttributes.entry.N.Name/Value.*`, lists as `member.N`), calls the SnsService and writes the result's
 * members. SnsErrors become AwsErrors with SNS's codes and statuses.
 */

import { invalidParameter, isSnsError, SnsError } from "../../triggers/sns/interfaces/sns-errors.js";
import type { SnsSubscription } from "../../triggers/sns/interfaces/topic-model.js";
import {
  MAX_BATCH_ENTRIES,
  MAX_MESSAGE_ATTRIBUTES,
  type PublishInput,
  type SnsAttributeValue,
} from "../../triggers/sns/sns-message.js";
import type { SnsService } from "../../triggers/sns/sns-service.js";
import { AwsError } from "../aws-protocols/aws-error.js";
import type { QueryParameters } from "../aws-protocols/query-form.js";
import { flatMapEntries, flatStringMap, structList } from "../aws-protocols/query-structures.js";
import { element, type XmlChild } from "../aws-protocols/xml-writer.js";

export const SNS_NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/";

type Action = (service: SnsService, parameters: QueryParameters) => Promise<XmlChild[]>;

/** Attributes maps (topics, subscriptions): bounded, a few dozen keys at most exist. */
const MAX_ATTRIBUTE_ENTRIES = 32;

const ACTIONS: Readonly<Record<string, Action>> = {
  async CreateTopic(service, p) {
    const topic = await service.createTopic(required(p, "Name"), attributesOf(p));
    return [element("TopicArn", topic.arn)];
  },
  async DeleteTopic(service, p) {
    await service.deleteTopic(required(p, "TopicArn"));
    return [];
  },
  async GetTopicAttributes(service, p) {
    const topic = await service.topic(required(p, "TopicArn"));
    const subscriptions = await service.listSubscriptionsByTopic(topic.arn);
    const attributes: Record<string, string> = {
      TopicArn: topic.arn,
      Owner: service.account,
      DisplayName: "",
      SubscriptionsConfirmed: String(subscriptions.items.filter((s) => !s.pendingConfirmation).length),
      SubscriptionsPending: String(subscriptions.items.filter((s) => s.pendingConfirmation).length),
      SubscriptionsDeleted: "0",
      ...topic.attributes,
    };
    return [attributeMap(attributes)];
  },
  async ListTopics(service, p) {
    const page = await service.listTopics(p.get("NextToken"));
    return [
      element("Topics", ...page.items.map((topic) => element("member", element("TopicArn", topic.arn)))),
      page.nextToken === undefined ? undefined : element("NextToken", page.nextToken),
    ];
  },
  async Subscribe(service, p) {
    const subscription = await service.subscribe(
      required(p, "TopicArn"),
      required(p, "Protocol"),
      p.get("Endpoint"),
      attributesOf(p),
    );
    // "If you set ReturnSubscriptionArn to true, the response includes the ARN in all cases, even if the
    // subscription is not yet confirmed"; otherwise an unconfirmed one answers "pending confirmation".
    const returnArn = p.get("ReturnSubscriptionArn")?.toLowerCase() === "true";
    return [
      element(
        "SubscriptionArn",
        subscription.pendingConfirmation && !returnArn ? "pending confirmation" : subscription.arn,
      ),
    ];
  },
  async Unsubscribe(service, p) {
    await service.unsubscribe(required(p, "SubscriptionArn"));
    return [];
  },
  async GetSubscriptionAttributes(service, p) {
    const s = await service.subscription(required(p, "SubscriptionArn"));
    return [
      attributeMap({
        SubscriptionArn: s.arn,
        TopicArn: s.topicArn,
        Protocol: s.protocol,
        Endpoint: s.endpoint,
        Owner: service.account,
        PendingConfirmation: String(s.pendingConfirmation),
        ConfirmationWasAuthenticated: String(!s.pendingConfirmation),
        RawMessageDelivery: "false",
        ...s.attributes,
      }),
    ];
  },
  async SetSubscriptionAttributes(service, p) {
    const arn = required(p, "SubscriptionArn");
    const name = required(p, "AttributeName");
    const current = await service.subscription(arn);
    const value = p.get("AttributeValue") ?? "";
    const attributes: Record<string, string> = { ...current.attributes, [name]: value };
    if (value === "") delete attributes[name];
    await service.setSubscriptionAttributes(arn, attributes);
    return [];
  },
  async ListSubscriptions(service, p) {
    const page = await service.listSubscriptions(p.get("NextToken"));
    return subscriptionsPage(service, page.items, page.nextToken);
  },
  async ListSubscriptionsByTopic(service, p) {
    const page = await service.listSubscriptionsByTopic(required(p, "TopicArn"), p.get("NextToken"));
    return subscriptionsPage(service, page.items, page.nextToken);
  },
  async Publish(service, p) {
    if (p.has("PhoneNumber")) throw invalidParameter("PhoneNumber Reason: Lambkin does not send SMS");
    const topicArn = p.get("TopicArn") ?? p.get("TargetArn");
    if (topicArn === undefined || topicArn === "") {
      throw invalidParameter("TopicArn or TargetArn Reason: no value for required parameter");
    }
    const result = await service.publish(topicArn, publishInput(p));
    return [
      element("MessageId", result.messageId),
      result.sequenceNumber === undefined ? undefined : element("SequenceNumber", result.sequenceNumber),
    ];
  },
  async PublishBatch(service, p) {
    const topicArn = required(p, "TopicArn");
    const entries = structList(p, "PublishBatchRequestEntries.member", MAX_BATCH_ENTRIES) ?? [];
    const result = await service.publishBatch(
      topicArn,
      entries.map((entry) => ({ id: entry.get("Id") ?? "", ...publishInput(entry) })),
    );
    return [
      element(
        "Successful",
        ...result.successful.map((s) =>
          element(
            "member",
            element("Id", s.id),
            element("MessageId", s.messageId),
            s.sequenceNumber === undefined ? undefined : element("SequenceNumber", s.sequenceNumber),
          ),
        ),
      ),
      element(
        "Failed",
        ...result.failed.map((f) =>
          element(
            "member",
            element("Id", f.id),
            element("Code", f.error.shape.code),
            element("Message", f.error.message),
            element("SenderFault", String(f.error.shape.senderFault)),
          ),
        ),
      ),
    ];
  },
};

export const SNS_ACTIONS: ReadonlySet<string> = new Set(Object.keys(ACTIONS));

export async function handleSnsAction(
  service: SnsService,
  action: string,
  parameters: QueryParameters,
): Promise<XmlChild[]> {
  const run = ACTIONS[action] as Action;
  try {
    return await run(service, parameters);
  } catch (error) {
    if (isSnsError(error)) throw asAwsError(error);
    throw error;
  }
}

export function asAwsError(error: SnsError): AwsError {
  return new AwsError(error.shape.code, error.message, {
    httpStatus: error.shape.httpStatus,
    senderFault: error.shape.senderFault,
  });
}

function required(p: QueryParameters, name: string): string {
  const value = p.get(name);
  if (value === undefined || value === "") {
    throw new SnsError(
      "InvalidParameter",
      `Invalid parameter: ${name} Reason: no value for required parameter`,
    );
  }
  return value;
}

function attributesOf(p: QueryParameters): Record<string, string> {
  const map = flatStringMap(p, "Attributes.entry", MAX_ATTRIBUTE_ENTRIES, "key", "value") ?? {};
  if (Object.keys(map).length > MAX_ATTRIBUTE_ENTRIES)
    throw invalidParameter("Attributes Reason: too many attributes");
  return map;
}

function publishInput(p: QueryParameters): PublishInput {
  const message = p.get("Message");
  if (message === undefined) {
    throw new SnsError(
      "InvalidParameter",
      "Invalid parameter: Message Reason: no value for required parameter",
    );
  }
  const optional = (name: string) => p.get(name);
  const subject = optional("Subject");
  const structure = optional("MessageStructure");
  const group = optional("MessageGroupId");
  const dedup = optional("MessageDeduplicationId");
  const attributes = messageAttributesOf(p);
  return {
    message,
    ...(subject === undefined ? {} : { subject }),
    ...(structure === undefined ? {} : { messageStructure: structure }),
    ...(attributes === undefined ? {} : { messageAttributes: attributes }),
    ...(group === undefined ? {} : { messageGroupId: group }),
    ...(dedup === undefined ? {} : { messageDeduplicationId: dedup }),
  };
}

/** `MessageAttributes.entry.N.Name` with `.Value.DataType` / `.Value.StringValue` / `.Value.BinaryValue` (base64). */
function messageAttributesOf(p: QueryParameters): Record<string, SnsAttributeValue> | undefined {
  // One more than allowed is read, so that too many is refused rather than cut.
  const entries = flatMapEntries(p, "MessageAttributes.entry", MAX_MESSAGE_ATTRIBUTES, "Name", "Value");
  if (!entries) return undefined;
  const attributes: Record<string, SnsAttributeValue> = {};
  for (const entry of entries) {
    const binary = entry.value.get("BinaryValue");
    const text = entry.value.get("StringValue");
    attributes[entry.key] = {
      DataType: entry.value.get("DataType") ?? "",
      ...(text === undefined ? {} : { StringValue: text }),
      ...(binary === undefined ? {} : { BinaryValue: Buffer.from(binary, "base64") }),
    };
  }
  if (entries.length > MAX_MESSAGE_ATTRIBUTES) {
    // Counted beyond what was read: the whole request names how many it sent.
    let count = entries.length;
    while (p.has(`MessageAttributes.entry.${count + 1}.Name`) && count < 1000) count++;
    throw new SnsError(
      "InvalidParameterValue",
      `Number of message attributes [${count}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    );
  }
  return attributes;
}

function attributeMap(attributes: Readonly<Record<string, string>>): XmlChild {
  return element(
    "Attributes",
    ...Object.entries(attributes).map(([key, value]) =>
      element("entry", element("key", key), element("value", value)),
    ),
  );
}

function subscriptionsPage(
  service: SnsService,
  items: readonly SnsSubscription[],
  nextToken?: string,
): XmlChild[] {
  return [
    element(
      "Subscriptions",
      ...items.map((s) =>
        element(
          "member",
          element("SubscriptionArn", s.pendingConfirmation ? "PendingConfirmation" : s.arn),
          element("Owner", service.account),
          element("Protocol", s.protocol),
          element("Endpoint", s.endpoint),
          element("TopicArn", s.topicArn),
        ),
      ),
    ),
    nextToken === undefined ? undefined : element("NextToken", nextToken),
  ];
}
