-- Replaces the record of a gap with the same start (an open gap being closed), atomically.
-- ARGV: prefix, fromMs, "from:to", keyTtlSeconds
local gk = ARGV[1] .. 'gaps'
redis.call('ZREMRANGEBYSCORE', gk, ARGV[2], ARGV[2])
redis.call('ZADD', gk, ARGV[2], ARGV[3])
redis.call('EXPIRE', gk, ARGV[4])
return 1
