#include "http/http_query.h"

#include "support/hex.h"

#include <algorithm>

namespace txpulse::http {

namespace {

Error paramError(const QByteArray &reason)
{
    return Error{QStringLiteral("http.param"), QString::fromUtf8(reason), false};
}

} // namespace

Expected<QByteArray> percentDecode(QByteArrayView text)
{
    QByteArray out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out.append(text[i]);
            continue;
        }
        if (i + 2 >= text.size())
            return paramError("malformed percent-encoding");
        const int hi = hexDigitValue(text[i + 1]);
        const int lo = hexDigitValue(text[i + 2]);
        if (hi < 0 || lo < 0)
            return paramError("malformed percent-encoding");
        out.append(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

Expected<QueryParams> parseQuery(QByteArrayView rawQuery, const QByteArrayList &allowed)
{
    QueryParams params;
    if (rawQuery.isEmpty())
        return params;
    for (QByteArrayView pair : QByteArray(rawQuery.toByteArray()).split('&')) {
        if (pair.isEmpty())
            return paramError("empty query parameter");
        const qsizetype eq = pair.indexOf('=');
        if (eq < 0)
            return paramError("query parameter without a value");
        auto key = percentDecode(pair.first(eq));
        if (!key)
            return key.error();
        auto value = percentDecode(pair.sliced(eq + 1));
        if (!value)
            return value.error();
        if (!allowed.contains(*key)) {
            // Echo the key only when it is short plain text; never reflect arbitrary bytes.
            const bool printable = key->size() <= 32 && std::all_of(key->begin(), key->end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                       || c == '-';
            });
            return paramError(printable ? QByteArray("unknown query parameter '" + *key + "'")
                                         : QByteArray("unknown query parameter"));
        }
        if (params.contains(*key))
            return paramError("query parameter '" + *key + "' given more than once");
        params.insert(*key, *value);
    }
    return params;
}

Expected<int> parseBoundedInt(QByteArrayView text, const char *name, int min, int max)
{
    const QByteArray range = QByteArray::number(min) + ".." + QByteArray::number(max);
    const QByteArray expected = QByteArray(name) + " must be an integer in " + range
                                + " written with digits only (no sign, no leading zeros)";
    if (text.isEmpty())
        return paramError(QByteArray(name) + " is empty; " + expected);
    for (char c : text) {
        if (c < '0' || c > '9')
            return paramError(QByteArray(name) + " is not a decimal integer; " + expected);
    }
    if (text.size() > 1 && text.front() == '0')
        return paramError(QByteArray(name) + " has a leading zero; " + expected);
    if (text.size() > 9)
        return paramError(QByteArray(name) + " is out of range " + range);
    const int value = QByteArray(text.toByteArray()).toInt();
    if (value < min || value > max)
        return paramError(QByteArray(name) + " " + QByteArray::number(value) + " is out of range " + range);
    return value;
}

} // namespace txpulse::http
