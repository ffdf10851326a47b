#pragma once

#include "http/prometheus_writer.h"
#include "store/snapshot.h"

#include <QByteArray>

#include <cstdint>
#include <vector>

namespace txpulse::http {

// Core response bodies rendered from one immutable Snapshot (the aggregates render their own). Pure functions, any thread; HttpApi caches what
// they return per snapshot, so each runs at most once per snapshot and parameter set.

// Per-second rates of the counters that have a rate key (TXPULSE_COUNTERS), between two samples taken
// `seconds` apart; all zero when seconds is not positive (fewer than two samples).
struct Rates {
    double seconds = 0;
    std::vector<double> perSecond; // one per kStatCounters entry with a rateKey, in that order
};
Rates rates(const StatsSample &from, const StatsSample &to, double seconds);
QByteArray statsJson(const Snapshot &s, const Rates &rates);

// The state gauges and every counter of TXPULSE_COUNTERS, in list order, as Prometheus families.
void writeCounterMetrics(PrometheusWriter &w, const StatsSample &st);

struct Health {
    int status = 200; // 200 serving, 503 not ready or a configured part down
    QByteArray body;
};
Health health(const Snapshot &s);

// JSON building blocks shared by the routes' renderers (core/http and core/aggregates/*/_http.cpp).
QByteArray isoUtc(std::int64_t ms, bool withMs = false);  // 2024-05-01T12:34:00Z
void appendJsonString(QByteArray &out, std::string_view text);
void appendKey(QByteArray &out, const char *key, bool first = false); // [,]"key":
void appendNumber(QByteArray &out, std::int64_t n);
void appendBool(QByteArray &out, bool b);
void appendDouble(QByteArray &out, double d); // three decimals; null when not finite
bool roleNeedsSnapshot(Role role); // all and view serve data; ingest and aggregate do not
bool roleKeepsWindow(Role role);   // per-minute counts and the address ranking: every role but ingest

} // namespace txpulse::http
