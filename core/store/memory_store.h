#pragma once

#include "store/store.h"
#include "support/clock.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace txpulse {

// The store host of standalone mode: the same semantics as RedisStore, in process memory. It dedupes hashes
// (a map pruned with its minute), keeps the window floor and the gaps, and hands every new transaction to each
// registered aggregate's Memory part (aggregates/registry.h), which keeps its own state. Memory is bounded by
// the window, not by uptime.
//
// Not thread-safe: owned and used by one thread (the aggregator's). `clock` must outlive the store.
class MemoryStore final : public Store {
public:
    explicit MemoryStore(const Clock &clock, StoreOptions options = {});

    Expected<ApplyResult> apply(const std::vector<Transaction> &batch) override;
    Expected<void> recordGap(const Gap &gap) override;
    Expected<StoreView> read(const ReadRequest &request) override;
    Expected<void> expire() override;
    QString describe() const override { return QStringLiteral("memory"); }

    // For tests and /metrics: entries currently held (dedupe keys; minutes kept, by the dedupe lists or the counts,
    // whichever holds more: both are bounded by the window).
    std::size_t dedupeEntries() const { return m_seen.size(); }
    std::size_t minuteEntries() const
    {
        return std::max(m_hashes.size(), std::get<aggregates::MinuteCounts::Memory>(m_parts).entries());
    }

private:
    std::int64_t expiredThrough(std::int64_t nowMs);

    const Clock &m_clock;
    StoreOptions m_options;
    bool m_hasMarker = false;
    std::int64_t m_expiredThrough = 0; // minutes <= this have left (or never entered) the aggregates

    std::unordered_map<std::string, std::int64_t> m_seen;     // dedupe key -> minute it is kept until
    std::map<std::int64_t, std::vector<std::string>> m_hashes; // minute -> dedupe keys to forget with it
    std::map<std::int64_t, std::int64_t> m_gaps;               // fromMs -> toMs (0: open)
    aggregates::Registered::MemoryParts m_parts;
};

} // namespace txpulse
