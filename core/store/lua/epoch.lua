-- The token of the data under the prefix: kept while it exists, created when it is missing (Redis restarted
-- empty, flushed, or everything expired). ARGV: prefix, candidate token, keyTtlSeconds. Returns the token.
local k = ARGV[1] .. 'epoch'
local v = redis.call('GET', k)
if not v then
  v = ARGV[2]
  redis.call('SET', k, v)
end
redis.call('EXPIRE', k, ARGV[3])
return v
