/**
 * Where the Redis sync channel lives, under the cluster's key prefix (LAMBKIN_REDIS_PREFIX, default `lambkin`):
 * one list of waiting requests that every worker pops from, and one Pub/Sub channel per gateway for its replies.
 */
export const DEFAULT_REDIS_PREFIX = "lambkin";

export interface SyncChannelKeys {
  /** The list gateways push requests onto (LPUSH) and workers pop from (BRPOP): first in, first out. */
  readonly requests: string;
  /** What every gateway's reply channel starts with. */
  readonly replyPrefix: string;
}

export function syncChannelKeys(prefix = DEFAULT_REDIS_PREFIX): SyncChannelKeys {
  return { requests: `${prefix}:sync:requests`, replyPrefix: `${prefix}:sync:replies:` };
}
