-- The latest transactions by arrival (LatestTransactions, whose header explains the order). Keys: `latest` (ZSET
-- scored by receivedMs, members "<16 hex sequence><16 hex application number><raw>"), `latest:n` (applications).
-- A chunk of the scripts RedisStore composes (store/lua/): it returns its apply, expire and migrate functions.
local A = {}

-- ARGV[i] = nLatest, max, then (receivedMs, 16 hex digits of the sequence, raw)[nLatest] in application order.
function A.apply(P, ARGV, i, ctx)
  local n, max = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  i = i + 2
  if n > 0 then
    local lk = P .. 'latest'
    local last = redis.call('INCRBY', P .. 'latest:n', n)
    local zadd = {}
    for j = 0, n - 1 do
      local a = i + 3 * j
      zadd[#zadd + 1] = ARGV[a]
      zadd[#zadd + 1] = ARGV[a + 1] .. string.format('%016x', last - n + 1 + j) .. ARGV[a + 2]
    end
    redis.call('ZADD', lk, unpack(zadd))
    redis.call('ZREMRANGEBYRANK', lk, 0, -(max + 1))
    redis.call('EXPIRE', lk, ctx.keyTtl)
    redis.call('EXPIRE', P .. 'latest:n', ctx.keyTtl)
  end
  return i + 3 * n
end

-- Bounded by count; its TTL is refreshed by apply.
function A.expire(P, target, ctx, out)
end

-- Releases before layout versions kept `latest` as a LIST in application order, newest first: those entries
-- become older than anything that arrives later (score 0), in the same order.
function A.migrate(P, from, ctx)
  local lk = P .. 'latest'
  if from ~= nil or redis.call('TYPE', lk)['ok'] ~= 'list' then return end
  local raws = redis.call('LRANGE', lk, 0, -1)
  redis.call('DEL', lk)
  if #raws == 0 then return end
  local n = #raws
  local last = redis.call('INCRBY', P .. 'latest:n', n)
  local zadd = {}
  for j = 1, n do
    zadd[#zadd + 1] = 0
    zadd[#zadd + 1] = '0000000000000000' .. string.format('%016x', last - j + 1) .. raws[j] -- no sequence
  end
  redis.call('ZADD', lk, unpack(zadd))
  redis.call('EXPIRE', lk, ctx.keyTtl)
  redis.call('EXPIRE', P .. 'latest:n', ctx.keyTtl)
end

return A
