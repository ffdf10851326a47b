#pragma once

#include "aggregates/aggregate.h"

#include <deque>
#include <tuple>

namespace txpulse::aggregates {

// The latest kLatestCount transactions, newest first, each the feed message as received (/show_transactions).
// Takes from a transaction: its raw message and when it arrived. "Latest" is by arrival, not by when a batch was
// applied: a consumer applies the batches of several partitions in whatever order they come, so the order is
// (receivedMs: the Kafka message's timestamp, then sequence: the ingest's running number, then the order of
// application, which only decides between transactions that carry neither).
// Redis keys (Lua: latest_transactions.lua): `latest`, a ZSET scored by receivedMs whose members are the 16 hex
// digits of the sequence, the 16 of the application number, then the raw message (equal scores sort by member,
// so by sequence, then application); trimmed to kLatestCount. `latest:n` counts the applications.
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
        struct Entry {
            std::int64_t receivedMs = 0;
            std::uint64_t sequence = 0;
            std::uint64_t applied = 0;
            QByteArray raw;
            auto key() const { return std::tuple(receivedMs, sequence, applied); }
        };
        std::deque<Entry> m_latest; // newest first
        std::uint64_t m_applied = 0;
    };

    struct Redis {
        static constexpr const char *kLua = ":/txpulse/lua/latest_transactions.lua";
        static constexpr std::size_t kReadCommands = 1;
        // nLatest, max, then (receivedMs, 16 hex digits of the sequence, raw)[nLatest], in application order
        static void encodeApply(const RedisApplyBatch &b, RedisCommand &cmd);
        static void queueRead(const RedisReadContext &ctx, std::vector<RedisCommand> &cmds); // LRANGE latest
        static Expected<void> parseRead(const RedisReadContext &ctx, const RedisReply *replies, View &view);
    };
};

} // namespace txpulse::aggregates
