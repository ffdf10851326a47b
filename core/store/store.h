#pragma once

#include "support/error.h"
#include "model/transaction.h"

#include <QByteArray>
#include <QMetaType>
#include <QString>

#include <cstdint>
#include <string>
#include <vector>

namespace txpulse {

// Window sizes shared by every store and view.
inline constexpr int kCountWindowMinutes = 60;   // /transactions_count_per_minute
inline constexpr int kChartWindowMinutes = 180;  // charts and /api/v1/minutes
inline constexpr int kRankingWindowMinutes = 180; // address ranking: the last 3 hours
inline constexpr int kLatestCount = 100;          // /show_transactions
// Events up to this far ahead of the clock keep their own minute; beyond it they count in the current minute
// (ApplyResult::future counts them).
inline constexpr int kFutureSkewSeconds = 120;

// A time span when the feed was not connected: minutes inside it are gaps, not zeros.
struct Gap {
    std::int64_t fromMs = 0;
    std::int64_t toMs = 0; // 0 while the gap is still open
};

struct MinuteBucket {
    std::int64_t minute = 0; // Unix minute: floor(unix seconds / 60)
    std::int64_t count = 0;
    bool gap = false;        // the feed was down for part of this minute and count is 0
};

struct AddressTotal {
    std::string address;
    std::int64_t satoshis = 0;
};

struct ApplyResult {
    std::int64_t applied = 0;    // counted now
    std::int64_t duplicates = 0; // hash already counted within the window
    std::int64_t late = 0;       // older than the ranking window: counted as late only
    std::int64_t future = 0;     // part of `applied`: more than kFutureSkewSeconds ahead, put in the current minute
};

struct ReadRequest {
    int minutes = kChartWindowMinutes; // per-minute series length, ending with the current minute
    int topN = 100;                    // address ranking entries
};

// What a store answers for one read: the aggregate state at `nowMs`.
struct StoreView {
    std::int64_t nowMs = 0;
    std::vector<MinuteBucket> minutes;  // oldest first; the last entry is the current (partial) minute
    std::vector<AddressTotal> top;      // descending by satoshis, ties by address ascending
    std::int64_t rankedAddresses = 0;   // addresses with a non-zero total in the ranking window
    std::int64_t rankedSatoshis = 0;    // sum over all of them (for "share of total")
    std::vector<QByteArray> latest;     // raw feed messages, newest first (by arrival), at most kLatestCount
    std::vector<Gap> gaps;              // overlapping the chart window, oldest first
};

struct StoreOptions {
    QString prefix = QStringLiteral("txpulse:"); // Redis key prefix
    int windowMinutes = kRankingWindowMinutes;
};

// The aggregate state: counts per minute, the address ranking and the latest transactions, over event-time
// windows relative to an injected Clock. Implementations: MemoryStore (standalone) and RedisStore (pipeline).
//
// Contract (tests/core/store/store_contract.h runs it against both):
//  - apply() is idempotent per transaction hash within the window: redeliveries are duplicates.
//  - A transaction older than the window (time < now - window) is late: counted, not aggregated.
//  - Outputs without an address count for the transaction count, not for the ranking.
//  - Everything older than the window disappears by itself (TTLs in Redis, pruning in memory).
//
// Not thread-safe: one store belongs to one worker thread (the aggregator's). Calls may block (RedisStore
// does network I/O), which is why they never run on the GUI thread.
class Store {
public:
    virtual ~Store() = default;

    virtual Expected<ApplyResult> apply(const std::vector<Transaction> &batch) = 0;
    virtual Expected<void> recordGap(const Gap &gap) = 0;
    virtual Expected<StoreView> read(const ReadRequest &request) = 0;
    // Advances the sliding ranking: removes the minute buckets that left the window. Cheap when nothing
    // expired; the aggregator calls it on its timer, driven by the app clock (never by keyspace events).
    virtual Expected<void> expire() = 0;
    virtual QString describe() const = 0; // "memory" or "redis://host:port/db" (no password)
    // True when the data this store held is gone since the last call (RedisStore: Redis restarted empty or was
    // flushed, seen by a per-prefix epoch key), and on the first call when nothing is stored under the prefix
    // yet. The aggregates must then be rebuilt from the log (the aggregator asks the consumer to read the
    // window again). A store that cannot lose its data while the process runs (MemoryStore) answers false.
    virtual Expected<bool> checkDataLost() { return false; }
};

} // namespace txpulse

Q_DECLARE_METATYPE(txpulse::Gap)
