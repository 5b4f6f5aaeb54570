/**
 * What both SnsStore adapters decide alike: whether a CreateTopic matches the topic that exists, page tokens.
 */
import { invalidParameter } from "../interfaces/sns-errors.js";
import type { Page } from "../interfaces/sns-store.js";
import { LIST_PAGE_SIZE, type SnsSubscription, type SnsTopic } from "../interfaces/topic-model.js";

/**
 * CreateTopic is idempotent: "If a requester already owns a topic with the specified name, that topic's ARN is
 * returned without creating a new topic" — unless the attributes given differ from the topic's
 * (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html).
 */
export function existingOrConflict(existing: SnsTopic, wanted: SnsTopic): SnsTopic {
  for (const [key, value] of Object.entries(wanted.attributes)) {
    const current = existing.attributes[key];
    if (current !== undefined && current !== value) {
      throw invalidParameter("Attributes Reason: Topic already exists with different attributes");
    }
  }
  return existing;
}

/** A page token is the last ARN of the previous page, base64url: opaque to callers, checked when read. */
export function encodeToken(lastArn: string): string {
  return Buffer.from(lastArn, "utf8").toString("base64url");
}

export function decodeToken(token: string | undefined): string {
  if (token === undefined || token === "") return "";
  const arn = token.length <= 2048 ? Buffer.from(token, "base64url").toString("utf8") : "";
  if (!arn.startsWith("arn:")) throw invalidParameter("NextToken");
  return arn;
}

/** One subscription per (topic, protocol, endpoint): Subscribe's idempotence. */
export function subscriptionIdentity(s: Pick<SnsSubscription, "topicArn" | "protocol" | "endpoint">): string {
  return JSON.stringify([s.topicArn, s.protocol, s.endpoint]);
}

/** A page of LIST_PAGE_SIZE from LIST_PAGE_SIZE + 1 rows: the extra one says that a next page exists. */
export function page<T extends { arn: string }>(rows: T[]): Page<T> {
  if (rows.length <= LIST_PAGE_SIZE) return { items: rows };
  const items = rows.slice(0, LIST_PAGE_SIZE);
  return { items, nextToken: encodeToken((items[items.length - 1] as T).arn) };
}
