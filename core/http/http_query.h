#pragma once

#include "support/error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>

#include <QByteArrayList>

namespace txpulse::http {

// Query parameters after validation: each key known to the route and present at most once.
using QueryParams = QHash<QByteArray, QByteArray>;

// Parses a raw (still percent-encoded) query string "a=1&b=2". Refuses unknown keys, repeated keys,
// empty pairs and keys without '='; '+' is not a space here (these are not form submissions).
// Error::message is the reason shown to the client.
Expected<QueryParams> parseQuery(QByteArrayView rawQuery, const QByteArrayList &allowed);

// A canonical decimal integer in [min, max]: ASCII digits only, no sign, no leading zeros ("0" itself is
// fine), no spaces. "05", "+5", "-1", "1.5", "1e3" and "%00" are all refused with a reason naming `name`.
Expected<int> parseBoundedInt(QByteArrayView text, const char *name, int min, int max);

// Percent-decodes one path segment or query component; nullopt-like failure for a malformed escape.
Expected<QByteArray> percentDecode(QByteArrayView text);

} // namespace txpulse::http
