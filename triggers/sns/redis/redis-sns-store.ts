/**
 * The SnsStore port on Redis (REDIS_URL: the cluster's, keys under `<LAMBKIN_REDIS_PREFIX>:sns`), so that every
 * Lambkin process sharing the Redis sees the same topics and subscriptions. Each change that touches more than
 * one key is one Lua script (atomic). Key layout, under `<prefix>:sns`:
 *
 *   topics            hash  topic ARN → topic JSON
 *   topic-index       zset  topic ARNs (score 0, listed by ZRANGEBYLEX)
 *   subs              hash  subscription ARN → subscription JSON
 *   sub-ids           hash  JSON [topic, protocol, endpoint] → subscription ARN (Subscribe's idempotence)
 *   sub-identities    hash  subscription ARN → its sub-ids field
 *   sub-index         zset  subscription ARNs
 *   topic-subs:<arn>  zset  the topic's subscription ARNs
 *   seq:<arn>         string  the FIFO topic's last sequence number
 *   dedup:<arn>:<key> string  `<messageId> <sequence>`, expiring after 5 minutes
 *
 * While Redis cannot be reached, calls fail at once with InternalError (LKN_ERR_SNS_STORE_UNAVAILABLE): the
 * request had no effect, and the client reconnects by itself.
 */
import { Redis } from "ioredis";
import { decodeToken, existingOrConflict, page, subscriptionIdentity } from "../core/store-rules.js";
import { isSnsError, SnsError, snsStoreUnavailable, topicNotFound } from "../interfaces/sns-errors.js";
import { FIFO_DEDUPLICATION_MS, type FifoClaim, type Page, type SnsStore } from "../interfaces/sns-store.js";
import {
  LIST_PAGE_SIZE,
  MAX_SUBSCRIPTIONS_PER_TOPIC,
  type SnsSubscription,
  type SnsTopic,
} from "../interfaces/topic-model.js";

const SUBSCRIBE = `
local base, topic, identity, arn, json, max = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if redis.call('HEXISTS', base .. ':topics', topic) == 0 then return {'missing'} end
local existing = redis.call('HGET', base .. ':sub-ids', identity)
if existing then return {'existing', redis.call('HGET', base .. ':subs', existing)} end
if redis.call('ZCARD', base .. ':topic-subs:' .. topic) >= max then return {'limit'} end
redis.call('HSET', base .. ':subs', arn, json)
redis.call('HSET', base .. ':sub-ids', identity, arn)
redis.call('HSET', base .. ':sub-identities', arn, identity)
redis.call('ZADD', base .. ':sub-index', 0, arn)
redis.call('ZADD', base .. ':topic-subs:' .. topic, 0, arn)
return {'created'}
`;

const UNSUBSCRIBE = `
local base, arn, topic = KEYS[1], ARGV[1], ARGV[2]
local identity = redis.call('HGET', base .. ':sub-identities', arn)
redis.call('HDEL', base .. ':subs', arn)
redis.call('HDEL', base .. ':sub-identities', arn)
if identity then redis.call('HDEL', base .. ':sub-ids', identity) end
redis.call('ZREM', base .. ':sub-index', arn)
redis.call('ZREM', base .. ':topic-subs:' .. topic, arn)
return 1
`;

const SET_SUBSCRIPTION = `
local base, arn, json = KEYS[1], ARGV[1], ARGV[2]
if redis.call('HEXISTS', base .. ':subs', arn) == 0 then return 0 end
redis.call('HSET', base .. ':subs', arn, json)
return 1
`;

const DELETE_TOPIC = `
local base, topic = KEYS[1], ARGV[1]
local subs = redis.call('ZRANGE', base .. ':topic-subs:' .. topic, 0, -1)
for _, arn in ipairs(subs) do
  local identity = redis.call('HGET', base .. ':sub-identities', arn)
  redis.call('HDEL', base .. ':subs', arn)
  redis.call('HDEL', base .. ':sub-identities', arn)
  redis.call('ZREM', base .. ':sub-index', arn)
  if identity then redis.call('HDEL', base .. ':sub-ids', identity) end
end
redis.call('DEL', base .. ':topic-subs:' .. topic, base .. ':seq:' .. topic)
redis.call('HDEL', base .. ':topics', topic)
redis.call('ZREM', base .. ':topic-index', topic)
return 1
`;

const CLAIM_FIFO = `
local base, topic, key, id, ttl = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HEXISTS', base .. ':topics', topic) == 0 then return {'missing'} end
local dedup = base .. ':dedup:' .. topic .. ':' .. key
local seen = redis.call('GET', dedup)
if seen then return {'duplicate', seen} end
local seq = redis.call('INCR', base .. ':seq:' .. topic)
local value = id .. ' ' .. string.format('%020d', seq)
redis.call('SET', dedup, value, 'PX', ttl)
return {'fresh', value}
`;

export interface RedisSnsStoreOptions {
  readonly redisUrl: string;
  /** LAMBKIN_REDIS_PREFIX (default `lambkin`). */
  readonly prefix?: string;
  readonly commandTimeoutMs?: number;
}

type Reply = string[];

export class RedisSnsStore implements SnsStore {
  readonly backend = "redis";
  private readonly redis: Redis;
  private readonly base: string;

  static async connect(options: RedisSnsStoreOptions): Promise<RedisSnsStore> {
    const store = new RedisSnsStore(options);
    try {
      await store.redis.connect();
    } catch (error) {
      store.redis.disconnect();
      throw snsStoreUnavailable(`cannot reach Redis for the SNS store: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return store;
  }

  private constructor(options: RedisSnsStoreOptions) {
    this.base = `${options.prefix ?? "lambkin"}:sns`;
    const timeoutMs = options.commandTimeoutMs ?? 5000;
    this.redis = new Redis(options.redisUrl, {
      lazyConnect: true,
      // Refuse at once while disconnected rather than queue: the SNS caller gets InternalError and may retry.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
    });
    this.redis.on("error", () => {}); // failures surface as failed commands
  }

  async createTopic(topic: SnsTopic): Promise<SnsTopic> {
    return this.guard(async () => {
      const created = await this.redis.hsetnx(`${this.base}:topics`, topic.arn, JSON.stringify(topic));
      if (created === 1) {
        await this.redis.zadd(`${this.base}:topic-index`, 0, topic.arn);
        return topic;
      }
      const existing = await this.getTopic(topic.arn);
      // Deleted between the two calls: the create wins on the next try.
      if (!existing) return this.createTopic(topic);
      await this.redis.zadd(`${this.base}:topic-index`, 0, topic.arn);
      return existingOrConflict(existing, topic);
    });
  }

  async getTopic(arn: string): Promise<SnsTopic | undefined> {
    return this.guard(async () => {
      const json = await this.redis.hget(`${this.base}:topics`, arn);
      return json === null ? undefined : (JSON.parse(json) as SnsTopic);
    });
  }

  async listTopics(nextToken?: string): Promise<Page<SnsTopic>> {
    return this.guard(async () => {
      const arns = await this.pageOfIndex(`${this.base}:topic-index`, nextToken);
      const jsons = arns.length ? await this.redis.hmget(`${this.base}:topics`, ...arns) : [];
      return page(jsons.filter((json): json is string => json !== null).map((json) => JSON.parse(json)));
    });
  }

  async deleteTopic(arn: string): Promise<void> {
    await this.guard(() => this.redis.eval(DELETE_TOPIC, 1, this.base, arn));
  }

  async subscribe(subscription: SnsSubscription): Promise<SnsSubscription> {
    return this.guard(async () => {
      const [outcome, json] = (await this.redis.eval(
        SUBSCRIBE,
        1,
        this.base,
        subscription.topicArn,
        subscriptionIdentity(subscription),
        subscription.arn,
        JSON.stringify(subscription),
        String(MAX_SUBSCRIPTIONS_PER_TOPIC),
      )) as Reply;
      if (outcome === "missing") throw topicNotFound();
      if (outcome === "limit") {
        throw new SnsError("SubscriptionLimitExceeded", "Subscription limit exceeded for this topic");
      }
      return outcome === "existing" && json ? (JSON.parse(json) as SnsSubscription) : subscription;
    });
  }

  async getSubscription(arn: string): Promise<SnsSubscription | undefined> {
    return this.guard(async () => {
      const json = await this.redis.hget(`${this.base}:subs`, arn);
      return json === null ? undefined : (JSON.parse(json) as SnsSubscription);
    });
  }

  async setSubscriptionAttributes(arn: string, attributes: Readonly<Record<string, string>>): Promise<void> {
    return this.guard(async () => {
      const current = await this.getSubscription(arn);
      if (!current) throw new SnsError("NotFound", "Subscription does not exist");
      const json = JSON.stringify({ ...current, attributes });
      const updated = await this.redis.eval(SET_SUBSCRIPTION, 1, this.base, arn, json);
      if (updated !== 1) throw new SnsError("NotFound", "Subscription does not exist");
    });
  }

  async unsubscribe(arn: string): Promise<void> {
    return this.guard(async () => {
      const current = await this.getSubscription(arn);
      if (!current) return;
      await this.redis.eval(UNSUBSCRIBE, 1, this.base, arn, current.topicArn);
    });
  }

  async listSubscriptions(nextToken?: string): Promise<Page<SnsSubscription>> {
    return this.guard(async () =>
      page(await this.subscriptionsAt(await this.pageOfIndex(`${this.base}:sub-index`, nextToken))),
    );
  }

  async listSubscriptionsByTopic(topicArn: string, nextToken?: string): Promise<Page<SnsSubscription>> {
    return this.guard(async () => {
      if (!(await this.getTopic(topicArn))) throw topicNotFound();
      const arns = await this.pageOfIndex(`${this.base}:topic-subs:${topicArn}`, nextToken);
      return page(await this.subscriptionsAt(arns));
    });
  }

  async subscriptionsOf(topicArn: string): Promise<readonly SnsSubscription[]> {
    return this.guard(async () => {
      const key = `${this.base}:topic-subs:${topicArn}`;
      const arns = await this.redis.zrange(key, "0", String(MAX_SUBSCRIPTIONS_PER_TOPIC - 1));
      return this.subscriptionsAt(arns);
    });
  }

  async claimFifoMessage(topicArn: string, deduplicationKey: string, messageId: string): Promise<FifoClaim> {
    return this.guard(async () => {
      const [outcome, value] = (await this.redis.eval(
        CLAIM_FIFO,
        1,
        this.base,
        topicArn,
        deduplicationKey,
        messageId,
        String(FIFO_DEDUPLICATION_MS),
      )) as Reply;
      if (outcome === "missing" || value === undefined) throw topicNotFound();
      const [firstId, sequenceNumber] = value.split(" ") as [string, string];
      return { duplicate: outcome === "duplicate", messageId: firstId, sequenceNumber };
    });
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** LIST_PAGE_SIZE + 1 members after the token's ARN (one more tells that there is a next page). */
  private pageOfIndex(key: string, nextToken: string | undefined): Promise<string[]> {
    const after = decodeToken(nextToken);
    return this.redis.zrangebylex(key, after === "" ? "-" : `(${after}`, "+", "LIMIT", 0, LIST_PAGE_SIZE + 1);
  }

  private async subscriptionsAt(arns: readonly string[]): Promise<SnsSubscription[]> {
    if (arns.length === 0) return [];
    const jsons = await this.redis.hmget(`${this.base}:subs`, ...arns);
    return jsons.filter((json): json is string => json !== null).map((json) => JSON.parse(json));
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isSnsError(error)) throw error;
      throw snsStoreUnavailable(`the Redis SNS store failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
