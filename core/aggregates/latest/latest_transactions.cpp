#include "aggregates/latest/latest_transactions.h"

#include "store/redis_connection.h"

#include <algorithm>

namespace txpulse::aggregates {

void LatestTransactions::Memory::apply(const Transaction &tx, std::int64_t)
{
    m_latest.push_front(tx.raw);
    if (m_latest.size() > std::size_t(kLatestCount))
        m_latest.pop_back();
}

void LatestTransactions::Memory::read(const ReadContext &, View &view) const
{
    view.latest.assign(m_latest.begin(), m_latest.end());
}

void LatestTransactions::Redis::encodeApply(const RedisApplyBatch &b, RedisCommand &cmd)
{
    const std::size_t n = std::min(b.fresh.size(), std::size_t(kLatestCount));
    cmd.argInt(std::int64_t(n)).argInt(kLatestCount);
    for (std::size_t k = b.fresh.size() - n; k < b.fresh.size(); ++k)
        cmd.arg(b.batch[b.fresh[k]].raw);
}

void LatestTransactions::Redis::queueRead(const RedisReadContext &ctx, std::vector<RedisCommand> &cmds)
{
    cmds.push_back(RedisCommand{"LRANGE"});
    cmds.back().arg(ctx.prefix + "latest").argInt(0).argInt(kLatestCount - 1);
}

Expected<void> LatestTransactions::Redis::parseRead(const RedisReadContext &, const RedisReply *replies, View &view)
{
    const RedisReply &latest = replies[0];
    if (latest.type != RedisReply::Type::Array)
        return unexpectedReply("LRANGE latest");
    view.latest.reserve(latest.elements.size());
    for (const RedisReply &r : latest.elements)
        view.latest.push_back(r.str);
    return {};
}

} // namespace txpulse::aggregates
