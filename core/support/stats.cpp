#include "support/stats.h"

namespace txpulse {

const char *componentStateName(ComponentState s)
{
    switch (s) {
    case ComponentState::Disabled: return "disabled";
    case ComponentState::Connecting: return "connecting";
    case ComponentState::Connected: return "connected";
    case ComponentState::Reconnecting: return "reconnecting";
    case ComponentState::Down: return "down";
    }
    return "unknown";
}

StatsSample Stats::sample() const
{
    constexpr auto r = std::memory_order_relaxed;
    StatsSample s;
    s.feedState = static_cast<ComponentState>(feedState.load(r));
    s.kafkaState = static_cast<ComponentState>(kafkaState.load(r));
    s.redisState = static_cast<ComponentState>(redisState.load(r));
    s.feedConnectedSinceMs = feedConnectedSinceMs.load(r);
    s.feedMessages = feedMessages.load(r);
    s.feedBytes = feedBytes.load(r);
    s.feedTransactions = feedTransactions.load(r);
    s.feedIgnored = feedIgnored.load(r);
    s.feedReconnects = feedReconnects.load(r);
    s.feedInFlight = feedInFlight.load(r);
    s.feedInFlightPeak = feedInFlightPeak.load(r);
    s.feedPauses = feedPauses.load(r);
    s.feedPausedMs = feedPausedMs.load(r);
    for (std::size_t i = 0; i < kParseErrorCount; ++i) {
        s.rejectsByReason[i] = rejectsByReason[i].load(r);
        s.feedRejected += s.rejectsByReason[i];
    }
    s.produced = produced.load(r);
    s.produceErrors = produceErrors.load(r);
    s.produceQueue = produceQueue.load(r);
    s.spooled = spooled.load(r);
    s.dropped = dropped.load(r);
    s.consumed = consumed.load(r);
    s.consumerLag = consumerLag.load(r);
    s.applied = applied.load(r);
    s.duplicates = duplicates.load(r);
    s.late = late.load(r);
    s.storeBatches = storeBatches.load(r);
    s.storeLastBatchUs = storeLastBatchUs.load(r);
    s.storeErrors = storeErrors.load(r);
    return s;
}

} // namespace txpulse
