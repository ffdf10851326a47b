#include "redis_store.h"

#include "logging.h"
#include "store_common.h"

#include <string>
#include <QCryptographicHash>
#include <QRandomGenerator>

#include <algorithm>

namespace txpulse {

using namespace storedetail;

namespace {

// The ranking helper both scripts share (one copy, so the two can never drift apart).
constexpr char kAddToRankingLua[] = R"lua(
-- sums: address -> satoshis; sign -1 adds to the (negated) ranking, +1 subtracts. Two commands per 1000
-- addresses (ZMSCORE, then one ZADD) instead of one ZINCRBY each: the per-call cost dominates otherwise.
local function addToRanking(rk, sums, sign)
  local names = {}
  for a, _ in pairs(sums) do names[#names + 1] = a end
  for c = 1, #names, 1000 do
    local chunk = {}
    for j = c, math.min(c + 999, #names) do chunk[#chunk + 1] = names[j] end
    local old = redis.call('ZMSCORE', rk, unpack(chunk))
    local args = {}
    for j, a in ipairs(chunk) do
      args[#args + 1] = string.format('%d', (tonumber(old[j]) or 0) + sign * sums[a])
      args[#args + 1] = a
    end
    redis.call('ZADD', rk, unpack(args))
  end
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
// One batch, atomically: late check against the expiry marker, dedupe against the `seen` ZSET (hash ->
// minute; one ZMSCORE and one ZADD per batch instead of a SET NX per transaction: 3x the throughput; pruned
// by expire() with its minute, so a hash is known for as long as it is not late), then per-minute and
// per-address sums aggregated in Lua tables before they touch Redis (one INCRBY and one APPEND per minute,
// ZMSCORE + ZADD per 1000 addresses). A minute bucket is a string of msgpack arrays [address, satoshis, ...],
// one appended per batch: expire() needs its pairs once, and a string costs half the memory of a hash.
// ARGV: prefix, nowMinute, windowMinutes, nowSeconds, marginSeconds, latestCount,
//       then per transaction: dedupeKey, minute, eventMinute (only when clamped as future, else empty), raw,
//       nOutputs, (address, satoshis) * nOutputs
const std::string kApplyScript = kAddToRankingLua + std::string(R"lua(local P = ARGV[1]
local nowMin = tonumber(ARGV[2])
local W = tonumber(ARGV[3])
local nowSec = tonumber(ARGV[4])
local margin = tonumber(ARGV[5])
local latestMax = tonumber(ARGV[6])
local keyTtl = W * 60 + margin
local marker = P .. 'expired'
local E = tonumber(redis.call('GET', marker))
if not E then
  E = nowMin - W
  redis.call('SET', marker, string.format('%d', E))
end
local floor = math.max(E, nowMin - W)
local applied, dups, late, future = 0, 0, 0, 0
local counts, buckets, rank, latest = {}, {}, {}, {}
local total = 0
-- Pass 1: positions of the transactions that are not late, and their dedupe keys.
local cand, ckeys = {}, {}
local i, n = 7, #ARGV
while i <= n do
  local minute, nout = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 4])
  if minute <= floor then
    late = late + 1
  else
    cand[#cand + 1] = i
    ckeys[#ckeys + 1] = ARGV[i]
  end
  i = i + 5 + 2 * nout
end
-- Pass 2: which are known (one ZMSCORE per 1000), then aggregate the new ones in arrival order.
local dk = P .. 'seen'
local known, fresh = {}, {}
for c = 1, #ckeys, 1000 do
  local last = math.min(c + 999, #ckeys)
  local scores = redis.call('ZMSCORE', dk, unpack(ckeys, c, last))
  for j = c, last do
    if scores[j - c + 1] then known[ckeys[j]] = true end
  end
end
for _, at in ipairs(cand) do
  local key, minute, fut, raw, nout = ARGV[at], tonumber(ARGV[at + 1]), ARGV[at + 2], ARGV[at + 3], tonumber(ARGV[at + 4])
  if known[key] then
    dups = dups + 1
  else
    known[key] = true
    -- A future event is aggregated in the current minute but remembered until its own minute leaves, so a
    -- redelivery after its time has come is still a duplicate.
    fresh[#fresh + 1] = fut ~= '' and fut or string.format('%d', minute)
    fresh[#fresh + 1] = key
    applied = applied + 1
    if fut ~= '' then future = future + 1 end
    counts[minute] = (counts[minute] or 0) + 1
    local b = buckets[minute]
    if not b then b = {}; buckets[minute] = b end
    local o = at + 5
    for j = o, o + 2 * nout - 1, 2 do
      local a, v = ARGV[j], tonumber(ARGV[j + 1])
      b[a] = (b[a] or 0) + v
      rank[a] = (rank[a] or 0) + v
      total = total + v
    end
    latest[#latest + 1] = raw
  end
end
for c = 1, #fresh, 2000 do
  redis.call('ZADD', dk, unpack(fresh, c, math.min(c + 1999, #fresh)))
end
local mk = P .. 'minutes'
for m, c in pairs(counts) do
  local ttl = string.format('%d', (m + W) * 60 + margin - nowSec)
  local ms = string.format('%d', m)
  local ck = P .. 'c:' .. ms
  redis.call('INCRBY', ck, c)
  redis.call('EXPIRE', ck, ttl)
  redis.call('ZADD', mk, ms, ms)
  local flat = {}
  for a, v in pairs(buckets[m]) do
    flat[#flat + 1] = a
    flat[#flat + 1] = v
  end
  if #flat > 0 then
    local bk = P .. 'b:' .. ms
    redis.call('APPEND', bk, cmsgpack.pack(flat))
    redis.call('EXPIRE', bk, ttl)
  end
end
local rk = P .. 'rank'
addToRanking(rk, rank, -1)
if total ~= 0 then redis.call('INCRBY', P .. 'rank:total', string.format('%d', total)) end
if #latest > 0 then
  local lk = P .. 'latest'
  local from = math.max(1, #latest - latestMax + 1)
  redis.call('LPUSH', lk, unpack(latest, from, #latest))
  redis.call('LTRIM', lk, 0, latestMax - 1)
  redis.call('EXPIRE', lk, keyTtl)
end
if applied > 0 then
  for _, k in ipairs({rk, P .. 'rank:total', mk, dk, marker}) do redis.call('EXPIRE', k, keyTtl) end
else
  redis.call('EXPIRE', marker, keyTtl)
end
return {applied, dups, late, future}
)lua");

// Moves the ranking window to `target` (minutes <= target leave it): each minute bucket is subtracted once,
// because the marker moves in the same atomic step, whichever process gets there first. When buckets have
// expired by TTL before anyone could subtract them (every aggregator down for longer than the margin), the
// ranking is rebuilt from the buckets still in the window.
// ARGV: prefix, target, keyTtlSeconds, gapCutoffMs.  Returns {minutes subtracted, rebuilt 0|1}.
const std::string kExpireScript = kAddToRankingLua + std::string(R"lua(local P = ARGV[1]
local target = tonumber(ARGV[2])
local keyTtl = ARGV[3]
local gapCutoff = tonumber(ARGV[4])
local marker = P .. 'expired'
local rk, tk, mk, gk = P .. 'rank', P .. 'rank:total', P .. 'minutes', P .. 'gaps'
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
  addToRanking(rk, sums, 1)
  redis.call('ZREMRANGEBYSCORE', mk, '-inf', target)
  redis.call('ZREMRANGEBYSCORE', P .. 'seen', '-inf', target)
  redis.call('ZREMRANGEBYSCORE', rk, 0, '+inf')
  if sub ~= 0 then redis.call('INCRBY', tk, string.format('%d', -sub)) end
  if lost then
    redis.call('DEL', rk, tk)
    local all, tot = {}, 0
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', mk, '(' .. target, '+inf')) do
      tot = tot + readBucket(redis.call('GET', P .. 'b:' .. m), all)
    end
    addToRanking(rk, all, -1)
    redis.call('SET', tk, string.format('%d', tot))
    rebuilt = 1
  end
  for _, g in ipairs(redis.call('ZRANGE', gk, 0, -1)) do
    local to = tonumber(string.match(g, ':(%-?%d+)$'))
    if to and to ~= 0 and to < gapCutoff then redis.call('ZREM', gk, g) end
  end
end
redis.call('SET', marker, string.format('%d', target))
for _, k in ipairs({rk, tk, mk, gk, P .. 'seen', marker}) do redis.call('EXPIRE', k, keyTtl) end
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

Error unexpectedReply(const char *what)
{
    return Error{QStringLiteral("redis.reply"), QStringLiteral("unexpected Redis reply to %1").arg(QLatin1String(what)),
                 false};
}

std::int64_t keyTtlSeconds(const StoreOptions &o)
{
    return std::int64_t(o.windowMinutes) * 60 + kKeyMarginSeconds;
}

} // namespace

RedisStore::RedisStore(RedisConnection connection, const Clock &clock, StoreOptions options)
    : m_clock(clock), m_options(std::move(options)), m_prefix(m_options.prefix.toUtf8()),
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
    const std::int64_t surelyLate = windowFloor(nowMs, m_options.windowMinutes);

    RedisCommand cmd{"EVALSHA"};
    cmd.arg(scriptSha(ApplyScript)).arg("0").arg(m_prefix);
    cmd.argInt(nowMinute).argInt(m_options.windowMinutes).argInt(nowMs / 1000).argInt(kKeyMarginSeconds).argInt(kLatestCount);
    std::vector<const TxOutput *> outs;
    for (const Transaction &tx : batch) {
        bool future = false;
        const std::int64_t minute = effectiveMinute(tx, nowMs, &future);
        cmd.arg(dedupeKey(tx.hash)).argInt(minute).arg(future ? std::to_string(tx.minute()) : std::string());
        if (minute <= surelyLate) { // late whatever the marker says: spare the bytes
            cmd.arg("").arg("0");
            continue;
        }
        outs.clear();
        for (const TxOutput &o : tx.outputs)
            if (o.address && o.value > 0)
                outs.push_back(&o);
        cmd.arg(tx.raw).argInt(std::int64_t(outs.size()));
        for (const TxOutput *o : outs)
            cmd.arg(*o->address).argInt(o->value);
    }
    auto reply = evalScript(ApplyScript, cmd);
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::Array || reply->elements.size() != 4)
        return unexpectedReply("the apply script");
    ApplyResult r;
    r.applied = reply->elements[0].toInt();
    r.duplicates = reply->elements[1].toInt();
    r.late = reply->elements[2].toInt();
    r.future = reply->elements[3].toInt();
    return r;
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
    cmd.argInt(windowFloor(nowMs, m_options.windowMinutes)).argInt(keyTtlSeconds(m_options)).argInt(gapCutoffMs);
    auto reply = evalScript(ExpireScript, cmd);
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::Array || reply->elements.size() != 2)
        return unexpectedReply("the expire script");
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
    cmds[1] = RedisCommand{"ZRANGE"};
    // topN == 0 asks for "1 0", an empty range (ZRANGE 0 -1 would be everything).
    cmds[1].arg(p + "rank").argInt(topN > 0 ? 0 : 1).argInt(topN > 0 ? topN - 1 : 0).arg("WITHSCORES");
    cmds[2] = RedisCommand{"ZCARD"};
    cmds[2].arg(p + "rank");
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
    if (topN > 0) {
        v.top.reserve(top.elements.size() / 2);
        for (std::size_t i = 0; i + 1 < top.elements.size(); i += 2)
            v.top.push_back(AddressTotal{top.elements[i].str.toStdString(), -top.elements[i + 1].toInt()});
    }
    v.rankedAddresses = (*replies)[2].toInt();
    v.rankedSatoshis = (*replies)[3].toInt();
    v.latest.reserve(latest.elements.size());
    for (const RedisReply &r : latest.elements)
        v.latest.push_back(r.str);
    return v;
}

} // namespace txpulse
