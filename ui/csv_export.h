#pragma once

#include "store/snapshot.h"

#include <QString>
#include <QStringList>

namespace txpulse::ui {

// RFC 4180 CSV of what each view shows: a header row, CRLF line ends, fields quoted only when they hold a
// comma, a double quote, CR or LF. Pure functions over an immutable Snapshot, used by File > Export and
// Edit > Copy as CSV alike. Amounts are exact (satoshis as integers, BTC with 8 decimals).

enum class CsvView { Minutes, Addresses, Transactions };

struct CsvOptions {
    bool utc = true;      // times in UTC (ISO 8601 with Z) or local time (with the offset)
    int minutes = 60;     // Minutes view: how many minutes, ending with the current one
    int addresses = 100;  // Addresses view: at most this many (the snapshot may hold more)
};

QString csvField(const QString &field);
QString csvRow(const QStringList &fields);

// minute,count,status  (status: complete, partial or gap; count is empty for a gap)
QString minutesCsv(const Snapshot &snapshot, const CsvOptions &options = {});
// rank,address,btc,satoshis,share_percent
QString addressesCsv(const Snapshot &snapshot, const CsvOptions &options = {});
// time,hash,inputs,outputs,total_btc,total_satoshis,fee_satoshis,size_bytes  (fee empty when unknown)
QString transactionsCsv(const Snapshot &snapshot, const CsvOptions &options = {});

QString exportCsv(CsvView view, const Snapshot &snapshot, const CsvOptions &options = {});
// A file name suggestion: "txpulse-addresses-20261128-1200.csv".
QString suggestedFileName(CsvView view, std::int64_t nowMs);

} // namespace txpulse::ui
