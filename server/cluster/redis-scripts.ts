/**
 * The Lua scripts the Redis adapters run: each check-and-change is one script, so no other client's command
 * can fall between the check and the change.
 */

/** KEYS[1] lease, KEYS[2] fence counter; ARGV[1] owner, ARGV[2] ttl ms. The new fencing token, or 0 when held. */
export const ACQUIRE_LEASE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`;

/** KEYS[1] key; ARGV[1] owner, ARGV[2] ttl ms. 1 when still the owner's (expiry pushed), else 0. */
export const RENEW_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** KEYS[1] key; ARGV[1] owner. 1 when it was the owner's and is gone, else 0. */
export const DELETE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * Fixed window: KEYS[1] counter; ARGV[1] window ms. {hits in the window, ms until it ends}. The first hit
 * sets the expiry; a counter without one (should never be) gets it, so no key outlives its window.
 */
export const HIT_WINDOW = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

/** KEYS[1] counter. Takes one hit back if the window still exists and has any. */
export const UNDO_HIT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0`;
