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

// "Now" is the newest event time observed so far (`--clock replay`), so a recorded stream aggregates the
// same way whenever it is replayed. Until the first event it follows the wall clock.
class EventClock final : public Clock {
public:
    std::int64_t nowMs() const override
    {
        const std::int64_t seen = m_newestMs.load(std::memory_order_relaxed);
        return seen > 0 ? seen : QDateTime::currentMSecsSinceEpoch();
    }
    void observe(std::int64_t eventMs)
    {
        std::int64_t cur = m_newestMs.load(std::memory_order_relaxed);
        while (eventMs > cur && !m_newestMs.compare_exchange_weak(cur, eventMs, std::memory_order_relaxed)) {
        }
    }

private:
    std::atomic<std::int64_t> m_newestMs{0};
};

} // namespace txpulse
