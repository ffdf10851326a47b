#pragma once

#include "http/prometheus_writer.h"
#include "store/snapshot.h"
#include "support/error.h"

#include <QByteArray>
#include <QList>

#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace txpulse::http {

inline constexpr const char *kJsonType = "application/json";
inline constexpr const char *kCsvType = "text/csv; charset=utf-8";

// A query parameter of a route: validated by RouteTable::arguments() before the route renders (the reason of
// a refusal is the 400 body), and described in the OpenAPI document.
struct QueryParam {
    enum class Type { Integer, Choice };
    QByteArray name;
    Type type = Type::Integer;
    int min = 0, max = 0, fallback = 0;   // Integer: a canonical decimal in [min, max], `fallback` when absent
    std::optional<int> only;              // Integer: the one value accepted inside [min, max]...
    QByteArray onlyReason;                // ...and the reason given for any other
    QList<QByteArray> choices;            // Choice: the accepted words, the first is the default
    QByteArray description;               // OpenAPI; may be empty
    QByteArray component;                 // OpenAPI: shared as components/parameters/<component>; empty: inline
};

QueryParam integerParam(QByteArray name, int min, int max, int fallback, QByteArray description = {},
                        QByteArray component = {});
QueryParam formatParam(); // ?format=json|csv, added by RouteTable::add() to every route with a CSV body

// A path template's one parameter, "{name}" as the last segment: a canonical decimal in [min, max].
struct PathParam {
    QByteArray name;  // as in the template: "m"
    QByteArray label; // as named in refusals: "minute"
    int min = 0, max = 0;
};

// The validated arguments of one request: the path parameter, then each query parameter (Integer: its
// value, Choice: the index of the word), by name.
class RouteArgs {
public:
    int value(QByteArrayView name) const;
    bool csv() const { return m_csv; }
    QByteArray cacheKey() const; // the same for every request that renders the same body

private:
    friend class RouteTable;
    QList<std::pair<QByteArray, int>> m_values;
    bool m_csv = false;
};

// What a route answers: status, content type, body and extra header lines (each ending with CRLF).
struct Response {
    Response() = default;
    Response(QByteArray content) : body(std::move(content)) {} // NOLINT: a 200 JSON body
    Response(int s, QByteArray type, QByteArray content, QByteArray extra = {})
        : status(s), contentType(std::move(type)), body(std::move(content)), headers(std::move(extra))
    {
    }
    int status = 200;
    QByteArray contentType = kJsonType;
    QByteArray body;
    QByteArray headers;
};

enum class RouteGroup {
    Seed, // the seed application's routes (and /health): listed first, in /metrics and in the OpenAPI document
    Api,  // /api/v1 and operations
};

// One route, declared once: the dispatcher, the cache, /metrics and the OpenAPI document all read it.
struct Route {
    QByteArray path;                  // "/high_value_addr", or with a parameter "/transactions_count_per_minute/{m}"
    QList<QByteArray> methods{"GET"}; // HEAD is answered wherever GET is
    RouteGroup group = RouteGroup::Api;
    std::optional<PathParam> pathParam;
    std::vector<QueryParam> query;    // validated in this order (format last, added for a CSV body)
    bool open = false;                // no token needed (/health)
    bool needsSnapshot = true;        // 503 not_ready until the first snapshot has been read
    bool needsWindow = false;         // 503 not_served from a role that keeps no window (ingest)
    bool cached = true;               // the body depends only on the snapshot and the arguments

    std::function<Response(const Snapshot &, const RouteArgs &)> json; // the body (JSON unless it says otherwise)
    std::function<QByteArray(const Snapshot &, const RouteArgs &)> csv; // ?format=csv; empty: no CSV body
    QByteArray csvColumns;            // the CSV header row, for the OpenAPI document

    // OpenAPI: operation, 200 response (description, media type, schema as JSON text), extra responses
    // (a JSON object text), and the schemas the route contributes under components/schemas.
    QByteArray operationId, summary, description;
    QByteArray okDescription;
    QByteArray okMediaType = kJsonType;
    QByteArray okSchema;
    QByteArray extraResponses;
    std::vector<std::pair<QByteArray, QByteArray>> schemas;
};

// The routes of one HttpApi: core routes and those each aggregate registers (aggregates/aggregate_routes.h).
// A plain value, filled before the server starts and read-only afterwards; GUI thread.
class RouteTable {
public:
    void add(Route route); // kept in group order (Seed, then Api), otherwise in the order added
    // /metrics lines of a part that owns data in the snapshot, written after the counters.
    void addMetrics(std::function<void(PrometheusWriter &, const Snapshot &)> writer);

    const std::vector<Route> &routes() const { return m_routes; }

    struct Match {
        int index = -1;        // into routes(); -1: no route has this path
        QByteArray pathValue;  // the raw (still percent-encoded) segment of the path parameter
    };
    Match match(QByteArrayView path) const;
    // The path parameter, then the query; Error::message is the reason of the 400.
    Expected<RouteArgs> arguments(const Route &route, const Match &match, QByteArrayView rawQuery) const;

    void writeMetrics(PrometheusWriter &w, const Snapshot &s) const;

private:
    std::vector<Route> m_routes;
    std::vector<std::function<void(PrometheusWriter &, const Snapshot &)>> m_metrics;
};

} // namespace txpulse::http
