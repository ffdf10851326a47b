#pragma once

// Private to the Store implementations: the window arithmetic both stores share, so MemoryStore and
// RedisStore cannot drift apart.

#include "model/transaction.h"
#include "store/store_types.h"
#include "support/hex.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace txpulse::storedetail {

// Keys and dedupe entries outlive the minute that needs them by this much, for clock skew between
// processes and so an aggregator that was briefly down still finds the buckets it must subtract.
inline constexpr std::int64_t kKeyMarginSeconds = 600;

inline std::int64_t minuteOfMs(std::int64_t ms)
{
    return Transaction::floorDiv(ms, 60'000);
}

// The minute a transaction is aggregated in. Event time is x.time; an event further than
// kFutureSkewSeconds ahead of our clock is aggregated in the current minute instead (the sender's clock is
// wrong, or ours is: either way the transaction exists now, and a minute in the future would not show).
inline std::int64_t effectiveMinute(const Transaction &tx, std::int64_t nowMs, bool *future = nullptr)
{
    const bool isFuture = tx.time > nowMs / 1000 + kFutureSkewSeconds;
    if (future)
        *future = isFuture;
    return isFuture ? minuteOfMs(nowMs) : tx.minute();
}

// Minutes <= this are outside the ranking window: late on arrival, subtracted by expire().
inline std::int64_t windowFloor(std::int64_t nowMs, int windowMinutes)
{
    return minuteOfMs(nowMs) - windowMinutes;
}

// Read requests are clamped to what the stores keep.
inline int clampMinutes(int requested)
{
    return std::clamp(requested, 1, kChartWindowMinutes);
}

// A transaction hash as a dedupe key: 64 hex digits (either case) packed into 32 bytes, which halves the
// dedupe memory and makes "ABC..." and "abc..." the same transaction. Anything else is used as given.
inline std::string dedupeKey(const std::string &hash)
{
    if (hash.size() != 64)
        return hash;
    std::string out(32, '\0');
    for (std::size_t i = 0; i < 32; ++i) {
        const int hi = hexDigitValue(hash[2 * i]);
        const int lo = hexDigitValue(hash[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return hash;
        out[i] = static_cast<char>((hi << 4) | lo);
    }
    return out;
}

// Gap g overlaps [fromMs, toMs) when it starts before the end and has not ended before the start
// (an open gap, toMs == 0, lasts until now).
inline bool gapOverlaps(const Gap &g, std::int64_t fromMs, std::int64_t toMs, std::int64_t nowMs)
{
    const std::int64_t end = g.toMs == 0 ? nowMs : g.toMs;
    return g.fromMs < toMs && end > fromMs;
}

} // namespace txpulse::storedetail
