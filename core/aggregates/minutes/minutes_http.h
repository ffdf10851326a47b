#pragma once

#include "store/snapshot.h"
#include "support/table_writer.h"

#include <cstdint>
#include <vector>

namespace txpulse {

namespace http {
class RouteTable;
}

// The per-minute counts over HTTP: /transactions_count_per_minute/{m} (the seed's shape) and /api/v1/minutes
// (JSON or CSV), and the minutes table the window exports with the same writer.

// One minute of the table. A minute the snapshot does not cover, or one the feed was down for, is a gap:
// there is no data, and the count (0) is not a real zero.
struct MinuteRow {
    std::int64_t minute = 0; // Unix minute
    std::int64_t count = 0;
    bool gap = false;
    bool partial = false; // the current minute, still filling
};

// The last `minutes` minutes of the snapshot, oldest first, ending with the current (partial) one.
std::vector<MinuteRow> minuteRows(const Snapshot &s, int minutes);
// minute,count,gap,partial
Table<MinuteRow> minutesTable(bool utc = true);

void addMinutesRoutes(http::RouteTable &routes);

} // namespace txpulse
