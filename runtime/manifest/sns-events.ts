/**
 * A function's `sns` events and the `AWS::SNS::Topic` resources of a service, as the Serverless Framework and
 * CloudFormation deploy them:
 * - `- sns: orders` (a topic name: the Framework creates the topic), `- sns: arn:aws:sns:…:orders` (an existing
 *   topic), or `- sns: { arn | topicName, displayName, filterPolicy, filterPolicyScope, redrivePolicy,
 *   kmsMasterKeyId }` (https://www.serverless.com/framework/docs/providers/aws/events/sns): each one subscription
 *   of the function (protocol `lambda`) to the topic;
 * - `AWS::SNS::Topic` with TopicName, FifoTopic, ContentBasedDeduplication, DisplayName and a Subscription list of
 *   `{ Endpoint, Protocol }` (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html);
 * - `AWS::SNS::Subscription` resources (TopicArn, Protocol, Endpoint, FilterPolicy, FilterPolicyScope,
 *   RawMessageDelivery): the usual way serverless.yml subscribes a queue, raw or filtered.
 * Lambkin creates these topics and subscriptions when it starts (triggers/sns/start-sns.ts); what it does not
 * reproduce is warned here with the file and key path.
 */
import type { FunctionDefinition } from "./function-definition.js";
import { LOCAL_ACCOUNT_ID, localArn } from "./local-account.js";
import {
  describeValue,
  formatKeyPath,
  type KeyPath,
  ManifestError,
  type ManifestWarning,
  manifestWarning,
} from "./manifest-error.js";
import type { ServiceResource } from "./service-resources.js";
import { isMapping } from "./variable-resolver.js";

/** A topic to create at start: from an `sns` event or an AWS::SNS::Topic resource. */
export interface SnsTopicDeclaration {
  readonly arn: string;
  readonly name: string;
  /** CreateTopic's attributes (FifoTopic, ContentBasedDeduplication, DisplayName), as strings. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly manifestPath: string;
  readonly keyPath: string;
}

/** A subscription to create at start. */
export interface SnsSubscriptionDeclaration {
  readonly topicArn: string;
  readonly protocol: string;
  readonly endpoint: string;
  /** Subscription attributes: FilterPolicy (JSON text), FilterPolicyScope, RawMessageDelivery. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly manifestPath: string;
  readonly keyPath: string;
}

export interface SnsDeclarations {
  readonly topics: SnsTopicDeclaration[];
  readonly subscriptions: SnsSubscriptionDeclaration[];
  readonly warnings: ManifestWarning[];
}

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):([0-9]{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const FIX =
  "Write e.g. - sns: orders, - sns: arn:aws:sns:us-east-1:000000000000:orders, or - sns: { topicName: orders, filterPolicy: { kind: [order] } }";

const EVENT_KEYS_KEPT = new Set(["arn", "topicName", "displayName", "filterPolicy", "filterPolicyScope"]);
const TOPIC_PROPERTIES_KEPT = new Set([
  "TopicName",
  "FifoTopic",
  "ContentBasedDeduplication",
  "DisplayName",
  "Subscription",
]);

export function snsDeclarations(
  functions: readonly FunctionDefinition[],
  resources: readonly ServiceResource[],
): SnsDeclarations {
  const result: SnsDeclarations = { topics: [], subscriptions: [], warnings: [] };
  for (const resource of resources) {
    if (resource.type === "AWS::SNS::Topic") topicResource(resource, result);
  }
  for (const resource of resources) {
    if (resource.type === "AWS::SNS::Subscription") subscriptionResource(resource, result);
  }
  for (const fn of functions) {
    fn.events.forEach((entry, index) => {
      if (!Object.hasOwn(entry, "sns")) return;
      snsEvent(fn, entry.sns, ["functions", fn.key, "events", index, "sns"], result);
    });
  }
  return result;
}

function topicResource(resource: ServiceResource, result: SnsDeclarations): void {
  const file = resource.manifestPath;
  const path = [...resource.keyPath, "Properties"];
  const p = resource.properties;
  for (const key of Object.keys(p)) {
    if (!TOPIC_PROPERTIES_KEPT.has(key)) {
      result.warnings.push(
        manifestWarning(file, [...path, key], "not reproduced by Lambkin: the topic is created without it"),
      );
    }
  }
  const attributes: Record<string, string> = {};
  for (const key of ["FifoTopic", "ContentBasedDeduplication"] as const) {
    if (p[key] !== undefined) attributes[key] = String(p[key]).toLowerCase();
  }
  if (typeof p.DisplayName === "string") attributes.DisplayName = p.DisplayName;
  const arn = resource.attributes.TopicArn ?? resource.ref;
  result.topics.push({
    arn,
    name: resource.name,
    attributes,
    manifestPath: file,
    keyPath: formatKeyPath(resource.keyPath),
  });
  const subscriptions = p.Subscription;
  if (subscriptions === undefined) return;
  if (!Array.isArray(subscriptions)) {
    throw new ManifestError(
      file,
      [...path, "Subscription"],
      `must be a list of { Endpoint, Protocol }, not ${describeValue(subscriptions)}`,
      "Write e.g. Subscription: [{ Endpoint: !GetAtt Queue.Arn, Protocol: sqs }]",
      "LKN_ERR_MANIFEST_INVALID",
    );
  }
  subscriptions.forEach((subscription, index) => {
    const at = [...path, "Subscription", index];
    if (
      !isMapping(subscription) ||
      typeof subscription.Endpoint !== "string" ||
      typeof subscription.Protocol !== "string"
    ) {
      throw new ManifestError(
        file,
        at,
        `must be { Endpoint, Protocol } with computed strings, not ${describeValue(subscription)}`,
        "Give the endpoint's ARN (e.g. !GetAtt Queue.Arn) and a protocol (sqs, lambda, email)",
        "LKN_ERR_MANIFEST_INVALID",
      );
    }
    result.subscriptions.push({
      topicArn: arn,
      protocol: subscription.Protocol,
      endpoint: subscription.Endpoint,
      attributes: {},
      manifestPath: file,
      keyPath: formatKeyPath(at),
    });
  });
}

const SUBSCRIPTION_PROPERTIES_KEPT = new Set([
  "TopicArn",
  "Protocol",
  "Endpoint",
  "FilterPolicy",
  "FilterPolicyScope",
  "RawMessageDelivery",
]);

/**
 * AWS::SNS::Subscription (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-subscription.html):
 * TopicArn, Protocol, Endpoint, FilterPolicy (an object, or its JSON), FilterPolicyScope, RawMessageDelivery.
 */
function subscriptionResource(resource: ServiceResource, result: SnsDeclarations): void {
  const file = resource.manifestPath;
  const path = [...resource.keyPath, "Properties"];
  const p = resource.properties;
  for (const key of Object.keys(p)) {
    if (!SUBSCRIPTION_PROPERTIES_KEPT.has(key)) {
      result.warnings.push(
        manifestWarning(
          file,
          [...path, key],
          "not reproduced by Lambkin: the subscription is made without it",
        ),
      );
    }
  }
  for (const key of ["TopicArn", "Protocol", "Endpoint"] as const) {
    if (typeof p[key] !== "string") {
      throw new ManifestError(
        file,
        [...path, key],
        `must be a string Lambkin can compute, not ${describeValue(p[key])}`,
        "Write e.g. TopicArn: !Ref Topic, Protocol: sqs, Endpoint: !GetAtt Queue.Arn",
        "LKN_ERR_MANIFEST_INVALID",
      );
    }
  }
  const attributes: Record<string, string> = {};
  if (p.FilterPolicy !== undefined) {
    attributes.FilterPolicy =
      typeof p.FilterPolicy === "string" ? p.FilterPolicy : JSON.stringify(p.FilterPolicy);
  }
  if (typeof p.FilterPolicyScope === "string") attributes.FilterPolicyScope = p.FilterPolicyScope;
  if (p.RawMessageDelivery !== undefined)
    attributes.RawMessageDelivery = String(p.RawMessageDelivery).toLowerCase();
  result.subscriptions.push({
    topicArn: p.TopicArn as string,
    protocol: p.Protocol as string,
    endpoint: p.Endpoint as string,
    attributes,
    manifestPath: file,
    keyPath: formatKeyPath(resource.keyPath),
  });
}

function snsEvent(fn: FunctionDefinition, written: unknown, path: KeyPath, result: SnsDeclarations): void {
  const file = fn.manifestPath;
  const settings: Record<string, unknown> =
    typeof written === "string"
      ? written.startsWith("arn:")
        ? { arn: written }
        : { topicName: written }
      : isMapping(written)
        ? written
        : {};
  if (typeof written !== "string" && !isMapping(written)) {
    throw new ManifestError(
      file,
      path,
      `must be a topic name, a topic ARN or { arn | topicName, filterPolicy }, not ${describeValue(written)}`,
      FIX,
      "LKN_ERR_MANIFEST_EVENT",
    );
  }
  for (const key of Object.keys(settings)) {
    if (!EVENT_KEYS_KEPT.has(key)) {
      result.warnings.push(
        manifestWarning(
          file,
          [...path, key],
          `not reproduced by Lambkin: the subscription is made without it${key === "redrivePolicy" ? " (a delivery that fails is dropped, not sent to a dead-letter queue)" : ""}`,
        ),
      );
    }
  }
  let arn: string;
  let name: string;
  const attributes: Record<string, string> = {};
  if (settings.arn !== undefined) {
    const match = typeof settings.arn === "string" ? TOPIC_ARN.exec(settings.arn) : null;
    if (!match) {
      throw new ManifestError(
        file,
        [...path, "arn"],
        `must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), not ${describeValue(settings.arn)}`,
        FIX,
        "LKN_ERR_MANIFEST_EVENT",
      );
    }
    arn = settings.arn as string;
    name = match[3] as string;
  } else {
    if (typeof settings.topicName !== "string" || !TOPIC_NAME.test(settings.topicName)) {
      throw new ManifestError(
        file,
        [...path, "topicName"],
        `must be a topic name (1–256 letters, digits, - and _), not ${describeValue(settings.topicName)}`,
        FIX,
        "LKN_ERR_MANIFEST_EVENT",
      );
    }
    name = settings.topicName;
    arn = localArn("sns", fn.region, name);
    if (name.endsWith(".fifo")) attributes.FifoTopic = "true";
  }
  if (typeof settings.displayName === "string") attributes.DisplayName = settings.displayName;
  result.topics.push({ arn, name, attributes, manifestPath: file, keyPath: formatKeyPath(path) });
  const subscription: Record<string, string> = {};
  if (settings.filterPolicy !== undefined) {
    if (!isMapping(settings.filterPolicy)) {
      throw new ManifestError(
        file,
        [...path, "filterPolicy"],
        `must be a filter policy object, not ${describeValue(settings.filterPolicy)}`,
        "Write e.g. filterPolicy: { kind: [order], amount: [{ numeric: ['>', 100] }] }",
        "LKN_ERR_MANIFEST_EVENT",
      );
    }
    subscription.FilterPolicy = JSON.stringify(settings.filterPolicy);
  }
  if (settings.filterPolicyScope !== undefined) {
    if (settings.filterPolicyScope !== "MessageAttributes" && settings.filterPolicyScope !== "MessageBody") {
      throw new ManifestError(
        file,
        [...path, "filterPolicyScope"],
        `must be MessageAttributes or MessageBody, not ${describeValue(settings.filterPolicyScope)}`,
        "Write filterPolicyScope: MessageBody to filter on the message's JSON",
        "LKN_ERR_MANIFEST_EVENT",
      );
    }
    subscription.FilterPolicyScope = settings.filterPolicyScope;
  }
  result.subscriptions.push({
    topicArn: arn,
    protocol: "lambda",
    endpoint: `arn:aws:lambda:${fn.region}:${LOCAL_ACCOUNT_ID}:function:${fn.name}`,
    attributes: subscription,
    manifestPath: file,
    keyPath: formatKeyPath(path),
  });
}
