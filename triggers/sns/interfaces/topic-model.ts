/**
 * SNS topics and subscriptions as Lambkin keeps them, with AWS's names and rules
 * (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html,
 * https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html,
 * https://docs.aws.amazon.com/sns/latest/api/API_SetSubscriptionAttributes.html).
 */

export interface SnsTopic {
  readonly name: string;
  readonly arn: string;
  readonly fifo: boolean;
  /** The attributes given at creation (DisplayName, FifoTopic, ContentBasedDeduplication, …), as strings. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly createdMs: number;
}

/** The protocols Subscribe accepts; `lambda` and `sqs` are delivered, the email ones are kept (see docs). */
export const SUBSCRIPTION_PROTOCOLS = ["lambda", "sqs", "email", "email-json"] as const;
export type SubscriptionProtocol = (typeof SUBSCRIPTION_PROTOCOLS)[number];

/** Subscription attributes Subscribe / SetSubscriptionAttributes accept and Lambkin acts on. */
export const SUBSCRIPTION_ATTRIBUTES = [
  "RawMessageDelivery",
  "FilterPolicy",
  "FilterPolicyScope",
  "RedrivePolicy",
  "DeliveryPolicy",
  "SubscriptionRoleArn",
] as const;

export interface SnsSubscription {
  readonly arn: string;
  readonly topicArn: string;
  readonly protocol: SubscriptionProtocol;
  /** A function ARN, a queue ARN or an email address. */
  readonly endpoint: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** email / email-json: waits for a confirmation Lambkin's mail service will ask for (PendingConfirmation). */
  readonly pendingConfirmation: boolean;
  readonly createdMs: number;
}

/**
 * Topic names: "up to 256 characters. Topic names must be made up of only uppercase and lowercase ASCII letters,
 * numbers, underscores, and hyphens, and must be between 1 and 256 characters long"; a FIFO topic's name ends in
 * `.fifo`.
 */
export const TOPIC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;
export const FIFO_TOPIC_NAME_PATTERN = /^[A-Za-z0-9_-]{1,251}\.fifo$/;

/** Topics per account (a soft quota: https://docs.aws.amazon.com/general/latest/gr/sns.html). */
export const MAX_TOPICS = 100_000;
/** Subscriptions per topic (12.5 million on AWS; bounded lower here so that a fan-out stays bounded in memory). */
export const MAX_SUBSCRIPTIONS_PER_TOPIC = 10_000;
/** ListTopics / ListSubscriptions(ByTopic) pages: "up to 100". */
export const LIST_PAGE_SIZE = 100;

export function topicArn(region: string, account: string, name: string): string {
  return `arn:aws:sns:${region}:${account}:${name}`;
}

/** The parts of a topic ARN (`arn:aws:sns:<region>:<account>:<name>`), or undefined when it is not one. */
export function parseTopicArn(arn: string): { region: string; account: string; name: string } | undefined {
  if (arn.length > 1024) return undefined;
  const match = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):([0-9]{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$/.exec(arn);
  if (!match) return undefined;
  return { region: match[1] as string, account: match[2] as string, name: match[3] as string };
}

/** A subscription ARN is its topic's ARN and a UUID: `arn:aws:sns:<region>:<account>:<topic>:<uuid>`. */
export function topicArnOfSubscription(arn: string): string | undefined {
  if (arn.length > 1100) return undefined;
  const match = /^(arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}):[0-9a-f-]{36}$/.exec(arn);
  return match?.[1];
}
