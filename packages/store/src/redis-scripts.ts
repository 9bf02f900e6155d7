/**
 * Lua scripts of `RedisStore`. Redis runs each script without interleaving any other command,
 * so a read and the write that depends on it happen as one step on every replica of the app.
 * Arguments arrive as strings; `GET` of an absent key returns `false` in Lua.
 */

/** KEYS[1]: key. ARGV[1]: expected value. Returns 1 when it deleted the key. */
export const deleteIfEqualScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/**
 * KEYS[1]: key, KEYS[2]: guard key. ARGV[1]: value, ARGV[2]: TTL in ms, ARGV[3]: '1' when the
 * guard must hold ARGV[4], '0' when it must be absent. Returns 1 when it stored the value.
 */
export const setIfGuardScript = `
local guard = redis.call('GET', KEYS[2])
if ARGV[3] == '0' then
  if guard then return 0 end
elseif guard ~= ARGV[4] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/**
 * KEYS[1]: key. ARGV[1]: integer value, ARGV[2]: TTL in ms. Keeps the larger of the stored and
 * the given integer and returns it as a string, which keeps millisecond timestamps exact.
 */
export const raiseToScript = `
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= tonumber(ARGV[1]) then
  return tostring(redis.call('GET', KEYS[1]))
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`;

/**
 * Sliding-window log in a sorted set scored by hit time. KEYS[1]: key. ARGV[1]: now in ms,
 * ARGV[2]: window in ms, ARGV[3]: limit, ARGV[4]: unique member of this hit. Drops hits at or
 * before now - window, records this hit when fewer than the limit remain, and returns
 * {allowed (0 or 1), hits in the window, ms until the oldest hit leaves it}.
 */
export const slidingWindowScript = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  count = count + 1
  allowed = 1
end
local oldestExpiresIn = 0
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then
  oldestExpiresIn = tonumber(oldest[2]) + window - now
end
if count > 0 then
  redis.call('PEXPIRE', KEYS[1], window)
end
return {allowed, count, oldestExpiresIn}
`;
