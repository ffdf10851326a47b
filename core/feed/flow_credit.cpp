#include "feed/flow_credit.h"

#include "support/stats.h"

#include <algorithm>
#include <chrono>

namespace txpulse {

FlowCredit::FlowCredit(Stats &stats, qint64 highWater, qint64 lowWater)
    : m_stats(stats)
    , m_high(std::max<qint64>(1, highWater))
    , m_low(std::clamp<qint64>(lowWater, 0, m_high - 1))
{
}

qint64 FlowCredit::inFlight() const
{
    return m_stats.feedInFlight.load();
}

qint64 FlowCredit::peak() const
{
    return m_stats.feedInFlightPeak.load(std::memory_order_relaxed);
}

void FlowCredit::acquire(qint64 n)
{
    if (n <= 0)
        return;
    const qint64 now = m_stats.feedInFlight.fetch_add(n) + n;
    std::int64_t peak = m_stats.feedInFlightPeak.load(std::memory_order_relaxed);
    while (now > peak && !m_stats.feedInFlightPeak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
}

void FlowCredit::release(qint64 n)
{
    if (n <= 0)
        return;
    const qint64 now = m_stats.feedInFlight.fetch_sub(n) - n;
    Q_ASSERT(now >= 0);
    // Only a waiting feed needs the lock and a notification. Sequentially consistent on both sides (this
    // decrement then m_waiting; the waiter's m_waiting then inFlight()): one of the two sees the other's
    // store, so a wake-up is never lost; the waiter holds the lock until it sleeps.
    if (now <= m_low && m_waiting.load()) {
        std::lock_guard lock(m_mutex);
        m_roomAvailable.notify_all();
    }
}

std::shared_ptr<const void> FlowCredit::lease(qint64 n)
{
    if (n <= 0)
        return nullptr;
    // The deleter is the release; the pointee is only there to have something to point at.
    return std::shared_ptr<const void>(this, [n](FlowCredit *credit) { credit->release(n); });
}

bool FlowCredit::waitForRoom(int timeoutMs)
{
    std::unique_lock lock(m_mutex);
    m_waiting.store(true);
    const bool room = m_roomAvailable.wait_for(lock, std::chrono::milliseconds(std::max(0, timeoutMs)),
                                               [this] { return inFlight() <= m_low; });
    m_waiting.store(false);
    return room;
}

} // namespace txpulse
