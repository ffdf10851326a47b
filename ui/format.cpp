#include "format.h"

#include <QDateTime>
#include <QLocale>
#include <QTimeZone>

#include <cstdlib>

namespace txpulse::ui {

namespace {

QDateTime toDateTime(std::int64_t unixSeconds, bool utc)
{
    return utc ? QDateTime::fromSecsSinceEpoch(unixSeconds, Qt::UTC)
               : QDateTime::fromSecsSinceEpoch(unixSeconds);
}

} // namespace

QString formatBtc(std::int64_t satoshis)
{
    // Integer arithmetic: a double cannot hold every satoshi amount up to the supply cap exactly.
    const bool negative = satoshis < 0;
    const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(satoshis) : static_cast<std::uint64_t>(satoshis);
    const std::uint64_t whole = magnitude / 100'000'000;
    const std::uint64_t fraction = magnitude % 100'000'000;
    return (negative ? QStringLiteral("-") : QString()) % QString::number(whole) % QLatin1Char('.')
        % QStringLiteral("%1").arg(fraction, 8, 10, QLatin1Char('0'));
}

QString formatMinute(std::int64_t unixMinute, bool utc)
{
    return toDateTime(unixMinute * 60, utc).toString(QStringLiteral("HH:mm"));
}

QString formatTime(std::int64_t unixSeconds, bool utc)
{
    return toDateTime(unixSeconds, utc).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString isoTime(std::int64_t unixSeconds, bool utc)
{
    return toDateTime(unixSeconds, utc).toString(Qt::ISODate);
}

QString shortIdentifier(const std::string &text, int head, int tail)
{
    const QString s = QString::fromStdString(text);
    if (s.size() <= head + tail + 1)
        return s;
    return s.left(head) % QChar(0x2026) % s.right(tail);
}

QString formatCount(std::int64_t n)
{
    return QLocale().toString(static_cast<qlonglong>(n));
}

QString formatBtcShort(std::int64_t satoshis)
{
    return QLocale().toString(static_cast<double>(satoshis) / 1e8, 'f', satoshis >= 100'000'000'000 ? 0 : 2);
}

double sharePercent(std::int64_t satoshis, std::int64_t total)
{
    if (total <= 0)
        return 0;
    return 100.0 * static_cast<double>(satoshis) / static_cast<double>(total);
}

} // namespace txpulse::ui
