#include "aggregates/latest/latest_transactions.h"

#include "store/redis_connection.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace txpulse::aggregates {

namespace {
constexpr qsizetype kMemberPrefix = 32; // hex sequence and application number before the raw message
}

void LatestTransactions::Memory::apply(const Transaction &tx, std::int64_t)
{
    Entry e{tx.receivedMs, tx.sequence, ++m_applied, tx.raw};
    if (m_latest.empty() || m_latest.front().key() < e.key()) {
        m_latest.push_front(std::move(e)); // almost always: the newest so far
    } else {
        auto at = std::find_if(m_latest.begin(), m_latest.end(), [&](const Entry &x) { return x.key() < e.key(); });
        if (at == m_latest.end() && m_latest.size() >= std::size_t(kLatestCount))
            return; // older than everything kept
        m_latest.insert(at, std::move(e));
    }
    if (m_latest.size() > std::size_t(kLatestCount))
        m_latest.pop_back();
}

void LatestTransactions::Memory::read(const ReadContext &, View &view) const
{
    view.latest.reserve(m_latest.size());
    for (const Entry &e : m_latest)
        view.latest.push_back(e.raw);
}

void LatestTransactions::Redis::encodeApply(const RedisApplyBatch &b, RedisCommand &cmd)
{
    // Only the newest kLatestCount of the batch can be among the latest: the rest would be trimmed at once.
    std::vector<std::size_t> newest(b.fresh.begin(), b.fresh.end());
    const auto newer = [&](std::size_t x, std::size_t y) {
        const Transaction &a = b.batch[x];
        const Transaction &c = b.batch[y];
        return std::tuple(a.receivedMs, a.sequence, x) > std::tuple(c.receivedMs, c.sequence, y);
    };
    const std::size_t n = std::min(newest.size(), std::size_t(kLatestCount));
    std::partial_sort(newest.begin(), newest.begin() + std::ptrdiff_t(n), newest.end(), newer);
    newest.resize(n);
    std::sort(newest.begin(), newest.end()); // back to application order
    cmd.argInt(std::int64_t(n)).argInt(kLatestCount);
    char hex[17];
    for (std::size_t i : newest) {
        const Transaction &tx = b.batch[i];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(tx.sequence));
        cmd.argInt(tx.receivedMs).arg(std::string_view(hex, 16)).arg(tx.raw);
    }
}

void LatestTransactions::Redis::queueRead(const RedisReadContext &ctx, std::vector<RedisCommand> &cmds)
{
    cmds.push_back(RedisCommand{"ZRANGE"});
    cmds.back().arg(ctx.prefix + "latest").argInt(0).argInt(kLatestCount - 1).arg("REV");
}

Expected<void> LatestTransactions::Redis::parseRead(const RedisReadContext &, const RedisReply *replies, View &view)
{
    const RedisReply &latest = replies[0];
    if (latest.type != RedisReply::Type::Array)
        return unexpectedReply("ZRANGE latest");
    view.latest.reserve(latest.elements.size());
    for (const RedisReply &r : latest.elements) {
        if (r.str.size() < kMemberPrefix)
            return unexpectedReply("ZRANGE latest");
        view.latest.push_back(r.str.mid(kMemberPrefix));
    }
    return {};
}

} // namespace txpulse::aggregates
