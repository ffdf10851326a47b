#include "aggregates/latest/latest_http.h"

#include "http/http_render.h"
#include "http/route_table.h"
#include "support/logging.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>

namespace txpulse {

namespace {

// A feed message embedded verbatim must still be one JSON object, or the array around it breaks.
bool isJsonObject(const QByteArray &raw)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(raw, &error);
    return error.error == QJsonParseError::NoError && doc.isObject();
}

QByteArray number(std::int64_t n)
{
    return QByteArray::number(static_cast<qint64>(n));
}

// [<raw message>, ...] newest first
QByteArray showTransactionsJson(const Snapshot &s)
{
    QByteArray out;
    std::size_t bytes = 2;
    for (const QByteArray &raw : s.view.latest)
        bytes += static_cast<std::size_t>(raw.size()) + 1;
    out.reserve(static_cast<qsizetype>(bytes));
    out += '[';
    bool first = true;
    for (const QByteArray &raw : s.view.latest) {
        if (!isJsonObject(raw)) {
            qCWarning(lcApi) << "skipping a stored message that is not a JSON object";
            continue;
        }
        if (!first)
            out += ',';
        first = false;
        out += raw.trimmed();
    }
    out += ']';
    return out;
}

QByteArray transactionsJson(const Snapshot &s, int limit)
{
    using namespace http;
    const auto n = std::min<std::size_t>(static_cast<std::size_t>(limit), s.latest.size());
    QByteArray out = "{\"generated_at\":\"" + isoUtc(s.generatedMs, true) + "\",\"items\":[";
    for (std::size_t i = 0; i < n; ++i) {
        const Transaction &t = s.latest[i];
        if (i)
            out += ',';
        out += '{';
        appendKey(out, "hash", true);
        appendJsonString(out, t.hash);
        appendKey(out, "time");
        out += '"' + isoUtc(t.time * 1000) + '"';
        appendKey(out, "time_unix");
        appendNumber(out, t.time);
        appendKey(out, "size");
        appendNumber(out, t.size);
        appendKey(out, "inputs");
        appendNumber(out, static_cast<std::int64_t>(t.inputs.size()));
        appendKey(out, "outputs");
        appendNumber(out, static_cast<std::int64_t>(t.outputs.size()));
        appendKey(out, "total_in");
        appendNumber(out, t.totalIn);
        appendKey(out, "total_out");
        appendNumber(out, t.totalOut);
        appendKey(out, "fee");
        if (t.fee)
            appendNumber(out, *t.fee);
        else
            out += "null";
        appendKey(out, "raw");
        if (isJsonObject(t.raw))
            out += t.raw.trimmed();
        else
            out += "null";
        out += '}';
    }
    out += "],\"count\":";
    appendNumber(out, static_cast<std::int64_t>(n));
    out += '}';
    return out;
}

} // namespace

Table<Transaction> transactionsTable(bool utc)
{
    return {
        {"hash", [](const Transaction &t, std::size_t) { return QByteArray::fromStdString(t.hash); }},
        {"time", [utc](const Transaction &t, std::size_t) { return isoTimeText(t.time, utc); }},
        {"size", [](const Transaction &t, std::size_t) { return number(t.size); }},
        {"inputs", [](const Transaction &t, std::size_t) { return number(static_cast<std::int64_t>(t.inputs.size())); }},
        {"outputs", [](const Transaction &t, std::size_t) { return number(static_cast<std::int64_t>(t.outputs.size())); }},
        {"total_in", [](const Transaction &t, std::size_t) { return number(t.totalIn); }},
        {"total_out", [](const Transaction &t, std::size_t) { return number(t.totalOut); }},
        {"fee", [](const Transaction &t, std::size_t) { return t.fee ? number(*t.fee) : QByteArray(); }},
        {"total_out_btc", [](const Transaction &t, std::size_t) { return btcText(t.totalOut); }},
    };
}

void addLatestRoutes(http::RouteTable &routes)
{
    http::Route legacy;
    legacy.path = "/show_transactions";
    legacy.group = http::RouteGroup::Seed;
    legacy.json = [](const Snapshot &s, const http::RouteArgs &) { return showTransactionsJson(s); };
    legacy.operationId = "showTransactions";
    legacy.summary = "The latest 100 feed messages as received, newest first";
    legacy.okDescription = "Array of raw blockchain.com utx messages";
    legacy.okSchema = R"({"type": "array", "maxItems": 100, "items": {"type": "object"}})";
    routes.add(std::move(legacy));

    const Table<Transaction> table = transactionsTable();
    http::Route v1;
    v1.path = "/api/v1/transactions";
    v1.query = {http::integerParam("limit", 1, kLatestCount, kLatestCount, "Digits only, no sign or leading zeros.",
                                   "Limit100")};
    v1.json = [](const Snapshot &s, const http::RouteArgs &a) { return transactionsJson(s, a.value("limit")); };
    v1.csv = [table](const Snapshot &s, const http::RouteArgs &a) {
        return writeCsv(table, s.latest, static_cast<std::size_t>(a.value("limit")));
    };
    v1.csvColumns = csvHeader(table);
    v1.operationId = "transactions";
    v1.summary = "Latest transactions, parsed, with the raw message";
    v1.okDescription = "Newest first";
    v1.okSchema = R"({"$ref": "#/components/schemas/Transactions"})";
    v1.schemas = {{"Transactions", R"({"type": "object", "required": ["generated_at", "count", "items"], "properties": {
        "generated_at": {"type": "string", "format": "date-time"},
        "count": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "required": ["hash", "time", "time_unix", "size", "inputs", "outputs", "total_in", "total_out", "fee", "raw"], "properties": {
          "hash": {"type": "string"},
          "time": {"type": "string", "format": "date-time"},
          "time_unix": {"type": "integer", "format": "int64"},
          "size": {"type": "integer"},
          "inputs": {"type": "integer"},
          "outputs": {"type": "integer"},
          "total_in": {"type": "integer", "format": "int64"},
          "total_out": {"type": "integer", "format": "int64"},
          "fee": {"type": "integer", "format": "int64", "nullable": true},
          "raw": {"type": "object", "nullable": true}}}}}})"}};
    routes.add(std::move(v1));
}

} // namespace txpulse
