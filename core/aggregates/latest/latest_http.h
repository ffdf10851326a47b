#pragma once

#include "store/snapshot.h"
#include "support/table_writer.h"

namespace txpulse {

namespace http {
class RouteTable;
}

// The latest transactions over HTTP: /show_transactions (the feed messages as received, the seed's shape),
// /api/v1/transactions (parsed, JSON or CSV), and the transactions table the window exports with the same
// writer.

// hash,time,size,inputs,outputs,total_in,total_out,fee,total_out_btc (fee empty when unknown)
Table<Transaction> transactionsTable(bool utc = true);

void addLatestRoutes(http::RouteTable &routes);

} // namespace txpulse
