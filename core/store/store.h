#pragma once

#include "aggregates/registry.h"
#include "model/transaction.h"
#include "store/store_types.h"
#include "support/error.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <string>
#include <vector>

namespace txpulse {

// What a store answers for one read: the aggregate state at `nowMs`. Every registered aggregate's View
// (aggregates/registry.h) is a base: minutes (MinuteCounts), top, rankedAddresses and rankedSatoshis
// (AddressRanking), latest (LatestTransactions); the host adds the time and the gaps.
struct StoreView : aggregates::Registered::Views {
    std::int64_t nowMs = 0;
    std::vector<Gap> gaps; // overlapping the chart window, oldest first
};

// The store host: runs every registered aggregate (per-minute counts, the address ranking, the latest
// transactions, ...) over event-time windows relative to an injected Clock, and owns what they share: the
// dedupe of hashes, the window floor, gaps. Implementations: MemoryStore (standalone) and RedisStore (pipeline).
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
