/**
 * The Lua scripts behind the Redis concurrency leases. Redis runs a script atomically, so checking the caps and
 * taking the unit are one step: two workers can never both see "one unit left" and both take it.
 *
 * Layout: one sorted set for the whole account and one per pool (the unreserved pool, each reserved function);
 * a member is a lease id, its score the time (ms, Redis's own clock) at which the lease expires unless renewed.
 * Every lease is in the account set and in its pool's set, with the same score. Expired members are purged before
 * counting, so a lease whose holder died (SIGKILL, lost host) stops counting once its TTL has passed.
 * Each write sets the keys' own expiry to the TTL: a member never outlives the last write to its key by more than
 * the TTL, so keys of a cluster that stopped vanish from Redis after the TTL too.
 * Time is Redis's (`TIME`), not the workers': leases are compared on one clock whatever the hosts' clock skew.
 */

const NOW = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

/** Outcomes of ACQUIRE_LEASE. */
export const ACQUIRED = 0;
export const ACCOUNT_FULL = 1;
export const POOL_FULL = 2;

/**
 * KEYS: account set, pool set. ARGV: account limit, pool limit, lease id, TTL (ms).
 * Returns ACQUIRED, ACCOUNT_FULL or POOL_FULL (the pool is checked first: its Reason is the more precise one).
 */
export const ACQUIRE_LEASE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return ${POOL_FULL} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return ${ACCOUNT_FULL} end
local ttl = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
redis.call('ZADD', KEYS[2], now + ttl, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return ${ACQUIRED}`;

/**
 * KEYS: account set, then the pool set of each lease. ARGV: TTL (ms), then the lease ids, in the order of their
 * pools. Pushes every lease's expiry to now + TTL. A lease that had expired meanwhile (Redis unreachable for a
 * TTL, or restarted empty) is written again: its invocation is still running, and counting it again is what keeps
 * the caps true from then on.
 */
export const RENEW_LEASES = `${NOW}
local ttl = tonumber(ARGV[1])
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[i])
  redis.call('ZADD', KEYS[i], now + ttl, ARGV[i])
  redis.call('PEXPIRE', KEYS[i], ttl)
end
redis.call('PEXPIRE', KEYS[1], ttl)
return #KEYS - 1`;

/** KEYS: account set, pool set. ARGV: lease id. */
export const RELEASE_LEASE = `redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('ZREM', KEYS[2], ARGV[1])`;

/** KEYS: a set. Its live members, expired ones purged. */
export const LIVE_LEASES = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;
