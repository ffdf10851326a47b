-- The layout version of the keys under the prefix, converted once (RedisStore::ensureLayout). `layout` holds the
-- version; a prefix without it was written by a release before versions (layouts 1 to 3: the host's `seen` as
-- a ZSET in layout 1, the aggregates' own differences in their migrate functions) or holds nothing yet.
-- ARGV: prefix, current version, keyTtlSeconds, nowSeconds.
-- Returns {version, 0} when current, {version, 1} after converting, {newer version, -1} when a newer release
-- wrote the prefix (nothing is touched: this release must not write there).
local P = ARGV[1]
local current = tonumber(ARGV[2])
local ctx = {keyTtl = ARGV[3], nowS = tonumber(ARGV[4])}
local lk = P .. 'layout'
local v = tonumber(redis.call('GET', lk))
if v == current then
  redis.call('EXPIRE', lk, ctx.keyTtl)
  return {v, 0}
end
if v ~= nil and v > current then return {v, -1} end
if v == nil then migrateSeen(P, ctx.nowS, tonumber(ctx.keyTtl)) end
for _, A in ipairs(AGGREGATES) do
  A.migrate(P, v, ctx)
end
redis.call('SET', lk, string.format('%d', current), 'EX', ctx.keyTtl)
return {current, 1}
