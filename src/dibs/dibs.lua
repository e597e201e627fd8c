-- One change to one Dibs resource, atomically: its holder, its queue and
-- its version live in one JSON value, read and written by this script only,
-- and what the change causes (a timed release, notices) is written to the
-- outbox in the same run, so that it is queued even if Faktory is down.
-- Every key it touches is declared (Redis Cluster, proxies):
-- KEYS[1] the resource, KEYS[2] the set of resource names,
-- KEYS[3] the version counter of all resources, KEYS[4] the outbox (a
-- sorted set: change JSON by the time it was made, epoch ms).
-- ARGV[1] op ('take' | 'release' | 'expire' | 'forget'), ARGV[2] the name,
--   take:    ARGV[3] entry JSON, ARGV[4] 'queue' or 'api' (no queueing),
--            ARGV[5] how many resources may exist (0: no limit)
--   release: ARGV[3] who releases, ARGV[4] what they may force ('none',
--            'api': an API hold, 'all': any hold), ARGV[5] their token name
--   expire:  ARGV[3] the version the timed release was scheduled for
--   forget:  nothing more
-- Returns JSON: {outcome, version, position?, old?, promoted?, forced_by?,
-- outbox?, state}; version is the one this change made (a replayed
-- release: the one it made then); outbox is the entry written, if any.
local key, names, seq, outbox = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local op, name = ARGV[1], ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local r
local raw = redis.call('GET', key)
if raw then r = cjson.decode(raw) else r = { name = name, version = 0 } end
if type(r.queue) ~= 'table' then r.queue = {} end
if r.holder == cjson.null then r.holder = nil end
local out = {}

local function counter()
  local s = redis.call('GET', seq)
  if s then return tonumber(s) end
  return 0
end

-- Versions come from one counter of all resources, so that a resource
-- forgotten and named again never repeats a version: a timed release
-- scheduled for its old life finds itself stale.
local function bump()
  local v = math.max(r.version, counter()) + 1
  redis.call('SET', seq, v)
  r.version = v
end

-- The entry becomes the holder now; its own timed release starts now.
local function start(e)
  e.since_ms = now
  if (e.for_ms or 0) > 0 then e.until_ms = now + e.for_ms else e.until_ms = 0 end
  r.holder = e
  bump()
end

local function position(id)
  for i, e in ipairs(r.queue) do
    if e.id == id then return i end
  end
  return 0
end

local function same(e, id, token)
  return e.id == id and (e.token or '') == (token or '')
end

-- The holder goes; the next in line, if any, holds it. What a timed
-- release did is kept so that a retry of its job can redo its follow-ups.
local function promote()
  local from = r.version
  out.old = r.holder
  r.holder = nil
  if #r.queue > 0 then
    start(table.remove(r.queue, 1))
    out.promoted = r.holder
  else
    bump()
  end
  out.version = r.version
  -- Only a timed release is retried by a job; a manual one must not make
  -- the stale job of its version look like a retry.
  if op == 'expire' then
    r.last = { from = from, to = r.version, old = out.old, promoted = out.promoted or cjson.null }
  end
  out.outcome = 'released'
end

if op == 'take' then
  local e = cjson.decode(ARGV[3])
  local cap = tonumber(ARGV[5] or '0') or 0
  if not raw and cap > 0 and redis.call('SCARD', names) >= cap then
    out.outcome = 'full'
  elseif r.holder == nil then
    start(e)
    out.outcome = 'took'
  elseif same(r.holder, e.id, e.token) then
    if (e.for_ms or 0) > 0 then
      r.holder.for_ms = e.for_ms
      r.holder.until_ms = now + e.for_ms
      bump()
      out.outcome = 'extended'
    else
      out.outcome = 'already'
    end
    if (e.note or '') ~= '' then r.holder.note = e.note end
  elseif ARGV[4] == 'api' then
    out.outcome = 'held'
  else
    local p = position(e.id)
    if p == 0 then
      table.insert(r.queue, e)
      p = #r.queue
      out.outcome = 'queued'
    else
      out.outcome = 'already_queued'
    end
    out.position = p
  end
elseif op == 'release' then
  local id, may, token = ARGV[3], ARGV[4], ARGV[5] or ''
  local h = r.holder
  if h ~= nil and same(h, id, token) then
    promote()
  elseif h ~= nil and (may == 'all' or (may == 'api' and string.sub(h.id, 1, 4) == 'api:')) then
    out.forced_by = id
    promote()
  else
    local p = position(id)
    if p > 0 then
      table.remove(r.queue, p)
      out.outcome = 'left'
    elseif h ~= nil and may ~= 'none' then
      out.outcome = 'not_allowed'
    else
      out.outcome = 'not_holding'
    end
  end
elseif op == 'expire' then
  local v = tonumber(ARGV[3])
  if r.holder ~= nil and r.version == v then
    promote()
  elseif type(r.last) == 'table' and r.last.from == v then
    -- This release already happened (a retry of its job): same answer.
    out.outcome = 'released'
    out.old = r.last.old
    if r.last.promoted ~= cjson.null then out.promoted = r.last.promoted end
    out.replayed = true
    out.version = r.last.to
  else
    out.outcome = 'stale'
  end
elseif op == 'forget' then
  if not raw then
    out.outcome = 'unknown'
  elseif r.holder ~= nil then
    out.outcome = 'held'
  else
    if r.version > counter() then redis.call('SET', seq, r.version) end
    redis.call('DEL', key)
    redis.call('SREM', names, name)
    out.outcome = 'forgot'
  end
else
  return redis.error_reply('unknown dibs op ' .. tostring(op))
end

local unwritten = { stale = true, held = true, not_holding = true, already_queued = true,
  full = true, not_allowed = true, unknown = true, forgot = true }
if not unwritten[out.outcome] and not out.replayed then
  redis.call('SET', key, cjson.encode(r))
  redis.call('SADD', names, name)
end
out.state = r
if out.version == nil then out.version = r.version end
-- What this change causes is owed until someone has queued it (see
-- outbox.rs): a replayed release wrote its entry the first time.
local causes = { took = true, extended = true, released = true }
if causes[out.outcome] and not out.replayed then
  local entry = cjson.encode({ at = now, timed_out = (op == 'expire'), change = out })
  redis.call('ZADD', outbox, now, entry)
  out.outbox = entry
end
return cjson.encode(out)
