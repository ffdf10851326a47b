#include "aggregates/ranking/address_ranking.h"

#include "store/redis_connection.h"

#include "store/msgpack.h"

#include <algorithm>
#include <string_view>

namespace txpulse::aggregates {

namespace {

// The ranking order: most satoshis first, ties by address ascending (what ZRANGE gives on negated totals).
bool rankedBefore(const AddressTotal &a, const AddressTotal &b)
{
    return a.satoshis != b.satoshis ? a.satoshis > b.satoshis : a.address < b.address;
}

} // namespace

void AddressRanking::Memory::add(const std::string &address, std::int64_t delta)
{
    if (delta == 0)
        return;
    auto it = m_totals.find(address);
    std::int64_t total = 0;
    if (it != m_totals.end()) {
        total = it->second;
        m_order.erase({-total, address});
    }
    total += delta;
    m_rankedSatoshis += delta;
    if (total > 0) {
        if (it != m_totals.end())
            it->second = total;
        else
            m_totals.emplace(address, total);
        m_order.emplace(-total, address);
    } else if (it != m_totals.end()) {
        m_totals.erase(it);
    }
}

void AddressRanking::Memory::apply(const Transaction &tx, std::int64_t minute)
{
    for (const TxOutput &out : tx.outputs) {
        if (!out.address || out.value <= 0)
            continue; // OP_RETURN and other address-less outputs count for the transaction only
        if (!m_last || minute != m_lastMinute) {
            m_last = &m_buckets[minute]; // std::map: stays valid until the entry is erased
            m_lastMinute = minute;
        }
        (*m_last)[*out.address] += out.value;
        add(*out.address, out.value);
    }
}

void AddressRanking::Memory::expire(std::int64_t target)
{
    // Every minute bucket at or before the new floor leaves the ranking exactly once: the host moves its
    // marker past it in the same step.
    auto end = m_buckets.upper_bound(target);
    for (auto it = m_buckets.begin(); it != end; ++it)
        for (const auto &[address, value] : it->second)
            add(address, -value);
    m_buckets.erase(m_buckets.begin(), end);
    if (m_lastMinute <= target)
        m_last = nullptr;
}

void AddressRanking::Memory::read(const ReadContext &ctx, View &view) const
{
    const std::size_t topN = std::size_t(std::max(0, ctx.topN));
    view.top.reserve(std::min(topN, m_order.size()));
    for (auto it = m_order.begin(); it != m_order.end() && view.top.size() < topN; ++it)
        view.top.push_back(AddressTotal{it->second, -it->first});
    view.rankedAddresses = std::int64_t(m_totals.size());
    view.rankedSatoshis = m_rankedSatoshis;
}

void AddressRanking::Redis::encodeApply(const RedisApplyBatch &b, RedisCommand &cmd)
{
    // Summed here, so the script does work per distinct minute and address rather than per output.
    std::map<std::int64_t, std::vector<std::pair<std::string_view, std::int64_t>>> minutes;
    std::unordered_map<std::string_view, std::int64_t> rank;
    rank.reserve(b.fresh.size() * 4);
    std::int64_t total = 0;
    for (std::size_t i : b.fresh) {
        std::vector<std::pair<std::string_view, std::int64_t>> *outputs = nullptr;
        for (const TxOutput &o : b.batch[i].outputs) {
            if (!o.address || o.value <= 0)
                continue;
            if (!outputs)
                outputs = &minutes[b.items[i].minute];
            outputs->emplace_back(*o.address, o.value);
            rank[*o.address] += o.value;
            total += o.value;
        }
    }
    cmd.argInt(std::int64_t(minutes.size())).argInt(total).argInt(std::int64_t(rank.size()));
    std::unordered_map<std::string_view, std::int64_t> sums;
    std::string blob;
    for (const auto &[minute, outputs] : minutes) {
        sums.clear();
        for (const auto &[address, satoshis] : outputs)
            sums[address] += satoshis;
        blob.clear();
        msgpack::array(blob, 2 * sums.size());
        for (const auto &[address, satoshis] : sums) {
            msgpack::string(blob, address);
            msgpack::unsignedInt(blob, std::uint64_t(satoshis));
        }
        cmd.argInt(minute).argInt(b.minuteTtl(minute)).arg(blob);
    }
    for (const auto &entry : rank)
        cmd.arg(entry.first);
    blob.clear();
    msgpack::array(blob, rank.size());
    for (const auto &entry : rank)
        msgpack::unsignedInt(blob, std::uint64_t(entry.second));
    cmd.arg(blob);
}

void AddressRanking::Redis::queueRead(const RedisReadContext &ctx, std::vector<RedisCommand> &cmds)
{
    // The members at or above this release's floor only (scores are negated totals): a member below it, left
    // by an older release still writing to the prefix, must not stand in for a larger address outside `rank`.
    RedisCommand top{"ZRANGE"};
    top.arg(ctx.prefix + "rank").arg("-inf").argInt(-kRankFloorSatoshis).arg("BYSCORE").arg("LIMIT").arg("0");
    top.argInt(std::max(0, ctx.window.topN)).arg("WITHSCORES");
    cmds.push_back(std::move(top));
    cmds.push_back(RedisCommand{"HLEN"});
    cmds.back().arg(ctx.prefix + "rank:sum");
    cmds.push_back(RedisCommand{"GET"});
    cmds.back().arg(ctx.prefix + "rank:total");
}

Expected<void> AddressRanking::Redis::parseRead(const RedisReadContext &ctx, const RedisReply *replies, View &view)
{
    const RedisReply &top = replies[0];
    if (top.type != RedisReply::Type::Array)
        return unexpectedReply("ZRANGE rank");
    view.rankedAddresses = replies[1].toInt();
    view.rankedSatoshis = replies[2].toInt();
    const int topN = std::max(0, ctx.window.topN);
    if (topN == 0)
        return {};
    const std::int64_t fromRank = std::int64_t(top.elements.size() / 2);
    if (fromRank >= topN || view.rankedAddresses <= fromRank) {
        view.top.reserve(std::size_t(fromRank));
        for (std::size_t i = 0; i + 1 < top.elements.size(); i += 2)
            view.top.push_back(AddressTotal{top.elements[i].str.toStdString(), -top.elements[i + 1].toInt()});
        return {};
    }
    // Fewer than topN addresses at or above the floor: the rest of the answer is below it, in `rank:sum`.
    RedisCommand cmd{"HGETALL"};
    cmd.arg(ctx.prefix + "rank:sum");
    auto reply = ctx.connection->command(cmd);
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
    const std::size_t k = std::min(all.size(), std::size_t(topN));
    std::partial_sort(all.begin(), all.begin() + std::ptrdiff_t(k), all.end(), rankedBefore);
    all.resize(k);
    view.top = std::move(all);
    return {};
}

} // namespace txpulse::aggregates
