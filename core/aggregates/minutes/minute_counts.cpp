#include "aggregates/minutes/minute_counts.h"

#include "store/redis_connection.h"

namespace txpulse::aggregates {

void MinuteCounts::Memory::apply(const Transaction &, std::int64_t minute)
{
    if (!m_last || minute != m_lastMinute) {
        m_last = &m_counts[minute]; // std::map: the pointer stays valid until the entry is erased
        m_lastMinute = minute;
    }
    ++*m_last;
}

void MinuteCounts::Memory::expire(std::int64_t target)
{
    m_counts.erase(m_counts.begin(), m_counts.upper_bound(target));
    if (m_lastMinute <= target)
        m_last = nullptr;
}

void MinuteCounts::Memory::read(const ReadContext &ctx, View &view) const
{
    view.minutes.reserve(std::size_t(ctx.minutes));
    for (std::int64_t m = ctx.firstMinute; m <= ctx.nowMinute; ++m) {
        MinuteBucket b;
        b.minute = m;
        if (m > ctx.floor) {
            auto it = m_counts.find(m);
            b.count = it == m_counts.end() ? 0 : it->second;
        }
        b.gap = b.count == 0 && ctx.inGap(m);
        view.minutes.push_back(b);
    }
}

void MinuteCounts::Redis::encodeApply(const RedisApplyBatch &b, RedisCommand &cmd)
{
    std::map<std::int64_t, std::int64_t> counts;
    for (std::size_t i : b.fresh)
        ++counts[b.items[i].minute];
    cmd.argInt(std::int64_t(counts.size()));
    for (const auto &[minute, count] : counts)
        cmd.argInt(minute).argInt(b.minuteTtl(minute)).argInt(count);
}

void MinuteCounts::Redis::queueRead(const RedisReadContext &ctx, std::vector<RedisCommand> &cmds)
{
    cmds.push_back(RedisCommand{"MGET"});
    RedisCommand &mget = cmds.back();
    for (std::int64_t m = ctx.window.firstMinute; m <= ctx.window.nowMinute; ++m)
        mget.arg(ctx.prefix + "c:" + QByteArray::number(m));
}

Expected<void> MinuteCounts::Redis::parseRead(const RedisReadContext &ctx, const RedisReply *replies, View &view)
{
    const RedisReply &counts = replies[0];
    const ReadContext &w = ctx.window;
    if (counts.type != RedisReply::Type::Array || counts.elements.size() != std::size_t(w.minutes))
        return unexpectedReply("MGET c:<minute>");
    view.minutes.reserve(std::size_t(w.minutes));
    for (int i = 0; i < w.minutes; ++i) {
        MinuteBucket b;
        b.minute = w.firstMinute + i;
        if (b.minute > w.floor) // not yet removed by expire(), but outside the window all the same
            b.count = counts.elements[std::size_t(i)].toInt();
        b.gap = b.count == 0 && w.inGap(b.minute);
        view.minutes.push_back(b);
    }
    return {};
}

} // namespace txpulse::aggregates
