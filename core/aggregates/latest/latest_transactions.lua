-- The latest transactions (LatestTransactions). Key: `latest` (LIST of raw messages, newest first).
-- A chunk of the scripts RedisStore composes (store/lua/): it returns its apply, expire and migrate functions.
local A = {}

-- ARGV[i] = nLatest, max, then raw[nLatest] oldest first.
function A.apply(P, ARGV, i, ctx)
  local n, max = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  i = i + 2
  if n > 0 then
    local lk = P .. 'latest'
    redis.call('LPUSH', lk, unpack(ARGV, i, i + n - 1))
    redis.call('LTRIM', lk, 0, max - 1)
    redis.call('EXPIRE', lk, ctx.keyTtl)
  end
  return i + n
end

-- Bounded by count; its TTL is refreshed by apply.
function A.expire(P, target, ctx, out)
end

function A.migrate(P, from, ctx)
end

return A
