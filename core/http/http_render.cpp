#include "http/http_render.h"

#include "support/logging.h"
#include "model/parse_error.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>
#include <cmath>

namespace txpulse::http {

namespace {

constexpr std::int64_t kMinuteMs = 60'000;

// A feed message embedded verbatim must still be one JSON object, or the array around it breaks.
bool isJsonObject(const QByteArray &raw)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(raw, &error);
    return error.error == QJsonParseError::NoError && doc.isObject();
}

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

void appendNumber(QByteArray &out, std::int64_t n)
{
    out += QByteArray::number(static_cast<qint64>(n));
}

void appendDouble(QByteArray &out, double d)
{
    if (!std::isfinite(d))
        out += "null";
    else
        out += QByteArray::number(std::round(d * 1000.0) / 1000.0, 'f', 3);
}

void appendKey(QByteArray &out, const char *key, bool first = false)
{
    if (!first)
        out += ',';
    out += '"';
    out += key;
    out += "\":";
}

void appendBool(QByteArray &out, bool b)
{
    out += b ? "true" : "false";
}

void appendState(QByteArray &out, const char *key, ComponentState state)
{
    appendKey(out, key);
    appendJsonString(out, componentStateName(state));
}

} // namespace

QByteArray isoUtc(std::int64_t ms, bool withMs)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
        .toString(withMs ? Qt::ISODateWithMs : Qt::ISODate)
        .toLatin1();
}

void appendJsonString(QByteArray &out, std::string_view text)
{
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += ch;
        }
    }
    out += '"';
}

void appendCsvField(QByteArray &out, std::string_view field)
{
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        out.append(field.data(), static_cast<qsizetype>(field.size()));
        return;
    }
    out += '"';
    for (char c : field) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
}

bool roleNeedsSnapshot(Role role)
{
    return role == Role::All || role == Role::View;
}

bool roleKeepsWindow(Role role)
{
    return role != Role::Ingest;
}

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

QByteArray highValueJson(const Snapshot &s, int limit)
{
    const auto n = std::min<std::size_t>(static_cast<std::size_t>(limit), s.view.top.size());
    QByteArray out;
    out.reserve(static_cast<qsizetype>(n * 64 + 2));
    out += '[';
    for (std::size_t i = 0; i < n; ++i) {
        if (i)
            out += ',';
        out += '[';
        appendJsonString(out, s.view.top[i].address);
        out += ',';
        appendNumber(out, s.view.top[i].satoshis);
        out += ']';
    }
    out += ']';
    return out;
}

QByteArray minuteCountJson(const Snapshot &s, int m, bool *gap)
{
    const std::int64_t minute = currentMinute(s) - kCountWindowMinutes + m;
    const MinuteBucket *bucket = findBucket(s.view, minute);
    if (gap)
        *gap = !bucket || bucket->gap;
    QByteArray out = "[\"" + isoUtc(minute * kMinuteMs).mid(11, 5) + "\",";
    appendNumber(out, bucket ? bucket->count : 0);
    out += ']';
    return out;
}

QByteArray transactionsBody(const Snapshot &s, int limit, bool csv)
{
    const auto n = std::min<std::size_t>(static_cast<std::size_t>(limit), s.latest.size());
    QByteArray out;
    if (csv) {
        out += "hash,time,size,inputs,outputs,total_in,total_out,fee\r\n";
        for (std::size_t i = 0; i < n; ++i) {
            const Transaction &t = s.latest[i];
            appendCsvField(out, t.hash);
            out += ',' + isoUtc(t.time * 1000) + ',';
            appendNumber(out, t.size);
            out += ',';
            appendNumber(out, static_cast<std::int64_t>(t.inputs.size()));
            out += ',';
            appendNumber(out, static_cast<std::int64_t>(t.outputs.size()));
            out += ',';
            appendNumber(out, t.totalIn);
            out += ',';
            appendNumber(out, t.totalOut);
            out += ',';
            if (t.fee)
                appendNumber(out, *t.fee);
            out += "\r\n";
        }
        return out;
    }
    out += "{\"generated_at\":\"" + isoUtc(s.generatedMs, true) + "\",\"items\":[";
    bool first = true;
    std::size_t count = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const Transaction &t = s.latest[i];
        if (!first)
            out += ',';
        first = false;
        ++count;
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
    appendNumber(out, static_cast<std::int64_t>(count));
    out += '}';
    return out;
}

QByteArray topAddressesBody(const Snapshot &s, int limit, int windowMinutes, bool csv)
{
    const auto n = std::min<std::size_t>(static_cast<std::size_t>(limit), s.view.top.size());
    QByteArray out;
    out.reserve(static_cast<qsizetype>(n * 80 + 200));
    if (csv) {
        out += "rank,address,satoshis\r\n";
        for (std::size_t i = 0; i < n; ++i) {
            appendNumber(out, static_cast<std::int64_t>(i + 1));
            out += ',';
            appendCsvField(out, s.view.top[i].address);
            out += ',';
            appendNumber(out, s.view.top[i].satoshis);
            out += "\r\n";
        }
        return out;
    }
    out += "{\"generated_at\":\"" + isoUtc(s.generatedMs, true) + "\",\"window_minutes\":";
    appendNumber(out, windowMinutes);
    out += ",\"ranked_addresses\":";
    appendNumber(out, s.view.rankedAddresses);
    out += ",\"ranked_satoshis\":";
    appendNumber(out, s.view.rankedSatoshis);
    out += ",\"count\":";
    appendNumber(out, static_cast<std::int64_t>(n));
    out += ",\"items\":[";
    for (std::size_t i = 0; i < n; ++i) {
        if (i)
            out += ',';
        out += "{\"rank\":";
        appendNumber(out, static_cast<std::int64_t>(i + 1));
        out += ",\"address\":";
        appendJsonString(out, s.view.top[i].address);
        out += ",\"satoshis\":";
        appendNumber(out, s.view.top[i].satoshis);
        out += '}';
    }
    out += "]}";
    return out;
}

QByteArray minutesBody(const Snapshot &s, int minutes, bool csv)
{
    const std::int64_t current = currentMinute(s);
    QByteArray out;
    out.reserve(minutes * 80 + 100);
    if (csv)
        out += "minute,count,gap,partial\r\n";
    else
        out += "{\"generated_at\":\"" + isoUtc(s.generatedMs, true) + "\",\"count\":"
               + QByteArray::number(minutes) + ",\"items\":[";
    for (std::int64_t minute = current - minutes + 1; minute <= current; ++minute) {
        const MinuteBucket *b = findBucket(s.view, minute);
        // A minute the snapshot does not cover is reported as a gap: there is no data, not a zero.
        const bool gap = !b || b->gap;
        const bool partial = minute == current;
        const QByteArray when = isoUtc(minute * kMinuteMs);
        if (csv) {
            out += when + ',';
            appendNumber(out, b ? b->count : 0);
            out += gap ? ",true" : ",false";
            out += partial ? ",true\r\n" : ",false\r\n";
        } else {
            if (minute != current - minutes + 1)
                out += ',';
            out += "{\"minute\":\"" + when + "\",\"count\":";
            appendNumber(out, b ? b->count : 0);
            out += ",\"gap\":";
            appendBool(out, gap);
            out += ",\"partial\":";
            appendBool(out, partial);
            out += '}';
        }
    }
    if (!csv)
        out += "]}";
    return out;
}

QByteArray statsJson(const Snapshot &s, const Rates &r)
{
    const StatsSample &st = s.stats;
    QByteArray out = "{";
    appendKey(out, "generated_at", true);
    out += '"' + isoUtc(s.generatedMs, true) + '"';
    appendKey(out, "ready");
    appendBool(out, s.ready);
    appendKey(out, "mode");
    appendJsonString(out, modeName(s.mode));
    appendKey(out, "role");
    appendJsonString(out, roleName(s.role));
    appendKey(out, "tx_per_second");
    appendDouble(out, s.txPerSecond);

    appendKey(out, "rates");
    out += '{';
    appendKey(out, "window_seconds", true);
    appendDouble(out, r.seconds);
    appendKey(out, "messages_per_second");
    appendDouble(out, r.messages);
    appendKey(out, "transactions_per_second");
    appendDouble(out, r.transactions);
    appendKey(out, "rejected_per_second");
    appendDouble(out, r.rejected);
    appendKey(out, "produced_per_second");
    appendDouble(out, r.produced);
    appendKey(out, "consumed_per_second");
    appendDouble(out, r.consumed);
    appendKey(out, "applied_per_second");
    appendDouble(out, r.applied);
    out += '}';

    appendKey(out, "feed");
    out += '{';
    out += "\"state\":";
    appendJsonString(out, componentStateName(st.feedState));
    appendKey(out, "connected_since");
    if (st.feedConnectedSinceMs > 0)
        out += '"' + isoUtc(st.feedConnectedSinceMs) + '"';
    else
        out += "null";
    appendKey(out, "messages");
    appendNumber(out, st.feedMessages);
    appendKey(out, "bytes");
    appendNumber(out, st.feedBytes);
    appendKey(out, "transactions");
    appendNumber(out, st.feedTransactions);
    appendKey(out, "ignored");
    appendNumber(out, st.feedIgnored);
    appendKey(out, "rejected");
    appendNumber(out, st.feedRejected);
    appendKey(out, "reconnects");
    appendNumber(out, st.feedReconnects);
    appendKey(out, "in_flight");
    appendNumber(out, st.feedInFlight);
    appendKey(out, "in_flight_peak");
    appendNumber(out, st.feedInFlightPeak);
    appendKey(out, "paused");
    appendNumber(out, st.feedPauses);
    appendKey(out, "paused_seconds");
    appendDouble(out, double(st.feedPausedMs) / 1000.0);
    appendKey(out, "rejects_by_reason");
    out += '{';
    for (std::size_t i = 0; i < kParseErrorCount; ++i) {
        const std::string_view name = parseErrorName(static_cast<ParseError>(i));
        if (i)
            out += ',';
        appendJsonString(out, name);
        out += ':';
        appendNumber(out, st.rejectsByReason[i]);
    }
    out += "}}";

    appendKey(out, "kafka");
    out += '{';
    out += "\"state\":";
    appendJsonString(out, componentStateName(st.kafkaState));
    appendKey(out, "produced");
    appendNumber(out, st.produced);
    appendKey(out, "produce_errors");
    appendNumber(out, st.produceErrors);
    appendKey(out, "produce_queue");
    appendNumber(out, st.produceQueue);
    appendKey(out, "spooled");
    appendNumber(out, st.spooled);
    appendKey(out, "dropped");
    appendNumber(out, st.dropped);
    appendKey(out, "consumed");
    appendNumber(out, st.consumed);
    appendKey(out, "consumer_lag");
    if (st.consumerLag >= 0)
        appendNumber(out, st.consumerLag);
    else
        out += "null";
    out += '}';

    appendKey(out, "redis");
    out += '{';
    out += "\"state\":";
    appendJsonString(out, componentStateName(st.redisState));
    out += '}';

    appendKey(out, "store");
    out += '{';
    appendKey(out, "applied", true);
    appendNumber(out, st.applied);
    appendKey(out, "duplicates");
    appendNumber(out, st.duplicates);
    appendKey(out, "late");
    appendNumber(out, st.late);
    appendKey(out, "batches");
    appendNumber(out, st.storeBatches);
    appendKey(out, "last_batch_us");
    appendNumber(out, st.storeLastBatchUs);
    appendKey(out, "errors");
    appendNumber(out, st.storeErrors);
    appendKey(out, "ranked_addresses");
    appendNumber(out, s.view.rankedAddresses);
    appendKey(out, "ranked_satoshis");
    appendNumber(out, s.view.rankedSatoshis);
    out += '}';

    appendKey(out, "last_error");
    if (s.lastError.isEmpty())
        out += "null";
    else
        appendJsonString(out, s.lastError.toStdString());
    out += '}';
    return out;
}

Health health(const Snapshot &s)
{
    const StatsSample &st = s.stats;
    QList<QByteArray> problems;
    if (roleNeedsSnapshot(s.role) && !s.ready)
        problems << "snapshot not ready";
    const std::pair<const char *, ComponentState> parts[] = {
        {"feed", st.feedState}, {"kafka", st.kafkaState}, {"redis", st.redisState}};
    for (const auto &[name, state] : parts) {
        if (state != ComponentState::Disabled && state != ComponentState::Connected)
            problems << QByteArray(name) + ' ' + componentStateName(state);
    }

    Health h;
    h.status = problems.isEmpty() ? 200 : 503;
    QByteArray &out = h.body;
    out += '{';
    appendKey(out, "status", true);
    appendJsonString(out, problems.isEmpty() ? "ok" : "unavailable");
    appendKey(out, "ready");
    appendBool(out, s.ready);
    appendKey(out, "mode");
    appendJsonString(out, modeName(s.mode));
    appendKey(out, "role");
    appendJsonString(out, roleName(s.role));
    appendState(out, "feed", st.feedState);
    appendState(out, "kafka", st.kafkaState);
    appendState(out, "redis", st.redisState);
    appendKey(out, "lag");
    if (st.consumerLag >= 0)
        appendNumber(out, st.consumerLag);
    else
        out += "null";
    appendKey(out, "tx_per_second");
    appendDouble(out, s.txPerSecond);
    appendKey(out, "generated_at");
    if (s.generatedMs > 0)
        out += '"' + isoUtc(s.generatedMs, true) + '"';
    else
        out += "null";
    appendKey(out, "problems");
    out += '[';
    for (qsizetype i = 0; i < problems.size(); ++i) {
        if (i)
            out += ',';
        appendJsonString(out, problems[i].toStdString());
    }
    out += "]}";
    return h;
}

} // namespace txpulse::http
