#pragma once

namespace txpulse {

namespace http {
class RouteTable;
}

// Every registered aggregate's routes (and /metrics lines), in registration order (aggregates/registry.h).
void addAggregateRoutes(http::RouteTable &routes);

} // namespace txpulse
