#pragma once

// The value types of the store host that aggregates and views share: window sizes, gaps, what apply()
// answers and what read() is asked. No I/O, no aggregate state (that lives in core/aggregates/<name>/).

#include <QMetaType>
#include <QString>

#include <cstdint>

namespace txpulse {

// Window sizes shared by every store and view.
inline constexpr int kCountWindowMinutes = 60;   // /transactions_count_per_minute
inline constexpr int kChartWindowMinutes = 180;  // charts and /api/v1/minutes
inline constexpr int kRankingWindowMinutes = 180; // address ranking: the last 3 hours
inline constexpr int kLatestCount = 100;          // /show_transactions
// Events up to this far ahead of the clock keep their own minute; beyond it they count in the current minute
// (ApplyResult::future counts them).
inline constexpr int kFutureSkewSeconds = 120;

// A time span when the feed was not connected: minutes inside it are gaps, not zeros.
struct Gap {
    std::int64_t fromMs = 0;
    std::int64_t toMs = 0; // 0 while the gap is still open
};

struct ApplyResult {
    std::int64_t applied = 0;    // counted now
    std::int64_t duplicates = 0; // hash already counted within the window
    std::int64_t late = 0;       // older than the ranking window: counted as late only
    std::int64_t future = 0;     // part of `applied`: more than kFutureSkewSeconds ahead, put in the current minute
};

struct ReadRequest {
    int minutes = kChartWindowMinutes; // per-minute series length, ending with the current minute
    int topN = 100;                    // address ranking entries
};

struct StoreOptions {
    QString prefix = QStringLiteral("txpulse:"); // Redis key prefix
    int windowMinutes = kRankingWindowMinutes;
};

} // namespace txpulse

Q_DECLARE_METATYPE(txpulse::Gap)
