#include "store/memory_store.h"

#include "store/store_common.h"

#include <algorithm>

namespace txpulse {

using namespace storedetail;

MemoryStore::MemoryStore(const Clock &clock, StoreOptions options) : m_clock(clock), m_options(std::move(options))
{
}

std::int64_t MemoryStore::expiredThrough(std::int64_t nowMs)
{
    // Like RedisStore's marker key: created on first use, nothing before it ever enters the ranking.
    if (!m_hasMarker) {
        m_expiredThrough = windowFloor(nowMs, m_options.windowMinutes);
        m_hasMarker = true;
    }
    return m_expiredThrough;
}

void MemoryStore::addToRanking(const std::string &address, std::int64_t delta)
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

Expected<ApplyResult> MemoryStore::apply(const std::vector<Transaction> &batch)
{
    const std::int64_t nowMs = m_clock.nowMs();
    const std::int64_t floor = std::max(expiredThrough(nowMs), windowFloor(nowMs, m_options.windowMinutes));
    ApplyResult result;
    for (const Transaction &tx : batch) {
        bool future = false;
        const std::int64_t minute = effectiveMinute(tx, nowMs, &future);
        if (minute <= floor) {
            ++result.late;
            continue;
        }
        // A future event counts in the current minute but is remembered until its own minute leaves, so a
        // redelivery after its time has come is still a duplicate.
        const std::int64_t keepUntil = future ? tx.minute() : minute;
        std::string key = dedupeKey(tx.hash);
        if (!m_seen.emplace(key, keepUntil).second) {
            ++result.duplicates;
            continue;
        }
        ++result.applied;
        result.future += future ? 1 : 0;
        m_minutes[keepUntil].hashes.push_back(std::move(key));
        Minute &m = m_minutes[minute];
        ++m.count;
        for (const TxOutput &out : tx.outputs) {
            if (!out.address || out.value <= 0)
                continue; // OP_RETURN and other address-less outputs count for the transaction only
            m.bucket[*out.address] += out.value;
            addToRanking(*out.address, out.value);
        }
        m_latest.push_front(tx.raw);
        if (m_latest.size() > std::size_t(kLatestCount))
            m_latest.pop_back();
    }
    return result;
}

Expected<void> MemoryStore::recordGap(const Gap &gap)
{
    m_gaps[gap.fromMs] = gap.toMs;
    return {};
}

Expected<void> MemoryStore::expire()
{
    const std::int64_t nowMs = m_clock.nowMs();
    const std::int64_t target = windowFloor(nowMs, m_options.windowMinutes);
    if (!m_hasMarker) {
        expiredThrough(nowMs);
        return {};
    }
    if (target <= m_expiredThrough)
        return {};
    // Every minute bucket at or before the new floor leaves the ranking exactly once: the marker moves past
    // it in the same step.
    auto end = m_minutes.upper_bound(target);
    for (auto it = m_minutes.begin(); it != end; ++it) {
        for (const auto &[address, value] : it->second.bucket)
            addToRanking(address, -value);
        for (const std::string &h : it->second.hashes)
            m_seen.erase(h);
    }
    m_minutes.erase(m_minutes.begin(), end);
    m_expiredThrough = target;

    const std::int64_t gapCutoffMs = (minuteOfMs(nowMs) - std::max(m_options.windowMinutes, kChartWindowMinutes)) * 60'000;
    for (auto it = m_gaps.begin(); it != m_gaps.end();) {
        if (it->second != 0 && it->second < gapCutoffMs)
            it = m_gaps.erase(it);
        else
            ++it;
    }
    return {};
}

Expected<StoreView> MemoryStore::read(const ReadRequest &request)
{
    StoreView v;
    v.nowMs = m_clock.nowMs();
    const std::int64_t nowMinute = minuteOfMs(v.nowMs);
    const int n = clampMinutes(request.minutes);
    const std::int64_t first = nowMinute - n + 1;
    const std::int64_t floor = windowFloor(v.nowMs, m_options.windowMinutes);

    for (const auto &[from, to] : m_gaps) {
        const Gap g{from, to};
        if (gapOverlaps(g, first * 60'000, (nowMinute + 1) * 60'000, v.nowMs))
            v.gaps.push_back(g);
    }
    v.minutes.reserve(std::size_t(n));
    for (std::int64_t m = first; m <= nowMinute; ++m) {
        MinuteBucket b;
        b.minute = m;
        if (m > floor) {
            auto it = m_minutes.find(m);
            b.count = it == m_minutes.end() ? 0 : it->second.count;
        }
        if (b.count == 0)
            b.gap = std::any_of(v.gaps.begin(), v.gaps.end(),
                                [&](const Gap &g) { return gapOverlaps(g, m * 60'000, (m + 1) * 60'000, v.nowMs); });
        v.minutes.push_back(b);
    }
    const std::size_t topN = std::size_t(std::max(0, request.topN));
    v.top.reserve(std::min(topN, m_order.size()));
    for (auto it = m_order.begin(); it != m_order.end() && v.top.size() < topN; ++it)
        v.top.push_back(AddressTotal{it->second, -it->first});
    v.rankedAddresses = std::int64_t(m_totals.size());
    v.rankedSatoshis = m_rankedSatoshis;
    v.latest.assign(m_latest.begin(), m_latest.end());
    return v;
}

} // namespace txpulse
