-- Moves the window to `target` (minutes <= target leave it), atomically: each aggregate's expire runs once per
-- minute because the marker moves in the same step, whichever process gets there first. The dedupe keys of
-- event minutes <= target leave `seen`, and gaps that ended before the chart window are dropped.
-- ARGV: prefix, target, keyTtlSeconds, gapCutoffMs, nowSeconds.
-- Returns {minutes subtracted, ranking rebuilt 0|1} (what the aggregates report in `out`).
local P = ARGV[1]
local target = tonumber(ARGV[2])
local ctx = {keyTtl = ARGV[3], nowS = tonumber(ARGV[5])}
local gapCutoff = tonumber(ARGV[4])
local marker, gk = P .. 'expired', P .. 'gaps'
local E = tonumber(redis.call('GET', marker))
if E ~= nil and target <= E then return {0, 0} end
-- No marker: nothing was applied under the prefix yet, so there is nothing to subtract.
ctx.first = E == nil
local out = {subtracted = 0, rebuilt = 0}
for _, A in ipairs(AGGREGATES) do
  A.expire(P, target, ctx, out)
end
if not ctx.first then
  pruneSeen(P, target)
  for _, g in ipairs(redis.call('ZRANGE', gk, 0, -1)) do
    local to = tonumber(string.match(g, ':(%-?%d+)$'))
    if to and to ~= 0 and to < gapCutoff then redis.call('ZREM', gk, g) end
  end
end
redis.call('SET', marker, string.format('%d', target))
for _, k in ipairs({gk, P .. 'seen', P .. 'seen:minutes', marker, P .. 'layout'}) do
  redis.call('EXPIRE', k, ctx.keyTtl)
end
return {out.subtracted, out.rebuilt}
