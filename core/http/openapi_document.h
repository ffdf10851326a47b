#pragma once

#include <QByteArray>

namespace txpulse::http {

class RouteTable;

// The OpenAPI 3.0 document of the REST API, generated from the route table: every route's operation,
// parameters (shared ones under components/parameters), responses and the schemas routes contribute.
QByteArray openApiDocument(const RouteTable &routes);

} // namespace txpulse::http
