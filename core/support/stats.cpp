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

const char *statGroupName(StatGroup g)
{
    switch (g) {
    case StatGroup::Feed: return "feed";
    case StatGroup::Kafka: return "kafka";
    case StatGroup::Redis: return "redis";
    case StatGroup::Store: return "store";
    }
    return "unknown";
}

namespace {

void load(std::int64_t &to, const std::atomic<std::int64_t> &from)
{
    to = from.load(std::memory_order_relaxed);
}

void load(std::int64_t &, const stats_detail::Derived &) {}

} // namespace

StatsSample Stats::sample() const
{
    StatsSample s;
#define TXPULSE_LOAD_STATE(field, group, prom)                                                                         \
    s.field = static_cast<ComponentState>(field.load(std::memory_order_relaxed));
#define TXPULSE_LOAD_COUNTER(field, kind, group, key, prom, help, rate) load(s.field, field);
    TXPULSE_STATES(TXPULSE_LOAD_STATE)
    TXPULSE_COUNTERS(TXPULSE_LOAD_COUNTER)
#undef TXPULSE_LOAD_COUNTER
#undef TXPULSE_LOAD_STATE
    for (std::size_t i = 0; i < kParseErrorCount; ++i) {
        s.rejectsByReason[i] = rejectsByReason[i].load(std::memory_order_relaxed);
        s.feedRejected += s.rejectsByReason[i];
    }
    return s;
}

} // namespace txpulse
