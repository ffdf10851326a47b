#include "aggregates/ranking/ranking_http.h"

#include "aggregates/ranking/address_ranking.h"

#include "http/http_render.h"
#include "http/route_table.h"

#include <algorithm>

namespace txpulse {

namespace {

std::size_t topCount(const Snapshot &s, int limit)
{
    return std::min<std::size_t>(static_cast<std::size_t>(limit), s.view.top.size());
}

// [["address", satoshis], ...]
QByteArray highValueJson(const Snapshot &s, int limit)
{
    const std::size_t n = topCount(s, limit);
    QByteArray out;
    out.reserve(static_cast<qsizetype>(n * 64 + 2));
    out += '[';
    for (std::size_t i = 0; i < n; ++i) {
        if (i)
            out += ',';
        out += '[';
        http::appendJsonString(out, s.view.top[i].address);
        out += ',';
        http::appendNumber(out, s.view.top[i].satoshis);
        out += ']';
    }
    out += ']';
    return out;
}

QByteArray topAddressesJson(const Snapshot &s, int limit, int windowMinutes)
{
    const std::size_t n = topCount(s, limit);
    QByteArray out;
    out.reserve(static_cast<qsizetype>(n * 80 + 200));
    out += "{\"generated_at\":\"" + http::isoUtc(s.generatedMs, true) + "\",\"window_minutes\":";
    http::appendNumber(out, windowMinutes);
    out += ",\"ranked_addresses\":";
    http::appendNumber(out, s.view.rankedAddresses);
    out += ",\"ranked_satoshis\":";
    http::appendNumber(out, s.view.rankedSatoshis);
    out += ",\"count\":";
    http::appendNumber(out, static_cast<std::int64_t>(n));
    out += ",\"items\":[";
    for (std::size_t i = 0; i < n; ++i) {
        if (i)
            out += ',';
        out += "{\"rank\":";
        http::appendNumber(out, static_cast<std::int64_t>(i + 1));
        out += ",\"address\":";
        http::appendJsonString(out, s.view.top[i].address);
        out += ",\"satoshis\":";
        http::appendNumber(out, s.view.top[i].satoshis);
        out += '}';
    }
    out += "]}";
    return out;
}

http::QueryParam limitParam()
{
    return http::integerParam("limit", 1, 1000, 100,
                              "Digits only, no sign or leading zeros. At most as many entries as the snapshot "
                              "holds are returned.",
                              "Limit1000");
}

} // namespace

Table<AddressTotal> addressesTable(std::int64_t rankedSatoshis)
{
    return {
        {"rank", [](const AddressTotal &, std::size_t i) { return QByteArray::number(static_cast<qulonglong>(i + 1)); }},
        {"address", [](const AddressTotal &a, std::size_t) { return QByteArray::fromStdString(a.address); }},
        {"satoshis", [](const AddressTotal &a, std::size_t) { return QByteArray::number(static_cast<qint64>(a.satoshis)); }},
        {"btc", [](const AddressTotal &a, std::size_t) { return btcText(a.satoshis); }},
        {"share_percent", [rankedSatoshis](const AddressTotal &a, std::size_t) {
             return QByteArray::number(sharePercent(a.satoshis, rankedSatoshis), 'f', 4);
         }},
    };
}

void aggregates::AddressRanking::addRoutes(http::RouteTable &routes)
{
    http::Route legacy;
    legacy.path = "/high_value_addr";
    legacy.needsWindow = true; // not served by role ingest
    legacy.group = http::RouteGroup::Seed;
    legacy.query = {limitParam()};
    legacy.json = [](const Snapshot &s, const http::RouteArgs &a) { return highValueJson(s, a.value("limit")); };
    legacy.operationId = "highValueAddresses";
    legacy.summary = "Addresses by value received over the last 3 hours, descending";
    legacy.okDescription = "[[address, satoshis], ...]";
    legacy.okSchema = R"({"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"oneOf": [{"type": "string"}, {"type": "integer", "format": "int64"}]}}})";
    routes.add(std::move(legacy));

    http::Route v1;
    v1.path = "/api/v1/addresses/top";
    v1.needsWindow = true; // not served by role ingest
    http::QueryParam window = http::integerParam(
        "window_minutes", 1, kRankingWindowMinutes, kRankingWindowMinutes,
        "Only the 3-hour ranking is kept, so 180 is the only accepted value.");
    // The store keeps one rolling ranking; a shorter window cannot be derived from it honestly.
    window.only = kRankingWindowMinutes;
    window.onlyReason = "window_minutes: only the " + QByteArray::number(kRankingWindowMinutes)
                        + "-minute ranking is kept, so 180 is the only accepted value";
    v1.query = {limitParam(), window};
    v1.json = [](const Snapshot &s, const http::RouteArgs &a) {
        return topAddressesJson(s, a.value("limit"), a.value("window_minutes"));
    };
    v1.csv = [](const Snapshot &s, const http::RouteArgs &a) {
        return writeCsv(addressesTable(s.view.rankedSatoshis), s.view.top, topCount(s, a.value("limit")));
    };
    v1.csvColumns = csvHeader(addressesTable(0));
    v1.operationId = "topAddresses";
    v1.summary = "Top addresses by value received in the ranking window";
    v1.okDescription = "Descending by satoshis, ties by address";
    v1.okSchema = R"({"$ref": "#/components/schemas/TopAddresses"})";
    v1.schemas = {{"TopAddresses", R"({"type": "object", "required": ["generated_at", "window_minutes", "ranked_addresses", "ranked_satoshis", "count", "items"], "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "window_minutes": {"type": "integer"},
        "ranked_addresses": {"type": "integer", "format": "int64"},
        "ranked_satoshis": {"type": "integer", "format": "int64"},
        "count": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "required": ["rank", "address", "satoshis"], "properties": {
          "rank": {"type": "integer"}, "address": {"type": "string"}, "satoshis": {"type": "integer", "format": "int64"}}}}}})"}};
    routes.add(std::move(v1));

    routes.addMetrics([](PrometheusWriter &w, const Snapshot &s) {
        w.family("txpulse_ranked_addresses", "gauge", "Addresses in the 3-hour ranking.");
        w.sample("txpulse_ranked_addresses", s.view.rankedAddresses);
    });
}

} // namespace txpulse
