#pragma once

// The registered aggregates: adding one is a folder under core/aggregates/ and one entry in this list
// (docs/architecture.md, "Adding an aggregate"). The hosts (MemoryStore, RedisStore) run them in this order,
// and StoreView carries every aggregate's View.

#include "aggregates/latest/latest_transactions.h"
#include "aggregates/minutes/minute_counts.h"
#include "aggregates/ranking/address_ranking.h"

#include <tuple>

namespace txpulse::aggregates {

template <class... A>
struct AggregateList {
    // Every aggregate's part of a store read, as one struct (StoreView derives from it).
    struct Views : A::View... {
    };
    // One memory state per aggregate (MemoryStore).
    using MemoryParts = std::tuple<typename A::Memory...>;
    // Calls f.template operator()<A>() for each aggregate, in order.
    template <class F>
    static void forEach(F &&f)
    {
        (f.template operator()<A>(), ...);
    }
    static constexpr std::size_t kRedisReadCommands = (A::Redis::kReadCommands + ... + 0);
};

using Registered = AggregateList<MinuteCounts, AddressRanking, LatestTransactions>;

} // namespace txpulse::aggregates
