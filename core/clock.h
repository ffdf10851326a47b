#pragma once

#include <QDateTime>

#include <atomic>
#include <cstdint>

namespace txpulse {

// Source of "now" for the event-time windows. Production uses WallClock; tests and replays inject a
// ManualClock so that window math is reproducible without sleeping. Thread-safe: read from any thread.
class Clock {
public:
    virtual ~Clock() = default;
    virtual std::int64_t nowMs() const = 0;
    std::int64_t nowSeconds() const { return nowMs() / 1000; }
};

class WallClock final : public Clock {
public:
    std::int64_t nowMs() const override { return QDateTime::currentMSecsSinceEpoch(); }
};

class ManualClock final : public Clock {
public:
    explicit ManualClock(std::int64_t ms = 0) : m_ms(ms) {}
    std::int64_t nowMs() const override { return m_ms.load(std::memory_order_relaxed); }
    void setMs(std::int64_t ms) { m_ms.store(ms, std::memory_order_relaxed); }
    void advanceMs(std::int64_t ms) { m_ms.fetch_add(ms, std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> m_ms;
};

} // namespace txpulse
