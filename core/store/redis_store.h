#pragma once

#include "support/clock.h"
#include "store/redis_connection.h"
#include "store/redis_url.h"
#include "store/store.h"

#include <limits>
#include <memory>
#include <optional>

namespace txpulse {

// The Store of pipeline mode: the aggregates as a materialised view in Redis, shared by every aggregate and
// view process that uses the same prefix. Each apply() is one EVALSHA of one Lua script (dedupe against a
// SET of hashes, per-minute counts and address buckets, the running ranking, the latest list), atomic, so two
// processes applying overlapping batches still count every hash once (apply() aggregates the batch itself
// and the script only checks that the hashes are new and the window floor is the one assumed; otherwise
// apply() reclassifies and sends again, at most kApplyAttempts times). read() is one pipelined round trip.
// Keys (all under the prefix, all with TTLs so memory is bounded by the window):
//   seen  SET of 32-byte hashes           c:<minute>  count          b:<minute>  msgpack (address, satoshis)
//   s:<minute>  msgpack, the hashes of that event minute (expire() removes them from `seen` with it)
//   seen:minutes      ZSET of the minutes with an s: key (layout 1's `seen` ZSET is converted on first use)
//   rank:sum          HASH address -> total satoshis, every address in the window
//   rank              ZSET address -> -total, only totals >= kRankFloorSatoshis (negated so ZRANGE gives
//                     descending totals, ties by address; layout 2's all-address `rank` is converted on first use)
//   rank:floor        the floor `rank` was built with (a different one is converted on first use)
//   rank:total        sum of the ranking     minutes  ZSET of minutes with data    expired  the marker
//   ack:<writer>      the token of this writer's last applied batch (see UnconfirmedApply)
//   latest            LIST of raw messages   gaps     ZSET "from:to" by from
//   epoch             random token, replaced when Redis lost the data (checkDataLost())
//
// Not thread-safe: created, used and destroyed on one worker thread (hiredis is synchronous and blocks for
// up to the command timeout). `clock` must outlive the store. The destructor closes the connection.
class RedisStore final : public Store {
public:
    // Connects (and authenticates/selects) now; a failure is retriable when Redis may come up later.
    static Expected<std::unique_ptr<RedisStore>> open(const RedisUrl &url, const Clock &clock,
                                                      StoreOptions options = {},
                                                      RedisConnection::Timeouts timeouts = {});
    static Expected<std::unique_ptr<RedisStore>> open(const QString &url, const Clock &clock,
                                                      StoreOptions options = {},
                                                      RedisConnection::Timeouts timeouts = {});
    ~RedisStore() override;

    // The ranking has two tiers. `rank:sum` (HASH address -> satoshis) holds every address with a positive total in
    // the window; `rank` (ZSET, negated totals) holds only those with at least this floor. Most outputs are small, so
    // most addresses never enter the skip list, whose inserts were the largest part of Redis's time. Top-N from `rank`
    // is exact when it has at least N members: every address outside it has less than the floor, so less than each
    // member. read() falls back to `rank:sum` when it has fewer (a quiet window). The floor is part of the layout, not
    // a setting: `rank:floor` records the one `rank` was built with, and the scripts convert it when it differs. Why
    // 0.1 BTC: the top 1,000 (the default top_n) of a real 3-hour window are far above it (~50,000 transactions arrive
    // in 3 hours, and 4 of the 22 addressed outputs in the recorded real messages reach it), while `rank` stays a
    // small part of the addresses. At 0.01 BTC a fifth of the synthetic feed's addresses were skip-list inserts and
    // updates (ZADD ~20 % of Redis's time in perf); at 0.1 BTC 3 % are, and bench_store's apply went from
    // 47,700-52,800 to 61,100-66,100 tx/s (2 alternated runs each).
    static constexpr std::int64_t kRankFloorSatoshis = 10'000'000; // 0.1 BTC

    Expected<ApplyResult> apply(const std::vector<Transaction> &batch) override;
    Expected<void> recordGap(const Gap &gap) override;
    Expected<StoreView> read(const ReadRequest &request) override;
    Expected<void> expire() override;
    QString describe() const override;
    // One GET-or-SET of the `epoch` key (a random token per life of the data under the prefix, TTL refreshed):
    // lost when it is missing or differs from the token this store saw last.
    Expected<bool> checkDataLost() override;

    // The underlying connection (tests, diagnostics such as INFO memory). Same thread only.
    RedisConnection &connection() { return m_connection; }
    // How many times expire() had to rebuild the ranking because minute buckets expired before it could
    // subtract them (every aggregator was down for longer than the key margin).
    std::int64_t rankingRebuilds() const { return m_rebuilds; }

private:
    static constexpr int kApplyAttempts = 16;

    RedisStore(RedisConnection connection, const Clock &clock, StoreOptions options);
    Expected<RedisReply> evalScript(int script, const RedisCommand &argsAfterKeys);
    Expected<std::vector<AddressTotal>> readAllTotals(); // every address of `rank:sum`, unordered

    const Clock &m_clock;
    StoreOptions m_options;
    QByteArray m_prefix;
    std::int64_t m_rebuilds = 0;
    // What this store last learned the expiry marker to be (apply() assumes the window floor is at least
    // this; the script corrects it when another process moved the marker).
    std::int64_t m_floorHint = std::numeric_limits<std::int64_t>::min();
    QByteArray m_epoch; // the epoch token seen last; empty before the first checkDataLost()
    // An apply() that failed after sending may still have been run by Redis (a reply lost to a command timeout
    // or a dropped connection). Its retry would then find every hash in `seen` and count them as duplicates.
    // Each batch is sent with a token, which the script stores in `ack:<writer>` when it writes; a retry of the
    // same batch sends the same token, and when Redis already holds it apply() returns the lost attempt's counts.
    struct UnconfirmedApply {
        std::uint64_t fingerprint = 0; // of the batch's dedupe keys
        std::uint64_t token = 0;
        ApplyResult result; // as classified by the attempt whose reply was lost
    };
    std::optional<UnconfirmedApply> m_unconfirmed;
    std::uint64_t m_lastToken = 0;
    QByteArray m_writerId; // random per store: a token is unique per writer, not across writers
    RedisConnection m_connection; // last: closed first
};

} // namespace txpulse
