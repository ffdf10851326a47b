#pragma once

#include "support/clock.h"
#include "store/store.h"

#include <QByteArray>

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace txpulse {

// The Store of standalone mode: the same semantics as RedisStore, in process memory. A running ranking
// (address -> total, plus an ordered index for top-N in O(log n + k)), per-minute counts and address buckets
// (subtracted from the ranking once when their minute leaves the window), a dedupe map pruned with its
// minute, and the latest kLatestCount messages. Memory is bounded by the window, not by uptime.
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

    // For tests and /metrics: entries currently held (dedupe keys, minutes).
    std::size_t dedupeEntries() const { return m_seen.size(); }
    std::size_t minuteEntries() const { return m_minutes.size(); }

private:
    struct Minute {
        std::int64_t count = 0;
        std::unordered_map<std::string, std::int64_t> bucket; // address -> satoshis received this minute
        std::vector<std::string> hashes;                      // dedupe keys to forget with this minute
    };

    void addToRanking(const std::string &address, std::int64_t delta);
    std::int64_t expiredThrough(std::int64_t nowMs);

    const Clock &m_clock;
    StoreOptions m_options;
    bool m_hasMarker = false;
    std::int64_t m_expiredThrough = 0; // minutes <= this are subtracted from (or never entered) the ranking

    std::map<std::int64_t, Minute> m_minutes;
    std::unordered_map<std::string, std::int64_t> m_seen; // dedupe key -> minute
    std::unordered_map<std::string, std::int64_t> m_totals;
    std::set<std::pair<std::int64_t, std::string>> m_order; // (-total, address): descending, ties by address
    std::int64_t m_rankedSatoshis = 0;
    std::deque<QByteArray> m_latest;    // newest first
    std::map<std::int64_t, std::int64_t> m_gaps; // fromMs -> toMs (0: open)
};

} // namespace txpulse
