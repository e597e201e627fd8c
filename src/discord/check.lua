-- How long until a bucket, and every request, may go again (ms; 0 or less:
-- now). A permit granted for a moment a few seconds ahead is checked again
-- before it is used, in case a 429 paused everything meanwhile.
-- KEYS: 1 the global budget's hash ({prefix}global), 2 the bucket's hash
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local g = tonumber(redis.call('HGET', KEYS[1], 'blocked_until') or '0')
local b = tonumber(redis.call('HGET', KEYS[2], 'blocked_until') or '0')
return math.max(g, b) - now
