#include "store/redis_store.h"

#include "support/logging.h"
#include "store/store_common.h"

#include <string>
#include <QCryptographicHash>
#include <QRandomGenerator>

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace txpulse {

using namespace storedetail;

namespace {

// The ranking helpers both scripts share (one copy, so the two can never drift apart; the two tiers are
// explained at RedisStore::kRankFloorSatoshis).
const std::string kAddToRankingLua = "local RANK_FLOOR = " + std::to_string(RedisStore::kRankFloorSatoshis) + R"lua(
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
)lua";

// Ranking scores are Redis doubles: exact for integers up to 2^53 satoshis (9.007e15), above the 2.1e15
// of the whole supply, so sums and subtractions never round. Totals are negated so that ZRANGE (ascending
// score, ties by member ascending) yields "descending by satoshis, ties by address ascending" directly.
//
// One batch, atomically, as an optimistic check-and-write: apply() has already classified the batch (late
// against `floor`, duplicates within the batch and against what earlier attempts learned) and aggregated
// what it believes is new: per-minute counts, per-minute address buckets (msgpack, ready to APPEND), per-
// address sums, the new dedupe keys grouped by event minute (msgpack) and the newest latestMax raw messages.
// The script only verifies the two assumptions, so its work is O(distinct keys) plus one SMISMEMBER/SADD of
// the new hashes, not Lua work per output:
//   - the window floor max(expiry marker, nowMinute - W) is `floor`, else it writes nothing and returns
//     {0, actual floor};
//   - none of the new hashes is in `seen` (a SET, pruned by expire() through the s:<event minute> lists),
//     else it writes nothing and returns {1, {0-based positions of the known ones}}.
// apply() then reclassifies and sends again; when both hold it writes everything and returns {2}. A minute
// bucket is a string of msgpack arrays [address, satoshis, ...], one appended per batch: expire() needs its
// pairs once, and a string costs half the memory of a hash.
// Before anything else, the script compares the batch's token with `ack:<writer>`: equal means an earlier
// attempt of this very batch was applied and its reply lost, and it returns {3} (see UnconfirmedApply).
// ARGV: prefix, nowMinute, windowMinutes, floor, keyTtlSeconds, latestMax, nKeys, nMinutes, nAddresses,
//       nLatest, totalSatoshis, nowSeconds, nSeenMinutes, writer id, token, then keys[nKeys],
//       (minute, count, ttl, bucket)[nMinutes], (event minute, ttl, msgpack keys)[nSeenMinutes],
//       addresses[nAddresses], their satoshis (one msgpack array), raw[nLatest] (oldest first)
const std::string kApplyScript = kAddToRankingLua + std::string(R"lua(local P = ARGV[1]
local nowMin = tonumber(ARGV[2])
local W = tonumber(ARGV[3])
local assumed = tonumber(ARGV[4])
local keyTtl = ARGV[5]
local latestMax = tonumber(ARGV[6])
local nKeys, nMin, nAddr, nLatest = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local total = ARGV[11]
local nowS = tonumber(ARGV[12])
local nSeenMin = tonumber(ARGV[13])
local ack, token = P .. 'ack:' .. ARGV[14], ARGV[15]
if redis.call('GET', ack) == token then return {3} end
local marker = P .. 'expired'
migrateSeen(P, nowS, tonumber(keyTtl))
migrateRanking(P, keyTtl)
local E = tonumber(redis.call('GET', marker))
if not E then
  E = nowMin - W
  redis.call('SET', marker, string.format('%d', E))
end
local floor = math.max(E, nowMin - W)
if floor ~= assumed then return {0, floor} end
local k0 = 16
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
local mk = P .. 'minutes'
local m0 = kEnd + 1
for i = m0, m0 + 4 * nMin - 1, 4 do
  local ms, ttl, blob = ARGV[i], ARGV[i + 2], ARGV[i + 3]
  local ck = P .. 'c:' .. ms
  redis.call('INCRBY', ck, ARGV[i + 1])
  redis.call('EXPIRE', ck, ttl)
  redis.call('ZADD', mk, ms, ms)
  if blob ~= '' then
    local bk = P .. 'b:' .. ms
    redis.call('APPEND', bk, blob)
    redis.call('EXPIRE', bk, ttl)
  end
end
local s0 = m0 + 4 * nMin
local smk = P .. 'seen:minutes'
for i = s0, s0 + 3 * nSeenMin - 1, 3 do
  local sk = P .. 's:' .. ARGV[i]
  redis.call('APPEND', sk, ARGV[i + 2])
  redis.call('EXPIRE', sk, ARGV[i + 1])
  redis.call('ZADD', smk, ARGV[i], ARGV[i])
end
local rk = P .. 'rank'
local a0 = s0 + 3 * nSeenMin
-- The satoshis come as one msgpack array: numbers, not nAddr more strings for Lua to intern and convert.
addToRanking(P, ARGV, a0, a0 + nAddr - 1, cmsgpack.unpack(ARGV[a0 + nAddr]), 1 - a0, -1)
if total ~= '0' then redis.call('INCRBY', P .. 'rank:total', total) end
if nLatest > 0 then
  local lk = P .. 'latest'
  local l0 = a0 + nAddr + 1
  redis.call('LPUSH', lk, unpack(ARGV, l0, l0 + nLatest - 1))
  redis.call('LTRIM', lk, 0, latestMax - 1)
  redis.call('EXPIRE', lk, keyTtl)
end
redis.call('SET', ack, token, 'EX', keyTtl)
if nKeys > 0 then
  for _, k in ipairs({rk, P .. 'rank:sum', P .. 'rank:total', P .. 'rank:floor', mk, dk, smk, marker}) do
    redis.call('EXPIRE', k, keyTtl)
  end
else
  redis.call('EXPIRE', marker, keyTtl)
end
return {2}
)lua");

// Moves the ranking window to `target` (minutes <= target leave it): each minute bucket is subtracted once,
// because the marker moves in the same atomic step, whichever process gets there first. When buckets have
// expired by TTL before anyone could subtract them (every aggregator down for longer than the margin), the
// ranking is rebuilt from the buckets still in the window.
// The dedupe keys of event minutes <= target leave `seen` in the same step.
// ARGV: prefix, target, keyTtlSeconds, gapCutoffMs, nowSeconds.  Returns {minutes subtracted, rebuilt 0|1}.
const std::string kExpireScript = kAddToRankingLua + std::string(R"lua(local P = ARGV[1]
local target = tonumber(ARGV[2])
local keyTtl = ARGV[3]
local gapCutoff = tonumber(ARGV[4])
local marker = P .. 'expired'
migrateSeen(P, tonumber(ARGV[5]), tonumber(keyTtl))
migrateRanking(P, keyTtl)
local rk, hk, tk, mk, gk = P .. 'rank', P .. 'rank:sum', P .. 'rank:total', P .. 'minutes', P .. 'gaps'
local E = tonumber(redis.call('GET', marker))
if E ~= nil and target <= E then return {0, 0} end
local subtracted, rebuilt = 0, 0
if E ~= nil then
  local sub, lost, sums = 0, false, {}
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', mk, '-inf', target)) do
    local bk, ck = P .. 'b:' .. m, P .. 'c:' .. m
    if redis.call('EXISTS', ck) == 0 then lost = true end
    sub = sub + readBucket(redis.call('GET', bk), sums)
    redis.call('DEL', bk, ck)
    subtracted = subtracted + 1
  end
  addSumsToRanking(P, sums, 1)
  redis.call('ZREMRANGEBYSCORE', mk, '-inf', target)
  pruneSeen(P, target)
  if sub ~= 0 then redis.call('INCRBY', tk, string.format('%d', -sub)) end
  if lost then
    redis.call('DEL', rk, hk, tk)
    local all, tot = {}, 0
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', mk, '(' .. target, '+inf')) do
      tot = tot + readBucket(redis.call('GET', P .. 'b:' .. m), all)
    end
    addSumsToRanking(P, all, -1)
    redis.call('SET', tk, string.format('%d', tot))
    rebuilt = 1
  end
  for _, g in ipairs(redis.call('ZRANGE', gk, 0, -1)) do
    local to = tonumber(string.match(g, ':(%-?%d+)$'))
    if to and to ~= 0 and to < gapCutoff then redis.call('ZREM', gk, g) end
  end
end
redis.call('SET', marker, string.format('%d', target))
for _, k in ipairs({rk, hk, tk, P .. 'rank:floor', mk, gk, P .. 'seen', P .. 'seen:minutes', marker}) do
  redis.call('EXPIRE', k, keyTtl)
end
return {subtracted, rebuilt}
)lua");

// Replaces the record of a gap with the same start (an open gap being closed), atomically.
// ARGV: prefix, fromMs, "from:to", keyTtlSeconds
constexpr char kGapScript[] = R"lua(
local gk = ARGV[1] .. 'gaps'
redis.call('ZREMRANGEBYSCORE', gk, ARGV[2], ARGV[2])
redis.call('ZADD', gk, ARGV[2], ARGV[3])
redis.call('EXPIRE', gk, ARGV[4])
return 1
)lua";

// The token of the data under the prefix: kept while it exists, created when it is missing (Redis restarted
// empty, flushed, or everything expired). ARGV: prefix, candidate token, keyTtlSeconds. Returns the token.
constexpr char kEpochScript[] = R"lua(
local k = ARGV[1] .. 'epoch'
local v = redis.call('GET', k)
if not v then
  v = ARGV[2]
  redis.call('SET', k, v)
end
redis.call('EXPIRE', k, ARGV[3])
return v
)lua";

struct Script {
    const char *body;
    QByteArray sha;
};

Script g_scripts[] = {{kApplyScript.c_str(), {}}, {kExpireScript.c_str(), {}}, {kGapScript, {}}, {kEpochScript, {}}};
enum ScriptId { ApplyScript = 0, ExpireScript = 1, GapScript = 2, EpochScript = 3 };

const QByteArray &scriptSha(int id)
{
    // Computed locally, so EVALSHA needs no SCRIPT LOAD round trip until Redis says NOSCRIPT.
    static const bool init = [] {
        for (Script &s : g_scripts)
            s.sha = QCryptographicHash::hash(QByteArray(s.body), QCryptographicHash::Sha1).toHex();
        return true;
    }();
    Q_UNUSED(init);
    return g_scripts[id].sha;
}

// The ranking order: most satoshis first, ties by address ascending (what ZRANGE gives on negated totals).
bool rankedBefore(const AddressTotal &a, const AddressTotal &b)
{
    return a.satoshis != b.satoshis ? a.satoshis > b.satoshis : a.address < b.address;
}

Error unexpectedReply(const char *what)
{
    return Error{QStringLiteral("redis.reply"), QStringLiteral("unexpected Redis reply to %1").arg(QLatin1String(what)),
                 false};
}

std::int64_t keyTtlSeconds(const StoreOptions &o)
{
    return std::int64_t(o.windowMinutes) * 60 + kKeyMarginSeconds;
}

// One transaction of a batch as the apply script sees it.
struct ApplyItem {
    std::int64_t minute = 0; // aggregated in
    std::int64_t score = 0;  // kept in `seen` until this minute leaves: its own event minute (later if future)
    bool future = false;
    std::string key;         // dedupeKey(hash)
};

// The msgpack that Redis' cmsgpack.unpack_one reads back in the expire script (big-endian, smallest form).
void msgpackHeader(std::string &out, std::uint64_t n, unsigned char fix, std::uint64_t fixMax, unsigned char c8,
                   unsigned char c16, unsigned char c32)
{
    auto be = [&out](std::uint64_t v, int bytes) {
        for (int b = bytes - 1; b >= 0; --b)
            out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
    };
    if (n <= fixMax) {
        out.push_back(static_cast<char>(fix | n));
    } else if (c8 != 0 && n <= 0xff) {
        out.push_back(static_cast<char>(c8));
        be(n, 1);
    } else if (n <= 0xffff) {
        out.push_back(static_cast<char>(c16));
        be(n, 2);
    } else {
        out.push_back(static_cast<char>(c32));
        be(n, 4);
    }
}

void msgpackArray(std::string &out, std::size_t n)
{
    msgpackHeader(out, n, 0x90, 15, 0, 0xdc, 0xdd);
}

void msgpackString(std::string &out, std::string_view s)
{
    msgpackHeader(out, s.size(), 0xa0, 31, 0xd9, 0xda, 0xdb);
    out.append(s);
}

void msgpackUnsigned(std::string &out, std::uint64_t v)
{
    if (v > 0xffffffffu) {
        out.push_back(static_cast<char>(0xcf));
        for (int b = 7; b >= 0; --b)
            out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
    } else {
        msgpackHeader(out, v, 0x00, 0x7f, 0xcc, 0xcd, 0xce);
    }
}

// The apply script's command for the transactions at `fresh` (indices into batch and items, arrival order).
RedisCommand applyCommand(const QByteArray &prefix, const StoreOptions &options, const std::vector<Transaction> &batch,
                          const std::vector<ApplyItem> &items, const std::vector<std::size_t> &fresh,
                          std::int64_t nowMs, std::int64_t floor, const QByteArray &writer, std::uint64_t token)
{
    // Aggregated here, so the script does work per distinct minute and address rather than per output.
    struct MinuteSums {
        std::int64_t count = 0;
        std::vector<std::pair<std::string_view, std::int64_t>> outputs; // summed per address below
    };
    std::map<std::int64_t, MinuteSums> minutes;
    std::unordered_map<std::string_view, std::int64_t> rank;
    rank.reserve(fresh.size() * 4);
    std::int64_t total = 0;
    for (std::size_t i : fresh) {
        MinuteSums &m = minutes[items[i].minute];
        ++m.count;
        for (const TxOutput &o : batch[i].outputs) {
            if (!o.address || o.value <= 0)
                continue;
            m.outputs.emplace_back(*o.address, o.value);
            rank[*o.address] += o.value;
            total += o.value;
        }
    }
    const std::size_t nLatest = std::min(fresh.size(), std::size_t(kLatestCount));
    // The new dedupe keys by the minute that keeps them in `seen` (almost always one or two per batch).
    std::map<std::int64_t, std::vector<std::string_view>> seenMinutes;
    for (std::size_t i : fresh)
        seenMinutes[items[i].score].push_back(items[i].key);

    const std::int64_t keyTtl = keyTtlSeconds(options);
    RedisCommand cmd{"EVALSHA"};
    cmd.arg(scriptSha(ApplyScript)).arg("0").arg(prefix);
    cmd.argInt(minuteOfMs(nowMs)).argInt(options.windowMinutes).argInt(floor).argInt(keyTtl);
    cmd.argInt(kLatestCount).argInt(std::int64_t(fresh.size())).argInt(std::int64_t(minutes.size()));
    cmd.argInt(std::int64_t(rank.size())).argInt(std::int64_t(nLatest)).argInt(total);
    cmd.argInt(nowMs / 1000).argInt(std::int64_t(seenMinutes.size()));
    cmd.arg(writer).argInt(std::int64_t(token));
    for (std::size_t i : fresh)
        cmd.arg(items[i].key);
    std::unordered_map<std::string_view, std::int64_t> sums;
    std::string bucket;
    for (auto &[minute, m] : minutes) {
        sums.clear();
        for (const auto &[address, satoshis] : m.outputs)
            sums[address] += satoshis;
        bucket.clear();
        if (!sums.empty()) {
            msgpackArray(bucket, 2 * sums.size());
            for (const auto &[address, satoshis] : sums) {
                msgpackString(bucket, address);
                msgpackUnsigned(bucket, std::uint64_t(satoshis));
            }
        }
        cmd.argInt(minute).argInt(m.count).argInt((minute + options.windowMinutes) * 60 + kKeyMarginSeconds - nowMs / 1000);
        cmd.arg(bucket);
    }
    for (const auto &[minute, keys] : seenMinutes) {
        bucket.clear();
        msgpackArray(bucket, keys.size());
        for (std::string_view k : keys)
            msgpackString(bucket, k);
        // As seenListTtl() in the scripts: a backstop one key TTL past the minute's own; expire() deletes first.
        cmd.argInt(minute).argInt(std::max(minute * 60 - nowMs / 1000 + 2 * keyTtl, keyTtl)).arg(bucket);
    }
    for (const auto &entry : rank)
        cmd.arg(entry.first);
    bucket.clear();
    msgpackArray(bucket, rank.size());
    for (const auto &entry : rank)
        msgpackUnsigned(bucket, std::uint64_t(entry.second));
    cmd.arg(bucket);
    for (std::size_t k = fresh.size() - nLatest; k < fresh.size(); ++k)
        cmd.arg(batch[fresh[k]].raw);
    return cmd;
}

} // namespace

RedisStore::RedisStore(RedisConnection connection, const Clock &clock, StoreOptions options)
    : m_clock(clock), m_options(std::move(options)), m_prefix(m_options.prefix.toUtf8()),
      m_writerId(QByteArray::number(QRandomGenerator::system()->generate64(), 16)),
      m_connection(std::move(connection))
{
}

RedisStore::~RedisStore()
{
    m_connection.close();
}

Expected<std::unique_ptr<RedisStore>> RedisStore::open(const RedisUrl &url, const Clock &clock, StoreOptions options,
                                                       RedisConnection::Timeouts timeouts)
{
    if (options.windowMinutes < 1)
        return Error{QStringLiteral("config.window"), QStringLiteral("store window must be at least one minute"), false};
    auto conn = RedisConnection::open(url, timeouts);
    if (!conn)
        return conn.error();
    return std::unique_ptr<RedisStore>(new RedisStore(std::move(*conn), clock, std::move(options)));
}

Expected<std::unique_ptr<RedisStore>> RedisStore::open(const QString &url, const Clock &clock, StoreOptions options,
                                                       RedisConnection::Timeouts timeouts)
{
    auto parsed = RedisUrl::parse(url);
    if (!parsed)
        return parsed.error();
    return open(*parsed, clock, std::move(options), timeouts);
}

QString RedisStore::describe() const
{
    return m_connection.url().masked();
}

Expected<RedisReply> RedisStore::evalScript(int script, const RedisCommand &cmd)
{
    auto reply = m_connection.command(cmd);
    if (!reply && reply.error().code == QLatin1String("redis.noscript")) {
        // A restarted or flushed Redis: load once, then the same EVALSHA again.
        qCInfo(lcRedis) << "loading Lua script" << scriptSha(script) << "into" << describe();
        auto loaded = m_connection.command(RedisCommand{"SCRIPT", "LOAD", g_scripts[script].body});
        if (!loaded)
            return loaded.error();
        reply = m_connection.command(cmd);
    }
    return reply;
}

Expected<ApplyResult> RedisStore::apply(const std::vector<Transaction> &batch)
{
    if (batch.empty())
        return ApplyResult{};
    const std::int64_t nowMs = m_clock.nowMs();
    const std::int64_t nowMinute = minuteOfMs(nowMs);

    std::vector<ApplyItem> items(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        ApplyItem &it = items[i];
        it.minute = effectiveMinute(batch[i], nowMs, &it.future);
        it.score = it.future ? batch[i].minute() : it.minute;
        it.key = dedupeKey(batch[i].hash);
    }
    // FNV-1a over the dedupe keys identifies the batch when the aggregator sends a failed one again: that send
    // reuses the token of the unconfirmed attempt. Computed only when an attempt failed (every byte of the keys,
    // so not on each batch): to recognise the resend, and to record a failed attempt.
    const auto fingerprintOf = [&items] {
        std::uint64_t h = 14695981039346656037ull;
        for (const ApplyItem &it : items) {
            for (const char c : it.key)
                h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        }
        return h;
    };
    std::optional<std::uint64_t> fingerprint;
    if (m_unconfirmed)
        fingerprint = fingerprintOf();
    const std::uint64_t token =
        m_unconfirmed && m_unconfirmed->fingerprint == *fingerprint ? m_unconfirmed->token : ++m_lastToken;

    // Hashes Redis reported as already counted, over the attempts of this call. Only ever grows: a hash that
    // left `seen` since is late now (expire() prunes it with its minute), which the floor check catches.
    std::unordered_set<std::string_view> known;
    std::int64_t floor = std::max(m_floorHint, nowMinute - m_options.windowMinutes);
    for (int attempt = 0; attempt < kApplyAttempts; ++attempt) {
        ApplyResult r;
        std::vector<std::size_t> fresh;
        fresh.reserve(items.size());
        std::unordered_set<std::string_view> inBatch;
        inBatch.reserve(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            const ApplyItem &it = items[i];
            if (it.minute <= floor) {
                ++r.late;
            } else if (known.count(it.key) || !inBatch.insert(it.key).second) {
                ++r.duplicates;
            } else {
                fresh.push_back(i);
                ++r.applied;
                r.future += it.future;
            }
        }
        auto reply = evalScript(ApplyScript, applyCommand(m_prefix, m_options, batch, items, fresh, nowMs, floor,
                                                          m_writerId, token));
        if (!reply) {
            m_unconfirmed = UnconfirmedApply{fingerprint ? *fingerprint : fingerprintOf(), token, r};
            return reply.error();
        }
        if (reply->type != RedisReply::Type::Array || reply->elements.empty())
            return unexpectedReply("the apply script");
        const std::int64_t status = reply->elements[0].toInt(-1);
        if (status == 2) {
            m_unconfirmed.reset();
            return r;
        }
        if (status == 3 && m_unconfirmed && m_unconfirmed->token == token) { // applied; only the reply was lost
            const ApplyResult lost = m_unconfirmed->result;
            m_unconfirmed.reset();
            return lost;
        }
        if (status == 0 && reply->elements.size() == 2) { // the expiry marker moved: classify late again
            floor = reply->elements[1].toInt();
            m_floorHint = floor;
        } else if (status == 1 && reply->elements.size() == 2) { // another writer counted some of them
            for (const RedisReply &at : reply->elements[1].elements) {
                const std::int64_t j = at.toInt(-1);
                if (j < 0 || std::size_t(j) >= fresh.size())
                    return unexpectedReply("the apply script");
                known.insert(items[fresh[std::size_t(j)]].key);
            }
        } else {
            return unexpectedReply("the apply script");
        }
    }
    return Error{QStringLiteral("redis.contention"),
                 QStringLiteral("the apply script found the batch changed by other writers %1 times in a row")
                     .arg(kApplyAttempts),
                 true};
}

Expected<void> RedisStore::recordGap(const Gap &gap)
{
    const std::int64_t chartSeconds = std::int64_t(std::max(m_options.windowMinutes, kChartWindowMinutes)) * 60;
    RedisCommand cmd{"EVALSHA"};
    cmd.arg(scriptSha(GapScript)).arg("0").arg(m_prefix).argInt(gap.fromMs);
    cmd.arg(std::to_string(gap.fromMs) + ':' + std::to_string(gap.toMs)).argInt(chartSeconds + kKeyMarginSeconds);
    auto reply = evalScript(GapScript, cmd);
    if (!reply)
        return reply.error();
    return {};
}

Expected<void> RedisStore::expire()
{
    const std::int64_t nowMs = m_clock.nowMs();
    const std::int64_t gapCutoffMs =
        (minuteOfMs(nowMs) - std::max(m_options.windowMinutes, kChartWindowMinutes)) * 60'000;
    RedisCommand cmd{"EVALSHA"};
    cmd.arg(scriptSha(ExpireScript)).arg("0").arg(m_prefix);
    const std::int64_t target = windowFloor(nowMs, m_options.windowMinutes);
    cmd.argInt(target).argInt(keyTtlSeconds(m_options)).argInt(gapCutoffMs).argInt(nowMs / 1000);
    auto reply = evalScript(ExpireScript, cmd);
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::Array || reply->elements.size() != 2)
        return unexpectedReply("the expire script");
    m_floorHint = std::max(m_floorHint, target);
    if (reply->elements[1].toInt() != 0) {
        ++m_rebuilds;
        qCWarning(lcRedis) << "minute buckets expired before they were subtracted (no aggregator ran for over"
                           << kKeyMarginSeconds << "s); rebuilt the address ranking from the window";
    }
    return {};
}

Expected<bool> RedisStore::checkDataLost()
{
    const QByteArray candidate = QByteArray::number(QRandomGenerator::system()->generate64(), 16);
    RedisCommand cmd{"EVALSHA"};
    cmd.arg(scriptSha(EpochScript)).arg("0").arg(m_prefix).arg(candidate).argInt(keyTtlSeconds(m_options));
    auto reply = evalScript(EpochScript, cmd);
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::String)
        return unexpectedReply("the epoch script");
    const bool lost = m_epoch.isEmpty() ? reply->str == candidate : reply->str != m_epoch;
    if (lost && !m_epoch.isEmpty())
        qCWarning(lcRedis) << "the aggregates under" << m_prefix << "in" << describe()
                           << "are gone (Redis restarted empty or was flushed)";
    m_epoch = reply->str;
    return lost;
}

Expected<std::vector<AddressTotal>> RedisStore::readAllTotals()
{
    RedisCommand cmd{"HGETALL"};
    cmd.arg(m_prefix + "rank:sum");
    auto reply = m_connection.command(cmd);
    if (!reply)
        return reply.error();
    if (reply->isError())
        return reply->toError();
    if (reply->type != RedisReply::Type::Array)
        return unexpectedReply("HGETALL rank:sum");
    std::vector<AddressTotal> all;
    all.reserve(reply->elements.size() / 2);
    for (std::size_t i = 0; i + 1 < reply->elements.size(); i += 2)
        all.push_back(AddressTotal{reply->elements[i].str.toStdString(), reply->elements[i + 1].toInt()});
    return all;
}

Expected<StoreView> RedisStore::read(const ReadRequest &request)
{
    StoreView v;
    v.nowMs = m_clock.nowMs();
    const std::int64_t nowMinute = minuteOfMs(v.nowMs);
    const int n = clampMinutes(request.minutes);
    const std::int64_t first = nowMinute - n + 1;
    const std::int64_t floor = windowFloor(v.nowMs, m_options.windowMinutes);
    const int topN = std::max(0, request.topN);
    const QByteArray p = m_prefix;

    std::vector<RedisCommand> cmds(6);
    cmds[0].arg("MGET");
    for (std::int64_t m = first; m <= nowMinute; ++m)
        cmds[0].arg(p + "c:" + QByteArray::number(m));
    // The members at or above this release's floor only (scores are negated totals): a member below it, left
    // by an older release still writing to the prefix, must not stand in for a larger address outside `rank`.
    cmds[1] = RedisCommand{"ZRANGE"};
    cmds[1].arg(p + "rank").arg("-inf").argInt(-RedisStore::kRankFloorSatoshis).arg("BYSCORE").arg("LIMIT").arg("0");
    cmds[1].argInt(topN).arg("WITHSCORES");
    cmds[2] = RedisCommand{"HLEN"};
    cmds[2].arg(p + "rank:sum");
    cmds[3] = RedisCommand{"GET"};
    cmds[3].arg(p + "rank:total");
    cmds[4] = RedisCommand{"LRANGE"};
    cmds[4].arg(p + "latest").argInt(0).argInt(kLatestCount - 1);
    cmds[5] = RedisCommand{"ZRANGE"};
    cmds[5].arg(p + "gaps").argInt(0).argInt(-1);
    auto replies = m_connection.pipeline(cmds);
    if (!replies)
        return replies.error();
    for (const RedisReply &r : *replies)
        if (r.isError())
            return r.toError();
    const auto &counts = (*replies)[0];
    const auto &top = (*replies)[1];
    const auto &latest = (*replies)[4];
    const auto &gaps = (*replies)[5];
    if (counts.type != RedisReply::Type::Array || counts.elements.size() != std::size_t(n)
        || top.type != RedisReply::Type::Array || latest.type != RedisReply::Type::Array
        || gaps.type != RedisReply::Type::Array)
        return unexpectedReply("read");

    for (const RedisReply &g : gaps.elements) {
        const int colon = g.str.indexOf(':');
        if (colon < 0)
            continue;
        const Gap gap{g.str.left(colon).toLongLong(), g.str.mid(colon + 1).toLongLong()};
        if (gapOverlaps(gap, first * 60'000, (nowMinute + 1) * 60'000, v.nowMs))
            v.gaps.push_back(gap);
    }
    v.minutes.reserve(std::size_t(n));
    for (int i = 0; i < n; ++i) {
        MinuteBucket b;
        b.minute = first + i;
        if (b.minute > floor) // not yet removed by expire(), but outside the window all the same
            b.count = counts.elements[std::size_t(i)].toInt();
        if (b.count == 0)
            b.gap = std::any_of(v.gaps.begin(), v.gaps.end(), [&](const Gap &g) {
                return gapOverlaps(g, b.minute * 60'000, (b.minute + 1) * 60'000, v.nowMs);
            });
        v.minutes.push_back(b);
    }
    v.rankedAddresses = (*replies)[2].toInt();
    if (topN > 0) {
        const std::int64_t fromRank = std::int64_t(top.elements.size() / 2);
        if (fromRank < topN && v.rankedAddresses > fromRank) {
            // Fewer than topN addresses at or above the floor: the rest of the answer is below it, in `rank:sum`.
            auto all = readAllTotals();
            if (!all)
                return all.error();
            const std::size_t k = std::min(all->size(), std::size_t(topN));
            std::partial_sort(all->begin(), all->begin() + std::ptrdiff_t(k), all->end(), rankedBefore);
            all->resize(k);
            v.top = std::move(*all);
        } else {
            v.top.reserve(std::size_t(fromRank));
            for (std::size_t i = 0; i + 1 < top.elements.size(); i += 2)
                v.top.push_back(AddressTotal{top.elements[i].str.toStdString(), -top.elements[i + 1].toInt()});
        }
    }
    v.rankedSatoshis = (*replies)[3].toInt();
    v.latest.reserve(latest.elements.size());
    for (const RedisReply &r : latest.elements)
        v.latest.push_back(r.str);
    return v;
}

} // namespace txpulse
