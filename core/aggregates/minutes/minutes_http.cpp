#include "aggregates/minutes/minutes_http.h"

#include "aggregates/minutes/minute_counts.h"

#include "http/http_render.h"
#include "http/route_table.h"

#include <algorithm>

namespace txpulse {

namespace {

constexpr std::int64_t kMinuteMs = 60'000;

const MinuteBucket *findBucket(const StoreView &v, std::int64_t minute)
{
    if (v.minutes.empty())
        return nullptr;
    const std::int64_t index = minute - v.minutes.front().minute;
    if (index >= 0 && index < static_cast<std::int64_t>(v.minutes.size())
        && v.minutes[static_cast<std::size_t>(index)].minute == minute)
        return &v.minutes[static_cast<std::size_t>(index)];
    const auto it = std::find_if(v.minutes.begin(), v.minutes.end(),
                                 [minute](const MinuteBucket &b) { return b.minute == minute; });
    return it == v.minutes.end() ? nullptr : &*it;
}

std::int64_t currentMinute(const Snapshot &s)
{
    return Transaction::floorDiv(s.view.nowMs, kMinuteMs);
}

// ["HH:MM", count] of minute m (0..59) of the last hour; the gap header says the feed was down.
http::Response minuteCountJson(const Snapshot &s, int m)
{
    const std::int64_t minute = currentMinute(s) - kCountWindowMinutes + m;
    const MinuteBucket *bucket = findBucket(s.view, minute);
    QByteArray out = "[\"" + http::isoUtc(minute * kMinuteMs).mid(11, 5) + "\",";
    http::appendNumber(out, bucket ? bucket->count : 0);
    out += ']';
    const bool gap = !bucket || bucket->gap;
    return {200, http::kJsonType, std::move(out), gap ? "X-Txpulse-Gap: 1\r\n" : QByteArray()};
}

QByteArray minutesJson(const Snapshot &s, int minutes)
{
    QByteArray out;
    out.reserve(minutes * 80 + 100);
    out += "{\"generated_at\":\"" + http::isoUtc(s.generatedMs, true) + "\",\"count\":" + QByteArray::number(minutes)
           + ",\"items\":[";
    bool first = true;
    for (const MinuteRow &row : minuteRows(s, minutes)) {
        if (!first)
            out += ',';
        first = false;
        out += "{\"minute\":\"" + http::isoUtc(row.minute * kMinuteMs) + "\",\"count\":";
        http::appendNumber(out, row.count);
        out += ",\"gap\":";
        http::appendBool(out, row.gap);
        out += ",\"partial\":";
        http::appendBool(out, row.partial);
        out += '}';
    }
    out += "]}";
    return out;
}

const char *boolText(bool b)
{
    return b ? "true" : "false";
}

} // namespace

std::vector<MinuteRow> minuteRows(const Snapshot &s, int minutes)
{
    std::vector<MinuteRow> rows;
    rows.reserve(static_cast<std::size_t>(std::max(minutes, 0)));
    const std::int64_t current = currentMinute(s);
    for (std::int64_t minute = current - minutes + 1; minute <= current; ++minute) {
        const MinuteBucket *b = findBucket(s.view, minute);
        rows.push_back({minute, b ? b->count : 0, !b || b->gap, minute == current});
    }
    return rows;
}

Table<MinuteRow> minutesTable(bool utc)
{
    return {
        {"minute", [utc](const MinuteRow &r, std::size_t) { return isoTimeText(r.minute * 60, utc); }},
        {"count", [](const MinuteRow &r, std::size_t) { return QByteArray::number(static_cast<qint64>(r.count)); }},
        {"gap", [](const MinuteRow &r, std::size_t) { return QByteArray(boolText(r.gap)); }},
        {"partial", [](const MinuteRow &r, std::size_t) { return QByteArray(boolText(r.partial)); }},
    };
}

void aggregates::MinuteCounts::addRoutes(http::RouteTable &routes)
{
    http::Route legacy;
    legacy.path = "/transactions_count_per_minute/{m}";
    legacy.needsWindow = true; // not served by role ingest
    legacy.group = http::RouteGroup::Seed;
    legacy.pathParam = http::PathParam{"m", "minute", 0, kCountWindowMinutes - 1};
    legacy.json = [](const Snapshot &s, const http::RouteArgs &a) { return minuteCountJson(s, a.value("m")); };
    legacy.operationId = "transactionsCountPerMinute";
    legacy.summary = "Transactions counted in one minute of the last hour";
    legacy.description = "m = 0 is the minute that started 60 minutes ago, m = 59 the minute that started 1 minute "
                         "ago; the current partial minute is not included. m is written with digits only: no "
                         "sign, no leading zeros.";
    legacy.okDescription = "[\"HH:MM\", count] (UTC); header X-Txpulse-Gap: 1 when the feed was down in that minute";
    legacy.okSchema = R"({"type": "array", "minItems": 2, "maxItems": 2, "items": {"oneOf": [{"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$"}, {"type": "integer"}]}})";
    routes.add(std::move(legacy));

    const Table<MinuteRow> table = minutesTable();
    http::Route v1;
    v1.path = "/api/v1/minutes";
    v1.needsWindow = true; // not served by role ingest
    v1.query = {http::integerParam("minutes", 1, kChartWindowMinutes, kCountWindowMinutes)};
    v1.json = [](const Snapshot &s, const http::RouteArgs &a) { return minutesJson(s, a.value("minutes")); };
    v1.csv = [table](const Snapshot &s, const http::RouteArgs &a) {
        return writeCsv(table, minuteRows(s, a.value("minutes")));
    };
    v1.csvColumns = csvHeader(table);
    v1.operationId = "minutes";
    v1.summary = "Per-minute transaction counts, oldest first, ending with the current partial minute";
    v1.okDescription = "gap is true when the feed was down (the count is then not a real zero)";
    v1.okSchema = R"({"$ref": "#/components/schemas/Minutes"})";
    v1.schemas = {{"Minutes", R"({"type": "object", "required": ["generated_at", "count", "items"], "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "count": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "required": ["minute", "count", "gap", "partial"], "properties": {
          "minute": {"type": "string", "format": "date-time"},
          "count": {"type": "integer"},
          "gap": {"type": "boolean"},
          "partial": {"type": "boolean"}}}}}})"}};
    routes.add(std::move(v1));
}

} // namespace txpulse
