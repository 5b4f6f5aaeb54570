/**
 * The Lua scripts with which a gateway queues a synchronous request together with its unit of concurrency, so that
 * the caps cost no round trip of their own on the way to a worker: taking the lease (the limiter's own take_lease,
 * runtime/concurrency/lease-scripts.ts) and pushing the envelope that names it are one atomic step, and a call over
 * a cap is refused there, before any worker sees it. Taking a request back (its deadline, a gateway that stops) and
 * giving its unit back are one step too: either a worker has popped it (and holds the unit) or the unit is freed.
 */
import { ACQUIRED, LEASE_FUNCTIONS, NOW } from "../../../runtime/concurrency/lease-scripts.js";

/**
 * KEYS: request list, account set, pool set. ARGV: account limit, pool limit, lease id, how long the lease lives
 * unless its adopter renews it (ms), envelope. Returns the limiter's outcome (ACQUIRED, ACCOUNT_FULL, POOL_FULL);
 * the envelope is pushed only when ACQUIRED.
 */
export const QUEUE_WITH_LEASE = `${NOW}
${LEASE_FUNCTIONS}
local outcome = take_lease(KEYS[2], KEYS[3], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], now, tonumber(ARGV[4]))
if outcome ~= ${ACQUIRED} then return outcome end
redis.call('LPUSH', KEYS[1], ARGV[5])
return outcome`;

/**
 * KEYS: request list, account set, pool set. ARGV: envelope, its lease id. Removes the envelope if no worker took
 * it and then releases its lease. Returns how many were removed (0: a worker has it, and its unit).
 */
export const WITHDRAW_WITH_LEASE = `${LEASE_FUNCTIONS}
local removed = redis.call('LREM', KEYS[1], 1, ARGV[1])
if removed > 0 then release_lease(KEYS[2], KEYS[3], ARGV[2]) end
return removed`;
