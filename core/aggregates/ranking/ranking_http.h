#pragma once

#include "store/snapshot.h"
#include "support/table_writer.h"

namespace txpulse {

namespace http {
class RouteTable;
}

// The address ranking over HTTP: /high_value_addr (the seed's shape), /api/v1/addresses/top (JSON or CSV),
// its /metrics line, and the addresses table the window exports with the same writer.

// rank,address,satoshis,btc,share_percent (share of `rankedSatoshis`, 4 decimals); rank is the row's position.
Table<AddressTotal> addressesTable(std::int64_t rankedSatoshis);

void addRankingRoutes(http::RouteTable &routes);

} // namespace txpulse
