#include "aggregates/aggregate_routes.h"

#include "aggregates/latest/latest_http.h"
#include "aggregates/minutes/minutes_http.h"
#include "aggregates/ranking/ranking_http.h"

namespace txpulse {

void addAggregateRoutes(http::RouteTable &routes)
{
    addLatestRoutes(routes);
    addRankingRoutes(routes);
    addMinutesRoutes(routes);
}

} // namespace txpulse
