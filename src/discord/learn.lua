-- Teaches the shared budget what one Discord answer said, atomically.
--
-- KEYS: 1 the bucket the permit came from, 2 its log, 3 the global log,
--       4 the global hash, 5 the route's hash ({p}route:{template}), 6 the
--       bucket of the answer's hash ({p}b:{hash}:{major}; KEYS[1] when the
--       answer carried none), 7 that hash's limits ({p}limit:{hash})
-- ARGV: 1 prefix (unused), 2 route template, 3 major id, 4 bucket the permit came from,
--       5 status (0: no answer), 6 bucket hash ('' if absent), 7 limit,
--       8 remaining (-1 if absent), 9 reset-after ms (-1 if absent),
--       10 retry-after ms (-1 if absent), 11 scope, 12 margin ms,
--       13 grant (the permit's member of the bucket log), 14 ticket,
--       15 how many ms after its slot the request actually left
-- Every answer, 2xx included, may carry X-RateLimit-* headers: the bucket's
-- hash (learned once per route template, shared by every process), its
-- limit and window, and when it resets once it is used up. A 429 pauses the
-- bucket, or every request when its scope is global.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local used = KEYS[1]
local status, hash = tonumber(ARGV[5]), ARGV[6]
local limit, remaining = tonumber(ARGV[7]), tonumber(ARGV[8])
local reset_after, retry_after = tonumber(ARGV[9]), tonumber(ARGV[10])
local scope, margin = ARGV[11], tonumber(ARGV[12])

redis.call('HDEL', used, 'inflight_until')

-- A request that left late (a busy host) moves its slot to when it really
-- left, so that later grants keep their distance from it.
local late = tonumber(ARGV[15])
if late > 0 then
  local function shift(key, member)
    local at = redis.call('ZSCORE', key, member)
    if at then redis.call('ZADD', key, 'XX', tonumber(at) + late, member) end
  end
  shift(KEYS[2], ARGV[13])
  shift(KEYS[3], ARGV[4] .. '#' .. ARGV[14])
end

local function block(key, until_ms)
  local old = tonumber(redis.call('HGET', key, 'blocked_until') or '0')
  if until_ms > old then
    redis.call('HSET', key, 'blocked_until', until_ms)
  end
  redis.call('PEXPIRE', key, math.max(3600000, until_ms - now + 60000))
end

local bkey = KEYS[1]
if hash ~= '' then
  redis.call('SET', KEYS[5], hash, 'EX', 86400)
  bkey = KEYS[6]
  local lkey = KEYS[7]
  if limit > 0 then
    redis.call('HSET', lkey, 'limit', limit)
    -- The first request of a window sees the whole window ahead of it.
    if remaining == limit - 1 and reset_after > 0 then
      local w = math.ceil(reset_after / 100) * 100
      local known = tonumber(redis.call('HGET', lkey, 'window') or '0')
      if w > known then redis.call('HSET', lkey, 'window', w) end
    end
    redis.call('EXPIRE', lkey, 86400)
  end
  if remaining == 0 and reset_after >= 0 then
    block(bkey, now + reset_after + margin)
  end
end

if status == 429 and retry_after >= 0 then
  if scope == 'global' then
    block(KEYS[4], now + retry_after + margin)
  else
    block(bkey, now + retry_after + margin)
    if bkey ~= used then block(used, now + retry_after + margin) end
  end
end
return 1
