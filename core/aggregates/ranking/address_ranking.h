#pragma once

#include "aggregates/aggregate.h"

#include <map>
#include <set>
#include <unordered_map>

namespace txpulse {

struct AddressTotal {
    std::string address;
    std::int64_t satoshis = 0;
};

namespace aggregates {

// The addresses that received the most over the window (the sum of out[].value per address). Takes from a
// transaction: its outputs with an address and a positive value (OP_RETURN and other address-less outputs
// count for the transaction count only). A running ranking, plus per-minute buckets that are subtracted from
// it exactly once when their minute leaves the window.
//
// Redis keys (Lua: address_ranking.lua):
//   b:<minute>    msgpack arrays (address, satoshis, ...), one appended per batch
//   rank:minutes  ZSET of the minutes with a b: bucket (expire subtracts them, and rebuilds the ranking when
//                 one expired by TTL first)
//   rank:sum      HASH address -> total satoshis, every address in the window
//   rank          ZSET address -> -total, only totals >= kRankFloorSatoshis (negated so ZRANGE gives
//                 descending totals, ties by address)
//   rank:floor    the floor `rank` was built with      rank:total  the sum of the ranking
class AddressRanking {
public:
    // Its routes, CSV tables and /metrics lines (ranking_http.cpp).
    static void addRoutes(http::RouteTable &routes);

    // The ranking has two tiers. `rank:sum` holds every address with a positive total in the window; `rank`
    // only those with at least this floor. Most outputs are small, so most addresses never enter the skip list,
    // whose inserts were the largest part of Redis's time. Top-N from `rank` is exact when it has at least N
    // members: every address outside it has less than the floor, so less than each member. read() falls back to
    // `rank:sum` when it has fewer (a quiet window). Why 0.1 BTC: the top 1,000 (the default top_n) of a real
    // 3-hour window are far above it (~50,000 transactions arrive in 3 hours, and 4 of the 22 addressed outputs
    // in the recorded real messages reach it), while `rank` stays a small part of the addresses. At 0.01 BTC a
    // fifth of the synthetic feed's addresses were skip-list inserts and updates (ZADD ~20 % of Redis's time in
    // perf); at 0.1 BTC 3 % are, and bench_store's apply went from 47,700-52,800 to 61,100-66,100 tx/s.
    static constexpr std::int64_t kRankFloorSatoshis = 10'000'000; // 0.1 BTC

    struct View {
        std::vector<AddressTotal> top;    // descending by satoshis, ties by address ascending
        std::int64_t rankedAddresses = 0; // addresses with a non-zero total in the ranking window
        std::int64_t rankedSatoshis = 0;  // sum over all of them (for "share of total")
    };

    class Memory {
    public:
        void apply(const Transaction &tx, std::int64_t minute);
        void expire(std::int64_t target);
        void read(const ReadContext &ctx, View &view) const;

    private:
        void add(const std::string &address, std::int64_t delta);

        std::map<std::int64_t, std::unordered_map<std::string, std::int64_t>> m_buckets; // minute -> address -> sat
        std::int64_t m_lastMinute = 0;
        std::unordered_map<std::string, std::int64_t> *m_last = nullptr; // m_buckets[m_lastMinute]: a batch is
                                                                         // almost always one minute
        std::unordered_map<std::string, std::int64_t> m_totals;
        std::set<std::pair<std::int64_t, std::string>> m_order; // (-total, address): descending, ties by address
        std::int64_t m_rankedSatoshis = 0;
    };

    struct Redis {
        static constexpr const char *kLua = ":/txpulse/lua/address_ranking.lua";
        static constexpr std::size_t kReadCommands = 3;
        // nMinutes, total, nAddresses, then (minute, ttl, bucket)[nMinutes], addresses[nAddresses], their
        // satoshis as one msgpack array
        static void encodeApply(const RedisApplyBatch &b, RedisCommand &cmd);
        static void queueRead(const RedisReadContext &ctx, std::vector<RedisCommand> &cmds);
        static Expected<void> parseRead(const RedisReadContext &ctx, const RedisReply *replies, View &view);
    };
};

} // namespace aggregates
} // namespace txpulse
