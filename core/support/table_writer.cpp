#include "support/table_writer.h"

#include <QDateTime>

namespace txpulse {

void appendCsvField(QByteArray &out, std::string_view field)
{
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        out.append(field.data(), static_cast<qsizetype>(field.size()));
        return;
    }
    out += '"';
    for (char c : field) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
}

QByteArray btcText(std::int64_t satoshis)
{
    // Integer arithmetic: a double cannot hold every satoshi amount up to the supply cap exactly.
    const bool negative = satoshis < 0;
    const std::uint64_t magnitude =
        negative ? 0 - static_cast<std::uint64_t>(satoshis) : static_cast<std::uint64_t>(satoshis);
    const QByteArray fraction = QByteArray::number(static_cast<qulonglong>(magnitude % 100'000'000));
    return (negative ? "-" : "") + QByteArray::number(static_cast<qulonglong>(magnitude / 100'000'000)) + '.'
           + QByteArray(8 - fraction.size(), '0') + fraction;
}

QByteArray isoTimeText(std::int64_t unixSeconds, bool utc)
{
    const QDateTime t = utc ? QDateTime::fromSecsSinceEpoch(unixSeconds, Qt::UTC)
                            : QDateTime::fromSecsSinceEpoch(unixSeconds);
    return t.toString(Qt::ISODate).toLatin1();
}

double sharePercent(std::int64_t satoshis, std::int64_t total)
{
    if (total <= 0)
        return 0;
    return 100.0 * static_cast<double>(satoshis) / static_cast<double>(total);
}

} // namespace txpulse
