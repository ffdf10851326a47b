#pragma once

#include <cstdint>
#include <deque>
#include <utility>

namespace txpulse {

// Events per second over about the last `windowMs`, from a running total sampled on a cadence (each snapshot).
// A plain value type, not thread-safe.
class RateMeter {
public:
    explicit RateMeter(std::int64_t windowMs = 5000) : m_windowMs(windowMs) {}

    // `total` events by `nowMs` (any monotonic milliseconds); returns the recent rate per second.
    double sample(std::int64_t nowMs, std::int64_t total)
    {
        m_samples.emplace_back(nowMs, total);
        while (m_samples.size() > 2 && nowMs - m_samples[1].first >= m_windowMs)
            m_samples.pop_front();
        const auto &[t0, n0] = m_samples.front();
        return nowMs > t0 ? double(total - n0) * 1000.0 / double(nowMs - t0) : 0.0;
    }

private:
    std::int64_t m_windowMs;
    std::deque<std::pair<std::int64_t, std::int64_t>> m_samples; // (ms, total), oldest first
};

} // namespace txpulse
