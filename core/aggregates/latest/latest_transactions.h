#pragma once

#include "aggregates/aggregate.h"

#include <deque>

namespace txpulse::aggregates {

// The latest kLatestCount transactions, newest first, each the feed message as received (/show_transactions).
// Takes from a transaction: its raw message. Redis key: `latest` (LIST, newest first, trimmed to kLatestCount).
// Lua: latest_transactions.lua.
class LatestTransactions {
public:
    struct View {
        std::vector<QByteArray> latest; // raw feed messages, newest first (by arrival), at most kLatestCount
    };

    class Memory {
    public:
        void apply(const Transaction &tx, std::int64_t minute);
        void expire(std::int64_t) {} // bounded by count, not by the window
        void read(const ReadContext &ctx, View &view) const;

    private:
        std::deque<QByteArray> m_latest; // newest first
    };

    struct Redis {
        static constexpr const char *kLua = ":/txpulse/lua/latest_transactions.lua";
        static constexpr std::size_t kReadCommands = 1;
        // nLatest, max, then raw[nLatest] oldest first
        static void encodeApply(const RedisApplyBatch &b, RedisCommand &cmd);
        static void queueRead(const RedisReadContext &ctx, std::vector<RedisCommand> &cmds); // LRANGE latest
        static Expected<void> parseRead(const RedisReadContext &ctx, const RedisReply *replies, View &view);
    };
};

} // namespace txpulse::aggregates
