#pragma once

#include "aggregates/aggregate.h"

#include <map>

namespace txpulse {

struct MinuteBucket {
    std::int64_t minute = 0; // Unix minute: floor(unix seconds / 60)
    std::int64_t count = 0;
    bool gap = false;        // the feed was down for part of this minute and count is 0
};

namespace aggregates {

// Transactions per minute (event time). Takes from a transaction: only the minute it counts in.
// Redis keys: c:<minute> (the count, TTL until the minute leaves the window plus the margin) and `minutes`
// (ZSET of the minutes with a count, pruned by expire). Lua: minute_counts.lua.
class MinuteCounts {
public:
    // Its routes, CSV tables and /metrics lines (minutes_http.cpp).
    static void addRoutes(http::RouteTable &routes);

    struct View {
        std::vector<MinuteBucket> minutes; // oldest first; the last entry is the current (partial) minute
    };

    class Memory {
    public:
        void apply(const Transaction &, std::int64_t minute);
        void expire(std::int64_t target);
        void read(const ReadContext &ctx, View &view) const;
        std::size_t entries() const { return m_counts.size(); }

    private:
        std::map<std::int64_t, std::int64_t> m_counts;
        std::int64_t m_lastMinute = 0;
        std::int64_t *m_last = nullptr; // the count of m_lastMinute: a batch is almost always one minute
    };

    struct Redis {
        static constexpr const char *kLua = ":/txpulse/lua/minute_counts.lua";
        static constexpr std::size_t kReadCommands = 1;
        // nMinutes, then (minute, ttl, count) per minute
        static void encodeApply(const RedisApplyBatch &b, RedisCommand &cmd);
        static void queueRead(const RedisReadContext &ctx, std::vector<RedisCommand> &cmds); // MGET c:<m>...
        static Expected<void> parseRead(const RedisReadContext &ctx, const RedisReply *replies, View &view);
    };
};

} // namespace aggregates
} // namespace txpulse
