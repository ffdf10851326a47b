#pragma once

// The contract of an aggregate: one folder under core/aggregates/ per aggregate (docs/architecture.md, "Adding
// an aggregate"). An aggregate is a class A with
//
//   struct A::View      its part of the snapshot. StoreView derives from every registered aggregate's View, so
//                       views read `snapshot.view.<field>` (aggregates/registry.h).
//   class A::Memory     its state in standalone mode, owned by MemoryStore (one thread):
//                         void apply(const Transaction &tx, std::int64_t minute); // a new transaction, counted
//                                                                 // in `minute` (the host deduped it already)
//                         void expire(std::int64_t target);       // minutes <= target left the window
//                         void read(const ReadContext &, View &) const;
//   static void A::addRoutes(http::RouteTable &)    its routes, CSV tables, OpenAPI and /metrics (<name>_http.cpp)
//   struct A::Redis     its keys in pipeline mode, driven by RedisStore (stateless):
//                         static constexpr const char *kLua;      // its Lua, a Qt resource: a chunk returning
//                                                                 // a table with apply, expire and migrate
//                         static void encodeApply(const RedisApplyBatch &, RedisCommand &); // its arguments
//                         static void queueRead(const RedisReadContext &, std::vector<RedisCommand> &);
//                         static constexpr std::size_t kReadCommands;  // how many queueRead() appends
//                         static Expected<void> parseRead(const RedisReadContext &, const RedisReply *replies,
//                                                         View &);
//
// The hosts (MemoryStore, RedisStore) own what every aggregate shares: the dedupe of transaction hashes, the
// window floor and its marker, gaps, the layout version. A transaction reaches an aggregate once, already
// classified; RedisStore composes every aggregate's Lua into one script per batch (still one round trip, atomic).

#include "model/transaction.h"
#include "store/store_types.h"
#include "support/error.h"

#include <QByteArray>

#include <cstdint>
#include <string>
#include <vector>

namespace txpulse {
namespace http {
class RouteTable;
}
class RedisCommand;
class RedisConnection;
struct RedisReply;
} // namespace txpulse

namespace txpulse::aggregates {

// What read() is asked, with the window arithmetic done once by the host.
struct ReadContext {
    std::int64_t nowMs = 0;
    std::int64_t nowMinute = 0;
    std::int64_t firstMinute = 0;  // the oldest minute of the per-minute series
    int minutes = 0;               // series length (clamped request)
    std::int64_t floor = 0;        // minutes <= floor are outside the window
    int topN = 0;
    const std::vector<Gap> *gaps = nullptr; // overlapping the series, oldest first

    // The window arithmetic for `request` at nowMs, in a window of `windowMinutes`; gaps left unset.
    static ReadContext at(std::int64_t nowMs, const ReadRequest &request, int windowMinutes);

    // True when gap g overlaps the per-minute series (it then belongs in `gaps`).
    bool overlapsSeries(const Gap &g) const;
    // True when minute m overlaps a gap: a minute with no data there is a gap, not a zero.
    bool inGap(std::int64_t minute) const;
};

// One transaction of a batch as RedisStore classified it.
struct BatchItem {
    std::int64_t minute = 0; // aggregated in
    std::int64_t score = 0;  // kept in `seen` until this minute leaves: its own event minute (later if future)
    bool future = false;
    std::string key;         // dedupe key of the hash
};

// The new transactions of one apply attempt, for an aggregate to encode its part of the script's arguments.
struct RedisApplyBatch {
    const std::vector<Transaction> &batch;
    const std::vector<BatchItem> &items;   // parallel to batch
    const std::vector<std::size_t> &fresh; // indices of the transactions to count, arrival order
    std::int64_t nowMs = 0;
    int windowMinutes = 0;
    std::int64_t keyTtl = 0; // seconds: window + margin

    // A per-minute key lives until its minute leaves the window, plus the margin.
    std::int64_t minuteTtl(std::int64_t minute) const;
};

struct RedisReadContext {
    ReadContext window;
    QByteArray prefix;
    RedisConnection *connection = nullptr; // for a follow-up command (same thread)
};

// Redis replies an aggregate did not expect: a clear error instead of a wrong view.
Error unexpectedReply(const char *what);

} // namespace txpulse::aggregates
