-- What the store host's scripts share (RedisStore composes: this, then every aggregate's chunk as AGGREGATES,
-- then the script's own body).
-- For n (minute, ttl, value) triples from ARGV[i]: write(key, value) on the key P .. kind .. minute, its TTL, and
-- the minute in the ZSET P .. index. Every per-minute key (the dedupe lists, the aggregates') is written so.
-- Returns the index after the triples.
local function writeMinuteKeys(P, ARGV, i, n, kind, index, write)
  local ik = P .. index
  for j = i, i + 3 * n - 1, 3 do
    local k = P .. kind .. ARGV[j]
    write(k, ARGV[j + 2])
    redis.call('EXPIRE', k, ARGV[j + 1])
    redis.call('ZADD', ik, ARGV[j], ARGV[j])
  end
  return i + 3 * n
end
local function appendTo(k, v) redis.call('APPEND', k, v) end

-- Dedupe: `seen` is a SET of dedupe keys (one O(1) lookup per hash, whatever minute it was counted in);
-- `s:<minute>` holds the keys whose event minute that is (msgpack arrays of strings, one appended per batch) so
-- expire() can remove them from `seen` when the minute leaves; `seen:minutes` is the ZSET of those minutes.
-- The TTL of s:<m> outlasts its minute by one more key TTL: it is a backstop, expire() deletes it first.
local function seenListTtl(m, nowS, keyTtl)
  return math.max(tonumber(m) * 60 - nowS + 2 * keyTtl, keyTtl)
end
-- Layout 1 kept `seen` as a ZSET dedupe key -> minute: convert it in place, once (same key name, so a process
-- still running the old script fails with WRONGTYPE instead of counting a hash twice).
local function migrateSeen(P, nowS, keyTtl)
  local dk = P .. 'seen'
  if redis.call('TYPE', dk)['ok'] ~= 'zset' then return end
  local groups = {}
  local flat = redis.call('ZRANGE', dk, 0, -1, 'WITHSCORES')
  for j = 1, #flat, 2 do
    local m = string.format('%d', tonumber(flat[j + 1]))
    local g = groups[m]
    if not g then
      g = {}
      groups[m] = g
    end
    g[#g + 1] = flat[j]
  end
  redis.call('DEL', dk)
  for m, g in pairs(groups) do
    for c = 1, #g, 1000 do redis.call('SADD', dk, unpack(g, c, math.min(c + 999, #g))) end
    local sk = P .. 's:' .. m
    redis.call('APPEND', sk, cmsgpack.pack(g))
    redis.call('EXPIRE', sk, seenListTtl(m, nowS, keyTtl))
    redis.call('ZADD', P .. 'seen:minutes', m, m)
  end
  redis.call('EXPIRE', dk, keyTtl)
  redis.call('EXPIRE', P .. 'seen:minutes', keyTtl)
end
-- Forgets the dedupe keys of the event minutes <= target.
local function pruneSeen(P, target)
  local dk, mk = P .. 'seen', P .. 'seen:minutes'
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', mk, '-inf', target)) do
    local sk = P .. 's:' .. m
    local blob = redis.call('GET', sk)
    local off = 0
    while blob and off >= 0 do
      local nextOff, keys = cmsgpack.unpack_one(blob, off)
      off = nextOff
      if keys then
        for c = 1, #keys, 1000 do redis.call('SREM', dk, unpack(keys, c, math.min(c + 999, #keys))) end
      end
    end
    redis.call('DEL', sk)
  end
  redis.call('ZREMRANGEBYSCORE', mk, '-inf', target)
end
