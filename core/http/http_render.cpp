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

void appendState(QByteArray &out, const char *key, ComponentState state)
{
    appendKey(out, key);
    appendJsonString(out, componentStateName(state));
}

// "ready", "mode" and "role", shared by /health and /api/v1/stats.
void appendServing(QByteArray &out, const Snapshot &s)
{
    appendKey(out, "ready");
    appendBool(out, s.ready);
    appendKey(out, "mode");
    appendJsonString(out, modeName(s.mode));
    appendKey(out, "role");
    appendJsonString(out, roleName(s.role));
}

} // namespace

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

void appendKey(QByteArray &out, const char *key, bool first)
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

bool roleNeedsSnapshot(Role role)
{
    return role == Role::All || role == Role::View;
}

bool roleKeepsWindow(Role role)
{
    return role != Role::Ingest;
}

Rates rates(const StatsSample &from, const StatsSample &to, double seconds)
{
    Rates r;
    r.seconds = seconds;
    for (const StatCounter &c : kStatCounters) {
        if (c.rateKey)
            r.perSecond.push_back(seconds > 0 ? static_cast<double>(to.*c.field - from.*c.field) / seconds : 0.0);
    }
    return r;
}

QByteArray statsJson(const Snapshot &s, const Rates &r)
{
    const StatsSample &st = s.stats;
    QByteArray out = "{";
    appendKey(out, "generated_at", true);
    out += '"' + isoUtc(s.generatedMs, true) + '"';
    appendServing(out, s);
    appendKey(out, "tx_per_second");
    appendDouble(out, s.txPerSecond);

    appendKey(out, "rates");
    out += '{';
    appendKey(out, "window_seconds", true);
    appendDouble(out, r.seconds);
    std::size_t rate = 0;
    for (const StatCounter &c : kStatCounters) {
        if (!c.rateKey)
            continue;
        appendKey(out, c.rateKey);
        appendDouble(out, rate < r.perSecond.size() ? r.perSecond[rate] : 0.0);
        ++rate;
    }
    out += '}';

    for (const StatGroup group : kStatGroups) {
        appendKey(out, statGroupName(group));
        out += '{';
        bool first = true;
        for (const StatState &state : kStatStates) {
            if (state.group != group)
                continue;
            appendKey(out, "state", first);
            first = false;
            appendJsonString(out, componentStateName(st.*state.field));
        }
        bool byReason = false;
        for (const StatCounter &c : kStatCounters) {
            if (c.group != group)
                continue;
            appendKey(out, c.key, first);
            first = false;
            const std::int64_t value = st.*c.field;
            switch (c.kind) {
            case StatKind::Since:
                if (value > 0)
                    out += '"' + isoUtc(value) + '"';
                else
                    out += "null";
                break;
            case StatKind::Lag:
                if (value >= 0)
                    appendNumber(out, value);
                else
                    out += "null";
                break;
            case StatKind::Millis: appendDouble(out, static_cast<double>(value) / 1000.0); break;
            case StatKind::Rejected:
                byReason = true;
                appendNumber(out, value);
                break;
            case StatKind::Count:
            case StatKind::Gauge:
            case StatKind::Micros: appendNumber(out, value); break;
            }
        }
        if (byReason) { // a by-reason breakdown closes its group
            appendKey(out, "rejects_by_reason");
            out += '{';
            for (std::size_t i = 0; i < kParseErrorCount; ++i) {
                if (i)
                    out += ',';
                appendJsonString(out, parseErrorName(static_cast<ParseError>(i)));
                out += ':';
                appendNumber(out, st.rejectsByReason[i]);
            }
            out += '}';
        }
        if (group == StatGroup::Store) { // the size of the ranking, which the store reports with its counters
            appendKey(out, "ranked_addresses");
            appendNumber(out, s.view.rankedAddresses);
            appendKey(out, "ranked_satoshis");
            appendNumber(out, s.view.rankedSatoshis);
        }
        out += '}';
    }

    appendKey(out, "last_error");
    if (s.lastError.isEmpty())
        out += "null";
    else
        appendJsonString(out, s.lastError.toStdString());
    out += '}';
    return out;
}

void writeCounterMetrics(PrometheusWriter &w, const StatsSample &st)
{
    for (const StatState &state : kStatStates) {
        w.family(state.prometheus, "gauge", "Connection state: 1 for the current state, 0 for the others.");
        for (int i = 0; i <= static_cast<int>(ComponentState::Down); ++i) {
            const auto candidate = static_cast<ComponentState>(i);
            w.sample(state.prometheus, {{"state", componentStateName(candidate)}},
                     std::int64_t{candidate == st.*state.field ? 1 : 0});
        }
    }
    const auto write = [&w, &st](const StatCounter &c) {
        const std::int64_t value = st.*c.field;
        switch (c.kind) {
        case StatKind::Since: break;
        case StatKind::Count:
        case StatKind::Gauge:
            w.family(c.prometheus, c.kind == StatKind::Count ? "counter" : "gauge", c.help);
            w.sample(c.prometheus, value);
            break;
        case StatKind::Lag:
            w.family(c.prometheus, "gauge", c.help);
            if (value >= 0)
                w.sample(c.prometheus, value);
            break;
        case StatKind::Millis:
            w.family(c.prometheus, "counter", c.help);
            w.sample(c.prometheus, static_cast<double>(value) / 1000.0);
            break;
        case StatKind::Micros:
            w.family(c.prometheus, "gauge", c.help);
            w.sample(c.prometheus, static_cast<double>(value) / 1e6);
            break;
        case StatKind::Rejected:
            w.family(c.prometheus, "counter", c.help);
            for (std::size_t i = 0; i < kParseErrorCount; ++i) {
                const std::string_view reason = parseErrorName(static_cast<ParseError>(i));
                w.sample(c.prometheus, {{"reason", QByteArray(reason.data(), static_cast<qsizetype>(reason.size()))}},
                         st.rejectsByReason[i]);
            }
            break;
        }
    };
    // Durations in seconds (Micros) follow the counters of their group.
    for (const StatGroup group : kStatGroups) {
        for (const StatCounter &c : kStatCounters) {
            if (c.group == group && c.prometheus && c.kind != StatKind::Micros)
                write(c);
        }
        for (const StatCounter &c : kStatCounters) {
            if (c.group == group && c.prometheus && c.kind == StatKind::Micros)
                write(c);
        }
    }
}

Health health(const Snapshot &s)
{
    const StatsSample &st = s.stats;
    QList<QByteArray> problems;
    if (roleNeedsSnapshot(s.role) && !s.ready)
        problems << "snapshot not ready";
    for (const StatState &part : kStatStates) {
        const ComponentState state = st.*part.field;
        if (state != ComponentState::Disabled && state != ComponentState::Connected)
            problems << QByteArray(statGroupName(part.group)) + ' ' + componentStateName(state);
    }

    Health h;
    h.status = problems.isEmpty() ? 200 : 503;
    QByteArray &out = h.body;
    out += '{';
    appendKey(out, "status", true);
    appendJsonString(out, problems.isEmpty() ? "ok" : "unavailable");
    appendServing(out, s);
    for (const StatState &part : kStatStates)
        appendState(out, statGroupName(part.group), st.*part.field);
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
