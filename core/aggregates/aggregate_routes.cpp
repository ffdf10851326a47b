#include "aggregates/aggregate_routes.h"

#include "aggregates/registry.h"

namespace txpulse {

void addAggregateRoutes(http::RouteTable &routes)
{
    aggregates::Registered::forEach([&]<class A>() { A::addRoutes(routes); });
}

} // namespace txpulse
