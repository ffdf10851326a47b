#pragma once

#include "store/store.h"

#include <cstdint>
#include <vector>

namespace txpulse::ui {

// One bar of the transactions-per-minute chart.
struct MinutePoint {
    std::int64_t minute = 0; // Unix minute
    std::int64_t count = 0;
    bool gap = false;        // the feed was down: no data, drawn as a gap, not as zero
    bool partial = false;    // the current minute, still filling
    bool beforeStart = false; // a gap from before this process started: "no data yet", not an outage
};

struct MinuteSummary {
    std::int64_t total = 0;        // sum over the points (partial minute included)
    std::int64_t peak = 0;         // highest complete, non-gap minute
    std::int64_t peakMinute = 0;   // its Unix minute (0 when there is none)
    double average = 0;            // per complete, non-gap minute
    int gapMinutes = 0;            // feed gaps, beforeStart minutes not included
    int beforeStartMinutes = 0;
};

// The last `minutes` buckets of a store view, oldest first, ending with the current (partial) minute.
// Pure: the chart, the CSV export and the tests share it. Missing leading minutes (a view shorter than
// asked for) are gaps: there is no data for them. Empty when the view has no minutes at all (not ready).
std::vector<MinutePoint> minuteSeries(const StoreView &view, int minutes);

// Marks the leading gaps (before any data) that lie before `startMinute` as beforeStart. For a store that
// began empty when this process started (standalone): those minutes say "not running yet", not "feed down".
void markBeforeStart(std::vector<MinutePoint> &points, std::int64_t startMinute);

MinuteSummary summarize(const std::vector<MinutePoint> &points);

} // namespace txpulse::ui
