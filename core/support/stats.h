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

// A plain copy of every counter at one moment; what a Snapshot carries to the views.
struct StatsSample {
    ComponentState feedState = ComponentState::Disabled;
    ComponentState kafkaState = ComponentState::Disabled;
    ComponentState redisState = ComponentState::Disabled;

    std::int64_t feedConnectedSinceMs = 0; // 0 when not connected
    std::int64_t feedMessages = 0;         // frames received
    std::int64_t feedBytes = 0;
    std::int64_t feedTransactions = 0;     // accepted utx messages
    std::int64_t feedIgnored = 0;          // valid messages with another op (pong, block, ...)
    std::int64_t feedRejected = 0;         // sum of rejectsByReason
    std::int64_t feedReconnects = 0;
    std::int64_t feedInFlight = 0;         // handed off by the feed, not yet in a bounded queue (FlowCredit)
    std::int64_t feedInFlightPeak = 0;
    std::int64_t feedPauses = 0;           // times the feed stopped reading because feedInFlight was too high
    std::int64_t feedPausedMs = 0;         // time spent not reading for that reason (backpressure)
    std::array<std::int64_t, kParseErrorCount> rejectsByReason{};

    std::int64_t produced = 0;        // delivery reports with success
    std::int64_t produceErrors = 0;   // delivery reports with an error
    std::int64_t produceQueue = 0;    // messages waiting in the producer (librdkafka's queue + our buffer)
    std::int64_t spooled = 0;         // messages currently in the on-disk spool
    std::int64_t dropped = 0;         // messages that could not be kept anywhere (counted, never silent)

    std::int64_t consumed = 0;        // messages consumed from Kafka
    std::int64_t consumerLag = -1;    // sum over assigned partitions; -1 unknown

    std::int64_t applied = 0;         // transactions aggregated
    std::int64_t duplicates = 0;      // seen again within the window, not counted twice
    std::int64_t late = 0;            // older than the window, counted here only
    std::int64_t storeBatches = 0;
    std::int64_t storeLastBatchUs = 0; // wall time of the last store batch
    std::int64_t storeErrors = 0;
};

// Live counters shared by the components of one process. Owned by the composition root, which outlives
// every worker; components on any thread write with relaxed atomics, views read a StatsSample.
class Stats {
public:
    std::atomic<int> feedState{static_cast<int>(ComponentState::Disabled)};
    std::atomic<int> kafkaState{static_cast<int>(ComponentState::Disabled)};
    std::atomic<int> redisState{static_cast<int>(ComponentState::Disabled)};

    std::atomic<std::int64_t> feedConnectedSinceMs{0};
    std::atomic<std::int64_t> feedMessages{0};
    std::atomic<std::int64_t> feedBytes{0};
    std::atomic<std::int64_t> feedTransactions{0};
    std::atomic<std::int64_t> feedIgnored{0};
    std::atomic<std::int64_t> feedReconnects{0};
    std::atomic<std::int64_t> feedInFlight{0};
    std::atomic<std::int64_t> feedInFlightPeak{0};
    std::atomic<std::int64_t> feedPauses{0};
    std::atomic<std::int64_t> feedPausedMs{0};
    std::array<std::atomic<std::int64_t>, kParseErrorCount> rejectsByReason{};

    std::atomic<std::int64_t> produced{0};
    std::atomic<std::int64_t> produceErrors{0};
    std::atomic<std::int64_t> produceQueue{0};
    std::atomic<std::int64_t> spooled{0};
    std::atomic<std::int64_t> dropped{0};

    std::atomic<std::int64_t> consumed{0};
    std::atomic<std::int64_t> consumerLag{-1};

    std::atomic<std::int64_t> applied{0};
    std::atomic<std::int64_t> duplicates{0};
    std::atomic<std::int64_t> late{0};
    std::atomic<std::int64_t> storeBatches{0};
    std::atomic<std::int64_t> storeLastBatchUs{0};
    std::atomic<std::int64_t> storeErrors{0};

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
