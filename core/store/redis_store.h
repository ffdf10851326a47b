#pragma once

#include "support/clock.h"
#include "store/redis_connection.h"
#include "store/redis_url.h"
#include "store/store.h"

#include <limits>
#include <memory>
#include <optional>

namespace txpulse {

// The store host of pipeline mode: the aggregates as a materialised view in Redis, shared by every aggregate and
// view process that uses the same prefix. Each apply() is one EVALSHA of one Lua script composed of the host's
// part (store/lua/apply.lua: dedupe against a SET of hashes, the window floor) and every registered aggregate's
// chunk (aggregates/<name>/<name>.lua), atomic, so two processes applying overlapping batches still count every
// hash once: apply() classifies the batch itself and the script only checks that the hashes are new and the
// window floor is the one assumed; otherwise apply() reclassifies and sends again, at most kApplyAttempts times.
// read() is one pipelined round trip of every aggregate's read commands.
// The host's keys (all under the prefix, all with TTLs so memory is bounded by the window; each aggregate's
// header lists its own):
//   seen          SET of 32-byte hashes   s:<minute>  msgpack, the hashes of that event minute (expire() removes
//                                                     them from `seen` with it)
//   seen:minutes  ZSET of the minutes with an s: key          expired  the window marker
//   ack:<writer>  the token of this writer's last applied batch (see UnconfirmedApply)
//   gaps          ZSET "from:to" by from                      epoch    random token, replaced when Redis lost
//                                                                      the data (checkDataLost())
//   layout        the layout version (kLayoutVersion); converted once by ensureLayout(), not checked per batch
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

    // The layout this release writes. 4: the first with a version key (the aggregates' own keys, the ranking's
    // `rank:minutes`). A prefix without `layout` is converted from whatever release wrote it, once.
    static constexpr std::int64_t kLayoutVersion = 4;
    static constexpr std::int64_t kRankFloorSatoshis = aggregates::AddressRanking::kRankFloorSatoshis;

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
    // Runs the layout script once per life of the data this store sees (again after checkDataLost()).
    Expected<void> ensureLayout();

    const Clock &m_clock;
    StoreOptions m_options;
    QByteArray m_prefix;
    std::int64_t m_rebuilds = 0;
    // What this store last learned the expiry marker to be (apply() assumes the window floor is at least
    // this; the script corrects it when another process moved the marker).
    std::int64_t m_floorHint = std::numeric_limits<std::int64_t>::min();
    QByteArray m_epoch; // the epoch token seen last; empty before the first checkDataLost()
    bool m_layoutChecked = false;
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
