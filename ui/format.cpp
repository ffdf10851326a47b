#include "format.h"

#include <QDateTime>
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
    return QString::fromLatin1(btcText(satoshis));
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
    return QString::fromLatin1(isoTimeText(unixSeconds, utc));
}

QString shortIdentifier(const std::string &text, int head, int tail)
{
    const QString s = QString::fromStdString(text);
    if (s.size() <= head + tail + 1)
        return s;
    return s.left(head) % QChar(0x2026) % s.right(tail);
}

} // namespace txpulse::ui
