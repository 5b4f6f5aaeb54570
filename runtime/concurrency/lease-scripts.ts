/**
 * The Lua scripts behind the Redis concurrency leases. Redis runs a script atomically, so checking the caps and
 * taking the unit are one step: two workers can never both see "one unit left" and both take it.
 *
 * Layout: one sorted set for the whole account and one per pool (the unreserved pool, each reserved function);
 * a member is a lease id, its score the time (ms, Redis's own clock) at which the lease expires unless renewed.
 * Every lease is in the account set and in its pool's set, with the same score. Expired members are purged before
 * counting, so a lease whose holder died (SIGKILL, lost host) stops counting once its TTL has passed.
 * Each write pushes the keys' own expiry to at least its lease's life (the TTL; longer for a lease handed over):
 * a key never outlives its longest-lived member, so keys of a cluster that stopped vanish from Redis too.
 * Time is Redis's (`TIME`), not the workers': leases are compared on one clock whatever the hosts' clock skew.
 */

export const NOW = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`;

/** Outcomes of ACQUIRE_LEASE. */
export const ACQUIRED = 0;
export const ACCOUNT_FULL = 1;
export const POOL_FULL = 2;

/**
 * Lua functions the scripts share (and that other scripts compose, e.g. the cluster's "take a lease and queue the
 * request" in one step). A key's own expiry is only ever pushed later, never brought closer: a lease handed over
 * with a longer life (see TAKE_LEASE) must not vanish with its key when a shorter-lived write comes after it.
 */
export const LEASE_FUNCTIONS = `local function extend_expiry(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
local function take_lease(account, pool, account_limit, pool_limit, lease_id, now, hold_ms)
  redis.call('ZREMRANGEBYSCORE', account, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', pool, '-inf', now)
  if redis.call('ZCARD', pool) >= pool_limit then return ${POOL_FULL} end
  if redis.call('ZCARD', account) >= account_limit then return ${ACCOUNT_FULL} end
  redis.call('ZADD', account, now + hold_ms, lease_id)
  redis.call('ZADD', pool, now + hold_ms, lease_id)
  extend_expiry(account, hold_ms)
  extend_expiry(pool, hold_ms)
  return ${ACQUIRED}
end
local function release_lease(account, pool, lease_id)
  redis.call('ZREM', account, lease_id)
  return redis.call('ZREM', pool, lease_id)
end`;

/**
 * KEYS: account set, pool set. ARGV: account limit, pool limit, lease id, how long it lives unless renewed (ms):
 * the TTL, or longer for a lease taken to be handed over (it must outlive the wait until its adopter renews it).
 * Returns ACQUIRED, ACCOUNT_FULL or POOL_FULL (the pool is checked first: its Reason is the more precise one).
 */
export const ACQUIRE_LEASE = `${NOW}
${LEASE_FUNCTIONS}
return take_lease(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], now, tonumber(ARGV[4]))`;

/**
 * KEYS: account set, then the pool set of each lease. ARGV: TTL (ms), then the lease ids, in the order of their
 * pools. Pushes every lease's expiry to now + TTL. A lease that had expired meanwhile (Redis unreachable for a
 * TTL, or restarted empty) is written again: its invocation is still running, and counting it again is what keeps
 * the caps true from then on.
 */
export const RENEW_LEASES = `${NOW}
${LEASE_FUNCTIONS}
local ttl = tonumber(ARGV[1])
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[i])
  redis.call('ZADD', KEYS[i], now + ttl, ARGV[i])
  extend_expiry(KEYS[i], ttl)
end
extend_expiry(KEYS[1], ttl)
return #KEYS - 1`;

/** KEYS: account set, pool set. ARGV: lease id. */
export const RELEASE_LEASE = `${LEASE_FUNCTIONS}
return release_lease(KEYS[1], KEYS[2], ARGV[1])`;

/** KEYS: a set. Its live members, expired ones purged. */
export const LIVE_LEASES = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])`;
