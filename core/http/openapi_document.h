#pragma once

#include <QByteArray>

namespace txpulse {

// The OpenAPI 3.0 description of every HttpApi route (served at /api/v1/openapi.json). Static text kept
// next to the routes it describes; tests check that it parses and names every route.
const QByteArray &openApiDocument();

} // namespace txpulse
