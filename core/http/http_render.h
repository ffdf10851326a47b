#pragma once

#include "store/snapshot.h"

#include <QByteArray>

#include <cstdint>

namespace txpulse::http {

// Response bodies rendered from one immutable Snapshot. Pure functions, any thread; HttpApi caches what
// they return per snapshot, so each runs at most once per snapshot and parameter set.

// Legacy routes (shapes fixed by the seed application).
QByteArray showTransactionsJson(const Snapshot &s);                // [<raw message>, ...] newest first
QByteArray highValueJson(const Snapshot &s, int limit);            // [["addr", satoshis], ...]
QByteArray minuteCountJson(const Snapshot &s, int m, bool *gap);   // ["HH:MM", count], m in 0..59

// /api/v1 collections: JSON object with "items", or CSV (RFC 4180, header row, CRLF).
QByteArray transactionsBody(const Snapshot &s, int limit, bool csv);
QByteArray topAddressesBody(const Snapshot &s, int limit, int windowMinutes, bool csv);
QByteArray minutesBody(const Snapshot &s, int minutes, bool csv);

// Rates over the last few seconds, computed by the caller from successive snapshots.
struct Rates {
    double seconds = 0; // span the rates cover; 0 when unknown (fewer than two samples)
    double messages = 0, transactions = 0, rejected = 0, produced = 0, consumed = 0, applied = 0;
};
QByteArray statsJson(const Snapshot &s, const Rates &rates);

struct Health {
    int status = 200; // 200 serving, 503 not ready or a configured part down
    QByteArray body;
};
Health health(const Snapshot &s);

// Helpers shared with HttpApi and tests.
QByteArray isoUtc(std::int64_t ms, bool withMs = false);  // 2024-05-01T12:34:00Z
void appendJsonString(QByteArray &out, std::string_view text);
void appendCsvField(QByteArray &out, std::string_view field); // RFC 4180 quoting when needed
bool roleNeedsSnapshot(Role role); // all and view serve data; ingest and aggregate do not
bool roleKeepsWindow(Role role);   // per-minute counts and the address ranking: every role but ingest

} // namespace txpulse::http
