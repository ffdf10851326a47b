-- The address ranking (AddressRanking, whose header explains the two tiers and the keys).
-- A chunk of the scripts RedisStore composes (store/lua/): it returns its apply, expire and migrate functions.
local RANK_FLOOR = 10000000 -- AddressRanking::kRankFloorSatoshis (tst_redis_store checks they agree)
local A = {}

-- names[first..last] are addresses, deltas[j + dOff] the satoshis of names[j]; sign -1 adds to the totals, +1
-- subtracts. Per 1000 addresses one HMGET, one HSET and, for totals at or above the floor (or falling below
-- it), one ZADD and one ZREM, instead of a command per address: the per-call cost dominates otherwise. Values
-- are formatted as integers ('%d' is far cheaper in Redis than the '%.17g' it would use for a Lua number).
local function addToRanking(P, names, first, last, deltas, dOff, sign)
  local rk, hk = P .. 'rank', P .. 'rank:sum'
  for c = first, last, 1000 do
    local e = math.min(c + 999, last)
    local old = redis.call('HMGET', hk, unpack(names, c, e))
    local hset, hdel, zadd, zrem = {}, {}, {}, {}
    for j = c, e do
      local o = tonumber(old[j - c + 1]) or 0
      local t = o - sign * tonumber(deltas[j + dOff])
      local a = names[j]
      if t > 0 then
        hset[#hset + 1] = a
        hset[#hset + 1] = string.format('%d', t)
      else
        hdel[#hdel + 1] = a
      end
      if t >= RANK_FLOOR then
        zadd[#zadd + 1] = string.format('%d', -t)
        zadd[#zadd + 1] = a
      elseif o >= RANK_FLOOR then
        zrem[#zrem + 1] = a
      end
    end
    if #hset > 0 then redis.call('HSET', hk, unpack(hset)) end
    if #hdel > 0 then redis.call('HDEL', hk, unpack(hdel)) end
    if #zadd > 0 then redis.call('ZADD', rk, unpack(zadd)) end
    if #zrem > 0 then redis.call('ZREM', rk, unpack(zrem)) end
  end
end
local function addSumsToRanking(P, sums, sign)
  local names, deltas = {}, {}
  for a, v in pairs(sums) do
    names[#names + 1] = a
    deltas[#deltas + 1] = v
  end
  addToRanking(P, names, 1, #names, deltas, 0, sign)
end
-- `rank:floor` is the floor `rank` was built with; missing means 1,000,000 (the first two-tier release) or no
-- ranking yet. A higher floor now drops the members below it; a lower one adds from `rank:sum` what reaches it.
local function migrateRankFloor(P, keyTtl)
  local fk = P .. 'rank:floor'
  local was = tonumber(redis.call('GET', fk))
  if was == RANK_FLOOR then return end
  local rk, hk = P .. 'rank', P .. 'rank:sum'
  if was == nil or was < RANK_FLOOR then
    redis.call('ZREMRANGEBYSCORE', rk, '(' .. string.format('%d', -RANK_FLOOR), '+inf')
  else
    local cursor = '0'
    repeat
      local page = redis.call('HSCAN', hk, cursor, 'COUNT', 1000)
      cursor = page[1]
      local zadd = {}
      for j = 1, #page[2], 2 do
        local t = tonumber(page[2][j + 1])
        if t >= RANK_FLOOR and t < was then
          zadd[#zadd + 1] = string.format('%d', -t)
          zadd[#zadd + 1] = page[2][j]
        end
      end
      if #zadd > 0 then redis.call('ZADD', rk, unpack(zadd)) end
    until cursor == '0'
  end
  redis.call('SET', fk, string.format('%d', RANK_FLOOR), 'EX', keyTtl)
end
-- Layout 2 kept every address in the `rank` ZSET: fill `rank:sum` from it and drop the members below the floor,
-- once. (`rank` without `rank:sum` only happens there: in layout 3 every member of `rank` is in `rank:sum`.)
-- Then the floor of `rank` is brought to this release's.
local function migrateRanking(P, keyTtl)
  local rk, hk = P .. 'rank', P .. 'rank:sum'
  if redis.call('EXISTS', hk) == 0 and redis.call('EXISTS', rk) == 1 then
    local flat = redis.call('ZRANGE', rk, 0, -1, 'WITHSCORES')
    for c = 1, #flat, 2000 do
      local args = {}
      for j = c, math.min(c + 1999, #flat), 2 do
        local t = -tonumber(flat[j + 1])
        if t > 0 then
          args[#args + 1] = flat[j]
          args[#args + 1] = string.format('%d', t)
        end
      end
      if #args > 0 then redis.call('HSET', hk, unpack(args)) end
    end
    redis.call('ZREMRANGEBYSCORE', rk, '(' .. string.format('%d', -RANK_FLOOR), '+inf')
    redis.call('EXPIRE', hk, keyTtl)
  end
  migrateRankFloor(P, keyTtl)
end
-- The (address, satoshis) pairs of one minute bucket, summed: a string of msgpack arrays, one per batch.
local function readBucket(blob, sums)
  local total, off = 0, 0
  if not blob then return 0 end
  while off >= 0 do
    local nextOff, flat = cmsgpack.unpack_one(blob, off)
    off = nextOff
    if flat then
      for j = 1, #flat, 2 do
        sums[flat[j]] = (sums[flat[j]] or 0) + flat[j + 1]
        total = total + flat[j + 1]
      end
    end
  end
  return total
end

-- ARGV[i] = nMinutes, total, nAddresses, then (minute, ttl, bucket)[nMinutes], addresses[nAddresses], their
-- satoshis (one msgpack array: numbers, not nAddresses more strings for Lua to intern and convert).
-- A minute bucket is a string of msgpack arrays [address, satoshis, ...], one appended per batch: expire()
-- needs its pairs once, and a string costs half the memory of a hash.
function A.apply(P, ARGV, i, ctx)
  local nMin, total, nAddr = tonumber(ARGV[i]), ARGV[i + 1], tonumber(ARGV[i + 2])
  i = writeMinuteKeys(P, ARGV, i + 3, nMin, 'b:', 'rank:minutes', appendTo)
  if nAddr > 0 then
    addToRanking(P, ARGV, i, i + nAddr - 1, cmsgpack.unpack(ARGV[i + nAddr]), 1 - i, -1)
  end
  if total ~= '0' then redis.call('INCRBY', P .. 'rank:total', total) end
  if ctx.nKeys > 0 then
    for _, k in ipairs({'rank', 'rank:sum', 'rank:total', 'rank:floor', 'rank:minutes'}) do
      redis.call('EXPIRE', P .. k, ctx.keyTtl)
    end
  end
  return i + nAddr + 1
end

-- Moves the ranking to the window after `target`: each minute bucket <= target is subtracted once, because the
-- host moves its marker in the same atomic step, whichever process gets there first. When buckets expired by
-- TTL before anyone could subtract them (every aggregator down for longer than the margin), the ranking is
-- rebuilt from the buckets still in the window (out.rebuilt = 1).
function A.expire(P, target, ctx, out)
  local rk, hk, tk, rmk = P .. 'rank', P .. 'rank:sum', P .. 'rank:total', P .. 'rank:minutes'
  if not ctx.first then
    local sub, lost, sums = 0, false, {}
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', rmk, '-inf', target)) do
      local bk = P .. 'b:' .. m
      local blob = redis.call('GET', bk)
      if not blob then lost = true end
      sub = sub + readBucket(blob, sums)
      redis.call('DEL', bk)
    end
    addSumsToRanking(P, sums, 1)
    redis.call('ZREMRANGEBYSCORE', rmk, '-inf', target)
    if sub ~= 0 then redis.call('INCRBY', tk, string.format('%d', -sub)) end
    if lost then
      redis.call('DEL', rk, hk, tk)
      local all, tot = {}, 0
      for _, m in ipairs(redis.call('ZRANGEBYSCORE', rmk, '(' .. target, '+inf')) do
        tot = tot + readBucket(redis.call('GET', P .. 'b:' .. m), all)
      end
      addSumsToRanking(P, all, -1)
      redis.call('SET', tk, string.format('%d', tot))
      out.rebuilt = 1
    end
  end
  for _, k in ipairs({rk, hk, tk, P .. 'rank:floor', rmk}) do
    redis.call('EXPIRE', k, ctx.keyTtl)
  end
end

-- From a prefix without a layout version (the releases before it): layout 2's all-address `rank`, a `rank`
-- built with another floor, and no `rank:minutes` (the minutes with a bucket were found through `minutes`).
function A.migrate(P, from, ctx)
  if from ~= nil then return end
  migrateRanking(P, ctx.keyTtl)
  local rmk = P .. 'rank:minutes'
  for _, m in ipairs(redis.call('ZRANGE', P .. 'minutes', 0, -1)) do
    if redis.call('EXISTS', P .. 'b:' .. m) == 1 then redis.call('ZADD', rmk, m, m) end
  end
  redis.call('EXPIRE', rmk, ctx.keyTtl)
end

return A
