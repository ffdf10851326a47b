#pragma once

namespace txpulse {

namespace http {
class RouteTable;
}

// Every aggregate's routes (and /metrics lines), one line per aggregate in aggregate_routes.cpp.
void addAggregateRoutes(http::RouteTable &routes);

} // namespace txpulse
