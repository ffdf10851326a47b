#pragma once

#include "model/parse_error.h"

#include <array>
#include <atomic>
#include <cstdint>

namespace txpulse {

enum class ComponentState : int {
    Disabled = 0,   // not configured (standalone mode has no Kafka and no Redis)
    Connecting,     // first attempt in progress
    Connected,
    Reconnecting,   // was connected, lost it, retrying with back-off
    Down,           // failed; retrying (or fatal, see the log)
};

const char *componentStateName(ComponentState s); // "disabled", "connecting", ...

// Every counter, declared once. Each line generates a StatsSample field, a Stats atomic, its load in
// Stats::sample(), and its place in /api/v1/stats and /metrics (see StatCounter below), in this order:
//   X(field, kind, group, JSON key, Prometheus name, Prometheus help, JSON rate key or nullptr)
// Kinds: Count (Prometheus counter), Gauge, Lag (a gauge; -1 is unknown: JSON null, no sample), Since (a
// Unix time in ms, 0 when unset: JSON ISO time or null, not in /metrics), Millis (JSON seconds with three
// decimals, a Prometheus counter in seconds), Micros (JSON integer microseconds, a Prometheus gauge in
// seconds written after the other counters of its group), Rejected (the sum of rejectsByReason, derived by
// sample(): JSON total plus a by-reason object that closes its group, a Prometheus counter by reason).
#define TXPULSE_COUNTERS(X)                                                                                            \
    X(feedConnectedSinceMs, Since, Feed, "connected_since", nullptr, nullptr, nullptr)                                 \
    X(feedMessages, Count, Feed, "messages", "txpulse_feed_messages_total", "WebSocket frames received from the feed.",\
      "messages_per_second")                                                                                           \
    X(feedBytes, Count, Feed, "bytes", "txpulse_feed_bytes_total", "Bytes received from the feed.", nullptr)           \
    X(feedTransactions, Count, Feed, "transactions", "txpulse_feed_transactions_total",                                \
      "Transactions accepted from the feed.", "transactions_per_second")                                               \
    X(feedIgnored, Count, Feed, "ignored", "txpulse_feed_ignored_total",                                               \
      "Valid feed messages of another kind (pong, block, ...).", nullptr)                                              \
    X(feedRejected, Rejected, Feed, "rejected", "txpulse_feed_rejected_total", "Feed messages rejected, by reason.",   \
      "rejected_per_second")                                                                                           \
    X(feedReconnects, Count, Feed, "reconnects", "txpulse_feed_reconnects_total", "Feed reconnections.", nullptr)      \
    X(feedInFlight, Gauge, Feed, "in_flight", "txpulse_feed_in_flight",                                                \
      "Feed messages handed off and not yet in a bounded queue (backpressure bound).", nullptr)                       \
    X(feedInFlightPeak, Gauge, Feed, "in_flight_peak", "txpulse_feed_in_flight_peak",                                  \
      "Highest txpulse_feed_in_flight since start.", nullptr)                                                          \
    X(feedPauses, Count, Feed, "paused", "txpulse_feed_backpressure_pauses_total",                                     \
      "Times the feed stopped reading because too much was in flight.", nullptr)                                       \
    X(feedPausedMs, Millis, Feed, "paused_seconds", "txpulse_feed_backpressure_paused_seconds_total",                  \
      "Time the feed spent not reading because too much was in flight.", nullptr)                                      \
    X(produced, Count, Kafka, "produced", "txpulse_kafka_produced_total", "Messages Kafka acknowledged.",              \
      "produced_per_second")                                                                                           \
    X(produceErrors, Count, Kafka, "produce_errors", "txpulse_kafka_produce_errors_total",                             \
      "Messages Kafka failed to deliver.", nullptr)                                                                    \
    X(produceQueue, Gauge, Kafka, "produce_queue", "txpulse_kafka_produce_queue", "Messages waiting in the producer.", \
      nullptr)                                                                                                         \
    X(spooled, Gauge, Kafka, "spooled", "txpulse_spool_messages", "Messages in the on-disk spool.", nullptr)           \
    X(dropped, Count, Kafka, "dropped", "txpulse_dropped_total", "Messages that could not be kept anywhere.", nullptr) \
    X(consumed, Count, Kafka, "consumed", "txpulse_kafka_consumed_total", "Messages consumed from Kafka.",             \
      "consumed_per_second")                                                                                           \
    X(consumerLag, Lag, Kafka, "consumer_lag", "txpulse_kafka_consumer_lag",                                           \
      "Consumer lag summed over assigned partitions (absent when unknown).", nullptr)                                 \
    X(applied, Count, Store, "applied", "txpulse_store_applied_total", "Transactions aggregated.",                     \
      "applied_per_second")                                                                                            \
    X(duplicates, Count, Store, "duplicates", "txpulse_store_duplicates_total",                                        \
      "Transactions seen again within the window.", nullptr)                                                           \
    X(late, Count, Store, "late", "txpulse_store_late_total", "Transactions older than the window.", nullptr)          \
    X(storeBatches, Count, Store, "batches", "txpulse_store_batches_total", "Store batches written.", nullptr)         \
    X(storeLastBatchUs, Micros, Store, "last_batch_us", "txpulse_store_last_batch_seconds",                            \
      "Wall time of the last store batch.", nullptr)                                                                   \
    X(storeErrors, Count, Store, "errors", "txpulse_store_errors_total", "Store batches that failed.", nullptr)

// The connection state of each part: X(field, group, Prometheus name). JSON "state" opens its group; /metrics
// has one gauge family per part, 1 for the current state and 0 for the others, before the counters.
#define TXPULSE_STATES(X)                                                                                              \
    X(feedState, Feed, "txpulse_feed_state")                                                                           \
    X(kafkaState, Kafka, "txpulse_kafka_state")                                                                        \
    X(redisState, Redis, "txpulse_redis_state")

enum class StatKind { Count, Gauge, Lag, Since, Millis, Micros, Rejected };
enum class StatGroup { Feed, Kafka, Redis, Store };
inline constexpr StatGroup kStatGroups[] = {StatGroup::Feed, StatGroup::Kafka, StatGroup::Redis, StatGroup::Store};
const char *statGroupName(StatGroup g); // the JSON key of the group: "feed", "kafka", ...

namespace stats_detail {
// What a Stats member is for each kind: a relaxed atomic, or nothing for a value sample() derives.
struct Derived {
    constexpr explicit Derived(std::int64_t) {}
};
template <StatKind K> struct Live { using type = std::atomic<std::int64_t>; };
template <> struct Live<StatKind::Rejected> { using type = Derived; };
constexpr std::int64_t initial(StatKind k) { return k == StatKind::Lag ? -1 : 0; }
} // namespace stats_detail

// A plain copy of every counter at one moment; what a Snapshot carries to the views.
struct StatsSample {
#define TXPULSE_STATE_FIELD(field, group, prom) ComponentState field = ComponentState::Disabled;
#define TXPULSE_SAMPLE_FIELD(field, kind, group, key, prom, help, rate)                                                \
    std::int64_t field = stats_detail::initial(StatKind::kind);
    TXPULSE_STATES(TXPULSE_STATE_FIELD)
    TXPULSE_COUNTERS(TXPULSE_SAMPLE_FIELD)
#undef TXPULSE_SAMPLE_FIELD
#undef TXPULSE_STATE_FIELD
    std::array<std::int64_t, kParseErrorCount> rejectsByReason{}; // feedRejected is their sum
};

// One counter of TXPULSE_COUNTERS as a value, for code that writes them all (/api/v1/stats, /metrics).
struct StatCounter {
    std::int64_t StatsSample::*field;
    StatKind kind;
    StatGroup group;
    const char *key;      // JSON key inside its group
    const char *prometheus; // nullptr: not in /metrics
    const char *help;
    const char *rateKey;  // nullptr: no per-second rate in /api/v1/stats "rates"
};
struct StatState {
    ComponentState StatsSample::*field;
    StatGroup group;
    const char *prometheus;
};

inline constexpr StatCounter kStatCounters[] = {
#define TXPULSE_COUNTER_ROW(field, kind, group, key, prom, help, rate)                                                 \
    {&StatsSample::field, StatKind::kind, StatGroup::group, key, prom, help, rate},
    TXPULSE_COUNTERS(TXPULSE_COUNTER_ROW)
#undef TXPULSE_COUNTER_ROW
};
inline constexpr StatState kStatStates[] = {
#define TXPULSE_STATE_ROW(field, group, prom) {&StatsSample::field, StatGroup::group, prom},
    TXPULSE_STATES(TXPULSE_STATE_ROW)
#undef TXPULSE_STATE_ROW
};

// Live counters shared by the components of one process. Owned by the composition root, which outlives
// every worker; components on any thread write with relaxed atomics, views read a StatsSample.
class Stats {
public:
#define TXPULSE_STATE_ATOMIC(field, group, prom) std::atomic<int> field{static_cast<int>(ComponentState::Disabled)};
#define TXPULSE_COUNTER_ATOMIC(field, kind, group, key, prom, help, rate)                                              \
    stats_detail::Live<StatKind::kind>::type field{stats_detail::initial(StatKind::kind)};
    TXPULSE_STATES(TXPULSE_STATE_ATOMIC)
    TXPULSE_COUNTERS(TXPULSE_COUNTER_ATOMIC)
#undef TXPULSE_COUNTER_ATOMIC
#undef TXPULSE_STATE_ATOMIC
    std::array<std::atomic<std::int64_t>, kParseErrorCount> rejectsByReason{};

    void setFeedState(ComponentState s) { feedState.store(static_cast<int>(s), std::memory_order_relaxed); }
    void setKafkaState(ComponentState s) { kafkaState.store(static_cast<int>(s), std::memory_order_relaxed); }
    void setRedisState(ComponentState s) { redisState.store(static_cast<int>(s), std::memory_order_relaxed); }
    void countReject(ParseError e)
    {
        rejectsByReason[static_cast<std::size_t>(e)].fetch_add(1, std::memory_order_relaxed);
    }

    StatsSample sample() const;
};

} // namespace txpulse
