/**
 * The Redis SQS store's Lua scripts: each move of a message is one script, so it is atomic across every Lambkin
 * process sharing the Redis (two receivers never take one message; a redrive never loses or doubles one).
 *
 * Layout under `<base>` = `<LAMBKIN_REDIS_PREFIX>:sqs` (built in RedisSqsStore):
 * - `<base>:queues` hash name → JSON {settings, created_ms, modified_ms}; `<base>:queue-ids` hash name → id of
 *   the queue's current incarnation (a new one at CreateQueue and at PurgeQueue: the old messages become
 *   unreachable at once, and are dropped in chunks after); `<base>:queue-names` sorted set (for ListQueues).
 * - per incarnation `<base>:q:<id>:`: `m:<messageId>` hash of one message (b body, a attributes JSON, s sender,
 *   t sent ms, e enqueued ms (retention), c receive count, f first receive ms, k receipt token, v visible-at ms,
 *   g group, d deduplication id, n FIFO sequence counter, o arrival order, x DeadLetterQueueSourceArn);
 *   `wait` zset of never-received messages by visible-at (delayed while in the future); `back` zset of received
 *   ones by visible-at (in flight while in the future); `age` zset by enqueued ms; FIFO: `grp:<group>` zset of
 *   a group's messages by arrival and `heads` zset of the groups by their first message's arrival; `arrivals`
 *   counter; `dedup:<key>` "messageId|sequence" with a 5-minute TTL.
 * - `<base>:fifoseq:<name>` the FIFO sequence counter of a queue name (kept across purges: numbers only grow).
 *
 * Keys are built inside the scripts from `<base>` (a standalone Redis, as the job queue's BullMQ uses).
 */

const HELPERS = `
local base = ARGV[1]
local function qk(q, s) return base .. ':q:' .. q .. ':' .. s end
local function mk(q, m) return base .. ':q:' .. q .. ':m:' .. m end
local function drop(q, m)
  local g = redis.call('HGET', mk(q, m), 'g')
  redis.call('DEL', mk(q, m))
  redis.call('ZREM', qk(q, 'wait'), m)
  redis.call('ZREM', qk(q, 'back'), m)
  redis.call('ZREM', qk(q, 'age'), m)
  if g and redis.call('ZREM', qk(q, 'grp:' .. g), m) == 1 then
    local first = redis.call('ZRANGE', qk(q, 'grp:' .. g), 0, 0, 'WITHSCORES')
    if #first == 0 then
      redis.call('ZREM', qk(q, 'heads'), g)
    else
      redis.call('ZADD', qk(q, 'heads'), first[2], g)
    end
  end
end
local function enqueueFifo(q, m, g, order)
  redis.call('ZADD', qk(q, 'grp:' .. g), order, m)
  if not redis.call('ZSCORE', qk(q, 'heads'), g) then redis.call('ZADD', qk(q, 'heads'), order, g) end
end
local function current(name, id)
  return redis.call('HGET', base .. ':queue-ids', name) == id
end
local function expire(q, cutoff)
  local old = redis.call('ZRANGEBYSCORE', qk(q, 'age'), '-inf', cutoff, 'LIMIT', 0, 1000)
  for _, m in ipairs(old) do drop(q, m) end
end
`;

/** ARGV: base, name, id, json, createdMs → {1, json} created, {0, json, id} existing. */
export const CREATE_QUEUE = `${HELPERS}
local name, json, id = ARGV[2], ARGV[4], ARGV[3]
local existing = redis.call('HGET', base .. ':queues', name)
if existing then return {0, existing} end
redis.call('HSET', base .. ':queues', name, json)
redis.call('HSET', base .. ':queue-ids', name, id)
redis.call('ZADD', base .. ':queue-names', 0, name)
return {1, json}
`;

/** ARGV: base, name, json → 1, or 0 when the queue does not exist. */
export const SET_QUEUE = `${HELPERS}
if redis.call('HEXISTS', base .. ':queues', ARGV[2]) == 0 then return 0 end
redis.call('HSET', base .. ':queues', ARGV[2], ARGV[3])
return 1
`;

/** ARGV: base, name → the deleted incarnation's id, or false. */
export const DELETE_QUEUE = `${HELPERS}
local name = ARGV[2]
local id = redis.call('HGET', base .. ':queue-ids', name)
if not id then return false end
redis.call('HDEL', base .. ':queues', name)
redis.call('HDEL', base .. ':queue-ids', name)
redis.call('ZREM', base .. ':queue-names', name)
redis.call('DEL', base .. ':fifoseq:' .. name)
return id
`;

/** ARGV: base, name, newId → the old incarnation's id, or false. */
export const PURGE_QUEUE = `${HELPERS}
local old = redis.call('HGET', base .. ':queue-ids', ARGV[2])
if not old then return false end
redis.call('HSET', base .. ':queue-ids', ARGV[2], ARGV[3])
return old
`;

/** ARGV: base, id, chunk → messages dropped; the incarnation's keys go with its last chunk. */
export const DROP_INCARNATION = `${HELPERS}
local id, chunk = ARGV[2], tonumber(ARGV[3])
local ids = redis.call('ZRANGE', qk(id, 'age'), 0, chunk - 1)
for _, m in ipairs(ids) do drop(id, m) end
if #ids < chunk then
  redis.call('DEL', qk(id, 'wait'), qk(id, 'back'), qk(id, 'age'), qk(id, 'heads'), qk(id, 'arrivals'))
end
return #ids
`;

/**
 * ARGV: base, name, id, now, fifo, count, then 8 per message: group, dedupKey, dedupId, body, attributes, sender,
 * visibleAt, messageId → per message "messageId|sequence" (the first message's for a duplicate), or 'QDNE'.
 */
export const SEND_MESSAGES = `${HELPERS}
local name, id, now, fifo, n = ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1', tonumber(ARGV[6])
if not current(name, id) then return 'QDNE' end
local out = {}
for i = 0, n - 1 do
  local o = 7 + i * 8
  local group, dkey, did, body, attrs, sender, visible, mid =
    ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4], ARGV[o + 5], ARGV[o + 6], ARGV[o + 7]
  local seen = false
  if dkey ~= '' then seen = redis.call('GET', qk(id, 'dedup:' .. dkey)) end
  if seen then
    out[#out + 1] = seen
  else
    local seq = ''
    if fifo then seq = tostring(redis.call('INCR', base .. ':fifoseq:' .. name)) end
    local order = redis.call('INCR', qk(id, 'arrivals'))
    redis.call('HSET', mk(id, mid), 'b', body, 'a', attrs, 's', sender, 't', now, 'e', now, 'c', 0, 'v', visible,
      'g', group, 'd', did, 'n', seq, 'o', order)
    redis.call('ZADD', qk(id, 'wait'), visible, mid)
    redis.call('ZADD', qk(id, 'age'), now, mid)
    if fifo then enqueueFifo(id, mid, group, order) end
    if dkey ~= '' then redis.call('SET', qk(id, 'dedup:' .. dkey), mid .. '|' .. seq, 'PX', 300000) end
    out[#out + 1] = mid .. '|' .. seq
  end
end
return out
`;

/**
 * ARGV: base, name, id, now, max, visibilityMs, fifo, inFlightCap, retentionCutoff, maxReceiveCount (0: none),
 * dlqName, dlqId, dlqFifo, sourceArn, maxGroups (FIFO: groups looked at), maxRedriven, then `max` receipt tokens.
 * → list of {messageId, token, body, attributes, sender, sent, receiveCount, firstReceive, group, dedupId,
 * sequence, dlqSource}, or 'QDNE', or 'OVERLIMIT:<n>'. Also answers {'REDRIVEN', n} as its last element when it
 * moved messages (so the caller wakes the DLQ's receivers).
 */
export const RECEIVE_MESSAGES = `${HELPERS}
local name, id = ARGV[2], ARGV[3]
local now, max, vms = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local fifo, cap, cutoff = ARGV[7] == '1', tonumber(ARGV[8]), ARGV[9]
local mrc, dlqName, dlqId, dlqFifo, srcArn = tonumber(ARGV[10]), ARGV[11], ARGV[12], ARGV[13] == '1', ARGV[14]
local maxScan, maxRedriven = tonumber(ARGV[15]), tonumber(ARGV[16])
if not current(name, id) then return 'QDNE' end
expire(id, cutoff)
local inflight = redis.call('ZCOUNT', qk(id, 'back'), '(' .. now, '+inf')
if inflight >= cap then
  if fifo then return {} end
  return 'OVERLIMIT:' .. inflight
end
local wanted = math.min(max, cap - inflight)
local useDlq = mrc > 0 and dlqId ~= '' and current(dlqName, dlqId)
local out, redriven, nextToken = {}, 0, 17

local function moveToDlq(m)
  local h = redis.call('HMGET', mk(id, m), 'b', 'a', 's', 't', 'e', 'g', 'd', 'n')
  drop(id, m)
  local order = redis.call('INCR', qk(dlqId, 'arrivals'))
  local seq = h[8] or ''
  if dlqFifo then seq = tostring(redis.call('INCR', base .. ':fifoseq:' .. dlqName)) end
  local enq = h[5]
  if dlqFifo then enq = tostring(now) end
  redis.call('HSET', mk(dlqId, m), 'b', h[1], 'a', h[2], 's', h[3], 't', h[4], 'e', enq, 'c', 0, 'v', now,
    'g', h[6] or '', 'd', h[7] or '', 'n', seq, 'o', order, 'x', srcArn)
  redis.call('ZADD', qk(dlqId, 'wait'), now, m)
  redis.call('ZADD', qk(dlqId, 'age'), enq, m)
  if dlqFifo then enqueueFifo(dlqId, m, h[6] or '', order) end
end

local function take(m)
  local f = redis.call('HMGET', mk(id, m), 'c', 'b', 'a', 's', 't', 'f', 'g', 'd', 'n', 'x')
  if not f[1] then return 'gone' end
  local c = tonumber(f[1])
  if useDlq and c + 1 > mrc then
    if redriven >= maxRedriven then return 'skipped' end
    moveToDlq(m)
    redriven = redriven + 1
    return 'redriven'
  end
  local token = ARGV[nextToken]
  nextToken = nextToken + 1
  local first = f[6] or tostring(now)
  local visible = now + vms
  redis.call('HSET', mk(id, m), 'c', c + 1, 'f', first, 'k', token, 'v', visible)
  redis.call('ZREM', qk(id, 'wait'), m)
  redis.call('ZADD', qk(id, 'back'), visible, m)
  out[#out + 1] = {m, token, f[2], f[3], f[4], f[5], tostring(c + 1), first, f[7] or '', f[8] or '', f[9] or '',
    f[10] or ''}
  return 'delivered'
end

if not fifo then
  local limit = wanted + maxRedriven
  local cands = {}
  for _, set in ipairs({'back', 'wait'}) do
    local rows = redis.call('ZRANGEBYSCORE', qk(id, set), '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
    for i = 1, #rows, 2 do cands[#cands + 1] = {rows[i], tonumber(rows[i + 1])} end
  end
  table.sort(cands, function(x, y) return x[2] < y[2] end)
  for _, cand in ipairs(cands) do
    if #out >= wanted then break end
    if take(cand[1]) == 'skipped' then break end
  end
else
  -- Group by group, oldest head first ("as many messages with the same message group ID as possible"). A group
  -- with a message in flight gives nothing; its messages in flight are among its first 10 (a receive takes at most
  -- 10, from the group's head, and only from a group with none in flight), so those are all it takes to know.
  local after, groups, done = '-inf', 0, false
  while not done and #out < wanted and groups < maxScan do
    local heads = redis.call('ZRANGEBYSCORE', qk(id, 'heads'), after, '+inf', 'WITHSCORES', 'LIMIT', 0, 256)
    if #heads == 0 then break end
    for i = 1, #heads, 2 do
      local g = heads[i]
      after = '(' .. heads[i + 1]
      groups = groups + 1
      local gk = qk(id, 'grp:' .. g)
      local busy = false
      for _, m in ipairs(redis.call('ZRANGE', gk, 0, 9)) do
        local hv = redis.call('HMGET', mk(id, m), 'c', 'v')
        if tonumber(hv[1] or '0') > 0 and tonumber(hv[2] or '0') > now then
          busy = true
          break
        end
      end
      local cursor, stop = '-inf', busy
      while not stop and not done do
        local rows = redis.call('ZRANGEBYSCORE', gk, cursor, '+inf', 'WITHSCORES', 'LIMIT', 0, 10)
        if #rows == 0 then break end
        for j = 1, #rows, 2 do
          local m = rows[j]
          cursor = '(' .. rows[j + 1]
          if tonumber(redis.call('HGET', mk(id, m), 'v') or '0') > now then
            stop = true -- not receivable yet: the group's later messages wait for it
            break
          end
          if take(m) == 'skipped' or #out >= wanted then
            done = true
            break
          end
        end
      end
      if done then break end
    end
  end
end
if redriven > 0 then out[#out + 1] = {'REDRIVEN', tostring(redriven)} end
return out
`;

/** ARGV: base, name, id, count, then messageId, token pairs → 'QDNE' or the count. */
export const DELETE_MESSAGES = `${HELPERS}
local name, id, n = ARGV[2], ARGV[3], tonumber(ARGV[4])
if not current(name, id) then return 'QDNE' end
for i = 0, n - 1 do
  local m, token = ARGV[5 + i * 2], ARGV[6 + i * 2]
  if redis.call('HGET', mk(id, m), 'k') == token then drop(id, m) end
end
return n
`;

/**
 * ARGV: base, name, id, now, count, then messageId, token, visibilityMs triples → per entry 'ok', 'gone' (deleted,
 * or received again since: not this handle's any more) or 'idle' (not in flight); or 'QDNE'.
 */
export const CHANGE_VISIBILITY = `${HELPERS}
local name, id, now, n = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
if not current(name, id) then return 'QDNE' end
local out = {}
for i = 0, n - 1 do
  local m, token, vms = ARGV[6 + i * 3], ARGV[7 + i * 3], tonumber(ARGV[8 + i * 3])
  local h = redis.call('HMGET', mk(id, m), 'k', 'v')
  if not h[1] or h[1] ~= token then
    out[#out + 1] = 'gone'
  elseif tonumber(h[2]) <= now then
    out[#out + 1] = 'idle'
  else
    redis.call('HSET', mk(id, m), 'v', now + vms)
    redis.call('ZADD', qk(id, 'back'), now + vms, m)
    out[#out + 1] = 'ok'
  end
end
return out
`;

/** ARGV: base, name, id, now, retentionCutoff → {visible, notVisible, delayed, nextVisibleAt or -1}, or 'QDNE'. */
export const COUNT_MESSAGES = `${HELPERS}
local name, id, now = ARGV[2], ARGV[3], ARGV[4]
if not current(name, id) then return 'QDNE' end
expire(id, ARGV[5])
local visible = redis.call('ZCOUNT', qk(id, 'wait'), '-inf', now) + redis.call('ZCOUNT', qk(id, 'back'), '-inf', now)
local notVisible = redis.call('ZCOUNT', qk(id, 'back'), '(' .. now, '+inf')
local delayed = redis.call('ZCOUNT', qk(id, 'wait'), '(' .. now, '+inf')
local nextAt = -1
for _, set in ipairs({'wait', 'back'}) do
  local first = redis.call('ZRANGEBYSCORE', qk(id, set), '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if #first > 0 then
    local at = tonumber(first[2])
    if nextAt < 0 or at < nextAt then nextAt = at end
  end
end
return {visible, notVisible, delayed, nextAt}
`;
