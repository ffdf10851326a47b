#pragma once

#include "store/snapshot.h"

#include <QString>

namespace txpulse::ui {

// CSV of what each view shows, for File > Export and Edit > Copy as CSV alike. The tables and the writer are
// the REST API's (core/aggregates/*/..._http.h, support/table_writer.h): the same snapshot gives the same
// bytes as ?format=csv, with the API's column names and gap convention (a gap is count 0 with gap=true).
// Pure functions over an immutable Snapshot.

enum class CsvView { Minutes, Addresses, Transactions };

struct CsvOptions {
    bool utc = true;      // times in UTC (ISO 8601 with Z, as the API) or local time (with the offset)
    int minutes = 60;     // Minutes view: how many minutes, ending with the current one
    int addresses = 100;  // Addresses view: at most this many (the snapshot may hold more)
};

// minute,count,gap,partial  (as /api/v1/minutes?format=csv&minutes=N)
QString minutesCsv(const Snapshot &snapshot, const CsvOptions &options = {});
// rank,address,satoshis,btc,share_percent  (as /api/v1/addresses/top?format=csv&limit=N)
QString addressesCsv(const Snapshot &snapshot, const CsvOptions &options = {});
// hash,time,size,inputs,outputs,total_in,total_out,fee,total_out_btc  (as /api/v1/transactions?format=csv)
QString transactionsCsv(const Snapshot &snapshot, const CsvOptions &options = {});

QString exportCsv(CsvView view, const Snapshot &snapshot, const CsvOptions &options = {});
// A file name suggestion: "txpulse-addresses-20261128-1200.csv".
QString suggestedFileName(CsvView view, std::int64_t nowMs);

} // namespace txpulse::ui
