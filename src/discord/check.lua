-- How long until a bucket, and every request, may go again (ms; 0 or less:
-- now). A permit granted for a moment a few seconds ahead is checked again
-- before it is used, in case a 429 paused everything meanwhile.
-- ARGV: 1 prefix, 2 bucket key
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local g = tonumber(redis.call('HGET', ARGV[1] .. 'global', 'blocked_until') or '0')
local b = tonumber(redis.call('HGET', ARGV[2], 'blocked_until') or '0')
return math.max(g, b) - now
