-- The per-minute counts (MinuteCounts). Keys: c:<minute> (count), `minutes` (ZSET of the minutes with a count).
-- A chunk of the scripts RedisStore composes (store/lua/): it returns its apply, expire and migrate functions.
local A = {}

local function incrementBy(k, v) redis.call('INCRBY', k, v) end

-- ARGV[i] = nMinutes, then (minute, ttl, count) per minute. Returns the index after its arguments.
function A.apply(P, ARGV, i, ctx)
  local n = tonumber(ARGV[i])
  if n == 0 then return i + 1 end
  i = writeMinuteKeys(P, ARGV, i + 1, n, 'c:', 'minutes', incrementBy)
  redis.call('EXPIRE', P .. 'minutes', ctx.keyTtl)
  return i
end

-- The minutes <= target leave the window.
function A.expire(P, target, ctx, out)
  local mk = P .. 'minutes'
  if not ctx.first then
    local gone = redis.call('ZRANGEBYSCORE', mk, '-inf', target)
    for c = 1, #gone, 1000 do
      local del = {}
      for j = c, math.min(c + 999, #gone) do del[#del + 1] = P .. 'c:' .. gone[j] end
      redis.call('DEL', unpack(del))
    end
    redis.call('ZREMRANGEBYSCORE', mk, '-inf', target)
    out.subtracted = #gone
  end
  redis.call('EXPIRE', mk, ctx.keyTtl)
end

-- Nothing to convert: the layout of these keys has not changed since the first release.
function A.migrate(P, from, ctx)
end

return A
