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
    // Like RedisStore's marker key: created on first use, nothing before it ever enters the aggregates.
    if (!m_hasMarker) {
        m_expiredThrough = windowFloor(nowMs, m_options.windowMinutes);
        m_hasMarker = true;
    }
    return m_expiredThrough;
}

Expected<ApplyResult> MemoryStore::apply(const std::vector<Transaction> &batch)
{
    const std::int64_t nowMs = m_clock.nowMs();
    const std::int64_t floor = std::max(expiredThrough(nowMs), windowFloor(nowMs, m_options.windowMinutes));
    ApplyResult result;
    std::int64_t lastKeep = 0;
    std::vector<std::string> *lastHashes = nullptr;
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
        if (!lastHashes || keepUntil != lastKeep) {
            lastHashes = &m_hashes[keepUntil];
            lastKeep = keepUntil;
        }
        lastHashes->push_back(std::move(key));
        std::apply([&](auto &...part) { (part.apply(tx, minute), ...); }, m_parts);
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
    // Every minute at or before the new floor leaves each aggregate exactly once: the marker moves past it in
    // the same step.
    std::apply([&](auto &...part) { (part.expire(target), ...); }, m_parts);
    auto end = m_hashes.upper_bound(target);
    for (auto it = m_hashes.begin(); it != end; ++it)
        for (const std::string &h : it->second)
            m_seen.erase(h);
    m_hashes.erase(m_hashes.begin(), end);
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
    aggregates::ReadContext ctx = aggregates::ReadContext::at(v.nowMs, request, m_options.windowMinutes);
    for (const auto &[from, to] : m_gaps) {
        const Gap g{from, to};
        if (ctx.overlapsSeries(g))
            v.gaps.push_back(g);
    }
    ctx.gaps = &v.gaps;
    std::apply([&](const auto &...part) { (part.read(ctx, v), ...); }, m_parts);
    return v;
}

} // namespace txpulse
