#include "store/redis_store.h"

#include "store/msgpack.h"
#include "store/store_common.h"
#include "support/logging.h"

#include <QCryptographicHash>
#include <QFile>
#include <QRandomGenerator>

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>

namespace txpulse {

using namespace storedetail;
using aggregates::BatchItem;
using aggregates::Registered;

namespace {

QByteArray luaResource(const char *path)
{
    QFile f(QString::fromLatin1(path));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("txpulse: the Lua resource %s is missing from the build (core/CMakeLists.txt)", path);
    return f.readAll();
}

// The scripts, each composed once from .lua resources: the host's shared functions (store/lua/common.lua),
// every registered aggregate's chunk as the table AGGREGATES (in registration order), then the script's body.
// A batch therefore stays one EVALSHA, atomic, whatever the number of aggregates.
struct Script {
    QByteArray body;
    QByteArray sha; // computed locally, so EVALSHA needs no SCRIPT LOAD round trip until Redis says NOSCRIPT
};
enum ScriptId { ApplyScript = 0, ExpireScript, LayoutScript, GapScript, EpochScript, ScriptCount };

const Script &scriptOf(int id)
{
    static const std::array<Script, ScriptCount> scripts = [] {
        QByteArray aggregates = "local AGGREGATES = {}\n";
        Registered::forEach([&]<class A>() {
            aggregates += "AGGREGATES[#AGGREGATES + 1] = (function()\n" + luaResource(A::Redis::kLua) + "\nend)()\n";
        });
        const QByteArray common = luaResource(":/txpulse/lua/common.lua") + aggregates;
        std::array<Script, ScriptCount> s;
        s[ApplyScript].body = common + luaResource(":/txpulse/lua/apply.lua");
        s[ExpireScript].body = common + luaResource(":/txpulse/lua/expire.lua");
        s[LayoutScript].body = common + luaResource(":/txpulse/lua/layout.lua");
        s[GapScript].body = luaResource(":/txpulse/lua/gap.lua");
        s[EpochScript].body = luaResource(":/txpulse/lua/epoch.lua");
        for (Script &one : s)
            one.sha = QCryptographicHash::hash(one.body, QCryptographicHash::Sha1).toHex();
        return s;
    }();
    return scripts[std::size_t(id)];
}

const QByteArray &scriptSha(int id)
{
    return scriptOf(id).sha;
}

std::int64_t keyTtlSeconds(const StoreOptions &o)
{
    return std::int64_t(o.windowMinutes) * 60 + kKeyMarginSeconds;
}

// The apply script's command for the transactions at `fresh` (indices into batch and items, arrival order): the
// host's header, keys and dedupe lists, then every aggregate's arguments.
RedisCommand applyCommand(const QByteArray &prefix, const StoreOptions &options, const std::vector<Transaction> &batch,
                          const std::vector<BatchItem> &items, const std::vector<std::size_t> &fresh,
                          std::int64_t nowMs, std::int64_t floor, const QByteArray &writer, std::uint64_t token)
{
    // The new dedupe keys by the minute that keeps them in `seen` (almost always one or two per batch).
    std::map<std::int64_t, std::vector<std::string_view>> seenMinutes;
    for (std::size_t i : fresh)
        seenMinutes[items[i].score].push_back(items[i].key);

    const std::int64_t keyTtl = keyTtlSeconds(options);
    RedisCommand cmd{"EVALSHA"};
    cmd.arg(scriptSha(ApplyScript)).arg("0").arg(prefix);
    cmd.argInt(minuteOfMs(nowMs)).argInt(options.windowMinutes).argInt(floor).argInt(keyTtl).argInt(nowMs / 1000);
    cmd.argInt(std::int64_t(fresh.size())).argInt(std::int64_t(seenMinutes.size()));
    cmd.arg(writer).argInt(std::int64_t(token));
    for (std::size_t i : fresh)
        cmd.arg(items[i].key);
    std::string list;
    for (const auto &[minute, keys] : seenMinutes) {
        list.clear();
        msgpack::array(list, keys.size());
        for (std::string_view k : keys)
            msgpack::string(list, k);
        // As seenListTtl() in the scripts: a backstop one key TTL past the minute's own; expire() deletes first.
        cmd.argInt(minute).argInt(std::max(minute * 60 - nowMs / 1000 + 2 * keyTtl, keyTtl)).arg(list);
    }
    const aggregates::RedisApplyBatch applyBatch{batch, items, fresh, nowMs, options.windowMinutes, keyTtl};
    Registered::forEach([&]<class A>() { A::Redis::encodeApply(applyBatch, cmd); });
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
        RedisCommand load{"SCRIPT", "LOAD"};
        load.arg(scriptOf(script).body);
        auto loaded = m_connection.command(load);
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
    if (auto layout = ensureLayout(); !layout)
        return layout.error();
    const std::int64_t nowMs = m_clock.nowMs();
    const std::int64_t nowMinute = minuteOfMs(nowMs);

    std::vector<BatchItem> items(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
        BatchItem &it = items[i];
        it.minute = effectiveMinute(batch[i], nowMs, &it.future);
        it.score = it.future ? batch[i].minute() : it.minute;
        it.key = dedupeKey(batch[i].hash);
    }
    // FNV-1a over the dedupe keys identifies the batch when the aggregator sends a failed one again: that send
    // reuses the token of the unconfirmed attempt. Computed only when an attempt failed (every byte of the keys,
    // so not on each batch): to recognise the resend, and to record a failed attempt.
    const auto fingerprintOf = [&items] {
        std::uint64_t h = 14695981039346656037ull;
        for (const BatchItem &it : items) {
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
            const BatchItem &it = items[i];
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
            return aggregates::unexpectedReply("the apply script");
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
                    return aggregates::unexpectedReply("the apply script");
                known.insert(items[fresh[std::size_t(j)]].key);
            }
        } else {
            return aggregates::unexpectedReply("the apply script");
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
    if (auto layout = ensureLayout(); !layout)
        return layout.error();
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
        return aggregates::unexpectedReply("the expire script");
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
        return aggregates::unexpectedReply("the epoch script");
    const bool lost = m_epoch.isEmpty() ? reply->str == candidate : reply->str != m_epoch;
    if (lost)
        m_layoutChecked = false; // the layout key went with the data
    if (lost && !m_epoch.isEmpty())
        qCWarning(lcRedis) << "the aggregates under" << m_prefix << "in" << describe()
                           << "are gone (Redis restarted empty or was flushed)";
    m_epoch = reply->str;
    return lost;
}

Expected<void> RedisStore::ensureLayout()
{
    if (m_layoutChecked)
        return {};
    RedisCommand cmd{"EVALSHA"};
    cmd.arg(scriptSha(LayoutScript)).arg("0").arg(m_prefix).argInt(kLayoutVersion).argInt(keyTtlSeconds(m_options));
    cmd.argInt(m_clock.nowMs() / 1000);
    auto reply = evalScript(LayoutScript, cmd);
    if (!reply)
        return reply.error();
    if (reply->type != RedisReply::Type::Array || reply->elements.size() != 2)
        return aggregates::unexpectedReply("the layout script");
    const std::int64_t version = reply->elements[0].toInt();
    const std::int64_t outcome = reply->elements[1].toInt();
    if (outcome < 0)
        return Error{QStringLiteral("redis.layout"),
                     QStringLiteral("the keys under %1 in %2 have layout %3, written by a newer release (this one "
                                    "writes layout %4): upgrade this process or use another prefix")
                         .arg(QString::fromUtf8(m_prefix), describe())
                         .arg(version)
                         .arg(kLayoutVersion),
                     false};
    if (outcome > 0)
        qCInfo(lcRedis) << "layout of" << m_prefix << "in" << describe() << "is now" << version;
    m_layoutChecked = true;
    return {};
}

Expected<StoreView> RedisStore::read(const ReadRequest &request)
{
    StoreView v;
    v.nowMs = m_clock.nowMs();
    aggregates::RedisReadContext ctx;
    ctx.window = aggregates::ReadContext::at(v.nowMs, request, m_options.windowMinutes);
    ctx.window.gaps = &v.gaps;
    ctx.prefix = m_prefix;
    ctx.connection = &m_connection;

    // One round trip: the host's gaps, then every aggregate's commands in registration order.
    std::vector<RedisCommand> cmds;
    cmds.reserve(1 + Registered::kRedisReadCommands);
    cmds.push_back(RedisCommand{"ZRANGE"});
    cmds.back().arg(m_prefix + "gaps").argInt(0).argInt(-1);
    Registered::forEach([&]<class A>() { A::Redis::queueRead(ctx, cmds); });
    auto replies = m_connection.pipeline(cmds);
    if (!replies)
        return replies.error();
    for (const RedisReply &r : *replies)
        if (r.isError())
            return r.toError();
    if (replies->size() != cmds.size() || (*replies)[0].type != RedisReply::Type::Array)
        return aggregates::unexpectedReply("read");

    for (const RedisReply &g : (*replies)[0].elements) {
        const int colon = g.str.indexOf(':');
        if (colon < 0)
            continue;
        const Gap gap{g.str.left(colon).toLongLong(), g.str.mid(colon + 1).toLongLong()};
        if (ctx.window.overlapsSeries(gap))
            v.gaps.push_back(gap);
    }
    Expected<void> parsed;
    std::size_t next = 1;
    Registered::forEach([&]<class A>() {
        if (parsed)
            parsed = A::Redis::parseRead(ctx, replies->data() + next, v);
        next += A::Redis::kReadCommands;
    });
    if (!parsed)
        return parsed.error();
    return v;
}

} // namespace txpulse
