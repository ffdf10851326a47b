-- One batch, atomically, as an optimistic check-and-write (RedisStore::apply). apply() has already classified
-- the batch (late against `floor`, duplicates within the batch and against what earlier attempts learned) and
-- each aggregate has encoded what it believes is new. The script only verifies the two assumptions, so its work
-- is O(distinct keys) plus one SMISMEMBER/SADD of the new hashes:
--   - the window floor max(expiry marker, nowMinute - W) is `floor`, else it writes nothing and returns
--     {0, actual floor};
--   - none of the new hashes is in `seen` (a SET, pruned by expire through the s:<event minute> lists), else it
--     writes nothing and returns {1, {0-based positions of the known ones}}.
-- When both hold it writes the dedupe state, runs every aggregate's apply on its own arguments and returns {2}.
-- Before anything else, it compares the batch's token with `ack:<writer>`: equal means an earlier attempt of
-- this very batch was applied and its reply lost, and it returns {3} (RedisStore::UnconfirmedApply).
-- ARGV: prefix, nowMinute, windowMinutes, floor, keyTtlSeconds, nowSeconds, nKeys, nSeenMinutes, writer id,
--       token, then keys[nKeys], (event minute, ttl, msgpack keys)[nSeenMinutes], then each aggregate's
--       arguments in AGGREGATES order.
local P = ARGV[1]
local ctx = {nowMin = tonumber(ARGV[2]), W = tonumber(ARGV[3]), keyTtl = ARGV[5], nowS = tonumber(ARGV[6]),
             nKeys = tonumber(ARGV[7])}
local assumed = tonumber(ARGV[4])
local nKeys, nSeenMin = ctx.nKeys, tonumber(ARGV[8])
local ack, token = P .. 'ack:' .. ARGV[9], ARGV[10]
if redis.call('GET', ack) == token then return {3} end
local marker = P .. 'expired'
local E = tonumber(redis.call('GET', marker))
if not E then
  E = ctx.nowMin - ctx.W
  redis.call('SET', marker, string.format('%d', E))
end
local floor = math.max(E, ctx.nowMin - ctx.W)
if floor ~= assumed then return {0, floor} end
local k0 = 11
local kEnd = k0 + nKeys - 1
local dk = P .. 'seen'
local known = {}
for c = k0, kEnd, 1000 do
  local last = math.min(c + 999, kEnd)
  local member = redis.call('SMISMEMBER', dk, unpack(ARGV, c, last))
  for j = c, last do
    if member[j - c + 1] == 1 then known[#known + 1] = j - k0 end
  end
end
if #known > 0 then return {1, known} end
for c = k0, kEnd, 1000 do
  redis.call('SADD', dk, unpack(ARGV, c, math.min(c + 999, kEnd)))
end
local smk = P .. 'seen:minutes'
local i = writeMinuteKeys(P, ARGV, kEnd + 1, nSeenMin, 's:', 'seen:minutes', appendTo)
for _, A in ipairs(AGGREGATES) do
  i = A.apply(P, ARGV, i, ctx)
end
redis.call('SET', ack, token, 'EX', ctx.keyTtl)
if nKeys > 0 then
  for _, k in ipairs({dk, smk, marker}) do redis.call('EXPIRE', k, ctx.keyTtl) end
else
  redis.call('EXPIRE', marker, ctx.keyTtl)
end
return {2}
