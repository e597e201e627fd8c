-- One change to one Dibs resource, atomically: its holder, its queue and
-- its version live in one JSON value, read and written by this script only.
-- KEYS[1] the resource, KEYS[2] the set of resource names.
-- ARGV[1] op ('take' | 'release' | 'expire'), ARGV[2] the resource name,
--   take:    ARGV[3] entry JSON, ARGV[4] 'queue' or 'api' (no queueing)
--   release: ARGV[3] who releases, ARGV[4] '1' to release anyone's hold
--   expire:  ARGV[3] the version the timed release was scheduled for
-- Returns JSON: {outcome, version, position?, old?, promoted?, state}; version
-- is the one this change made (a replayed release: the one it made then).
local key, names = KEYS[1], KEYS[2]
local op, name = ARGV[1], ARGV[2]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local r
local raw = redis.call('GET', key)
if raw then r = cjson.decode(raw) else r = { name = name, version = 0 } end
if type(r.queue) ~= 'table' then r.queue = {} end
if r.holder == cjson.null then r.holder = nil end
local out = {}

-- The entry becomes the holder now; its own timed release starts now.
local function start(e)
  e.since_ms = now
  if (e.for_ms or 0) > 0 then e.until_ms = now + e.for_ms else e.until_ms = 0 end
  r.holder = e
  r.version = r.version + 1
end

local function position(id)
  for i, e in ipairs(r.queue) do
    if e.id == id then return i end
  end
  return 0
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
    r.version = r.version + 1
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
  if r.holder == nil then
    start(e)
    out.outcome = 'took'
  elseif r.holder.id == e.id then
    if (e.for_ms or 0) > 0 then
      r.holder.for_ms = e.for_ms
      r.holder.until_ms = now + e.for_ms
      r.version = r.version + 1
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
  local id = ARGV[3]
  if r.holder ~= nil and (r.holder.id == id or ARGV[4] == '1') then
    promote()
  else
    local p = position(id)
    if p > 0 then
      table.remove(r.queue, p)
      out.outcome = 'left'
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
else
  return redis.error_reply('unknown dibs op ' .. tostring(op))
end

local reads = { stale = true, held = true, not_holding = true, already_queued = true }
if not reads[out.outcome] and not out.replayed then
  redis.call('SET', key, cjson.encode(r))
  redis.call('SADD', names, name)
end
out.state = r
if out.version == nil then out.version = r.version end
return cjson.encode(out)
