#include "minute_series.h"

#include <algorithm>

namespace txpulse::ui {

std::vector<MinutePoint> minuteSeries(const StoreView &view, int minutes)
{
    std::vector<MinutePoint> points;
    if (view.minutes.empty() || minutes <= 0)
        return points;
    points.reserve(static_cast<std::size_t>(minutes));
    const auto available = static_cast<int>(view.minutes.size());
    const int take = std::min(available, minutes);
    const std::int64_t firstTaken = view.minutes[static_cast<std::size_t>(available - take)].minute;
    for (int i = minutes - take; i > 0; --i)
        points.push_back(MinutePoint{firstTaken - i, 0, true, false});
    for (int i = available - take; i < available; ++i) {
        const MinuteBucket &b = view.minutes[static_cast<std::size_t>(i)];
        points.push_back(MinutePoint{b.minute, b.count, b.gap && b.count == 0, false});
    }
    points.back().partial = true;
    return points;
}

void markBeforeStart(std::vector<MinutePoint> &points, std::int64_t startMinute)
{
    bool leading = true; // only the run before the first data: a gap after data is the feed's
    for (MinutePoint &p : points) {
        leading = leading && p.gap;
        p.beforeStart = leading && p.minute < startMinute;
    }
}

MinuteSummary summarize(const std::vector<MinutePoint> &points)
{
    MinuteSummary s;
    int complete = 0;
    std::int64_t completeTotal = 0;
    for (const MinutePoint &p : points) {
        s.total += p.count;
        if (p.gap) {
            ++(p.beforeStart ? s.beforeStartMinutes : s.gapMinutes);
            continue;
        }
        if (p.partial)
            continue;
        ++complete;
        completeTotal += p.count;
        if (p.count > s.peak || s.peakMinute == 0) {
            s.peak = p.count;
            s.peakMinute = p.minute;
        }
    }
    s.average = complete > 0 ? static_cast<double>(completeTotal) / complete : 0;
    return s;
}

} // namespace txpulse::ui
