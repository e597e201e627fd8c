-- Takes a permit for one Discord request from the shared budget, atomically.
--
-- KEYS: 1 the route's learnt hash ({p}route:{template}), 2 the family's
--       limits ({p}limit:{family}), 3 the bucket ({p}b:{family}:{major}),
--       4-7 its queue, seen, log and seq (bucket .. ':q' and so on), 8 the
--       log of grants made before the hash was known
--       ({p}b:{template}:{major}:log), 9 the global log, 10 the global hash;
--       the family is the hash the caller read (ARGV[1]) or the template.
-- ARGV: 1 the route's hash as the caller read it ('' for none), 2 route
--       template, 3 major id, 4 seed limit, 5 seed window ms,
--       6 held ticket's bucket, 7 held ticket id ('' for none), 8 defer after ms,
--       9 bucket margin ms, 10 global limit per second, 11 global margin ms,
--       12 grace ms for a pushed-back ticket, 13 in-flight ms, 14 poll ms
-- Returns {status, ms, bucket, ticket[, grant]}:
--   status 2: go; send in `ms` milliseconds (the slot is taken at that time;
--             `grant` names it in the bucket's log, for learn.lua)
--   status 1: defer; the permit is about `ms` away, keep the ticket
--   status 0: not your turn yet; call again in `ms`
--   status 3: the route's hash is not the one the caller read: read again
--
-- Time comes from Redis TIME so that processes on different hosts agree.
-- A bucket is a FIFO of tickets plus a log of granted send times: a ticket
-- may go only when it is the oldest one waiting, and only at a time t such
-- that t is at least `window + margin` after the limit-th latest grant, which
-- keeps any window of that length within the limit however grants interleave.
-- The global log works the same way with a one-second window.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local template, major = ARGV[2], ARGV[3]

local hash = redis.call('GET', KEYS[1])
if (hash or '') ~= ARGV[1] then return {3, 0, '', '', ''} end
local family = hash or template
local bkey = KEYS[3]
local learned = redis.call('HMGET', KEYS[2], 'limit', 'window')
local limit = tonumber(learned[1]) or tonumber(ARGV[4])
local window = tonumber(learned[2]) or tonumber(ARGV[5])
local q, seen, log = KEYS[4], KEYS[5], KEYS[6]
local seq = KEYS[7]

-- Grants made before the hash was known move to the hash's bucket.
if hash then
  local old = KEYS[8]
  if redis.call('EXISTS', old) == 1 then
    redis.call('ZUNIONSTORE', log, 2, log, old, 'AGGREGATE', 'MAX')
    redis.call('DEL', old)
  end
end

local ticket = nil
if ARGV[6] == bkey and ARGV[7] ~= '' and redis.call('ZSCORE', q, ARGV[7]) then
  ticket = ARGV[7]
end
if not ticket then
  local n = redis.call('INCR', seq)
  ticket = string.format('%015d', n)
  redis.call('ZADD', q, n, ticket)
end
-- `seen` holds, per waiting ticket, when it is given up if not heard of
-- again: soon for a holder that polls, later for a job pushed back.
local poll, grace = tonumber(ARGV[14]), tonumber(ARGV[12])
local function expect(ms) redis.call('HSET', seen, ticket, ms) end
expect(now + poll + 2000)
redis.call('PEXPIRE', q, 3600000)
redis.call('PEXPIRE', seen, 3600000)
redis.call('PEXPIRE', seq, 3600000)

-- A waiting ticket whose holder is overdue (a crashed or stopped worker, a
-- failed job) must not block the bucket for ever.
while true do
  local head = redis.call('ZRANGE', q, 0, 0)[1]
  if head == ticket then break end
  local due = tonumber(redis.call('HGET', seen, head) or '0')
  if due >= now then break end
  redis.call('ZREM', q, head)
  redis.call('HDEL', seen, head)
end

local function lth_latest(key, l)
  local r = redis.call('ZREVRANGE', key, l - 1, l - 1, 'WITHSCORES')
  if r[2] then return tonumber(r[2]) end
  return nil
end

local margin = tonumber(ARGV[9])
local blocked = tonumber(redis.call('HGET', bkey, 'blocked_until') or '0')
local next_free = math.max(now, blocked)
local x = lth_latest(log, limit)
if x then next_free = math.max(next_free, x + window + margin) end

local defer_after = tonumber(ARGV[8])
local head = redis.call('ZRANGE', q, 0, 0)[1]
if head ~= ticket then
  -- Where this ticket will be granted if every ticket ahead is granted as
  -- early as the bucket allows: grants replayed one by one, so that the
  -- estimates of successive tickets never go backwards.
  local rank = redis.call('ZRANK', q, ticket)
  local latest = redis.call('ZREVRANGE', log, 0, limit - 1, 'WITHSCORES')
  local times = {}
  for i = #latest, 2, -2 do table.insert(times, tonumber(latest[i])) end
  local replay = math.min(rank, 1000)
  local est = next_free
  for _ = 0, replay do
    est = math.max(now, blocked)
    if #times >= limit then est = math.max(est, times[#times - limit + 1] + window + margin) end
    table.insert(times, est)
  end
  est = est + math.floor((rank - replay) / limit) * window
  if est - now > defer_after then
    expect(est + grace)
    return {1, est - now, bkey, ticket, ''}
  end
  return {0, math.max(1, math.min(poll, est - now)), bkey, ticket, ''}
end

-- Until Discord has told us this route's bucket, one request at a time.
if not hash and tonumber(redis.call('HGET', bkey, 'inflight_until') or '0') > now then
  return {0, 20, bkey, ticket, ''}
end

local g, glimit = KEYS[9], tonumber(ARGV[10])
local global = KEYS[10]
local at = math.max(next_free, tonumber(redis.call('HGET', global, 'blocked_until') or '0'))
local y = lth_latest(g, glimit)
if y then at = math.max(at, y + 1000 + tonumber(ARGV[11])) end

if at - now > defer_after then
  expect(at + grace)
  return {1, at - now, bkey, ticket, ''}
end

redis.call('ZADD', log, at, family .. '#' .. ticket)
redis.call('ZADD', g, at, bkey .. '#' .. ticket)
redis.call('ZREM', q, ticket)
redis.call('HDEL', seen, ticket)
if not hash then
  redis.call('HSET', bkey, 'inflight_until', now + tonumber(ARGV[13]))
end
redis.call('ZREMRANGEBYSCORE', log, '-inf', now - window - 60000)
redis.call('ZREMRANGEBYSCORE', g, '-inf', now - 5000)
redis.call('PEXPIRE', log, 3600000)
redis.call('PEXPIRE', bkey, 3600000)
redis.call('PEXPIRE', g, 60000)
return {2, at - now, bkey, ticket, family .. '#' .. ticket}
