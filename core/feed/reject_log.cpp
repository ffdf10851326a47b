#include "feed/reject_log.h"

#include "support/clock.h"
#include "support/logging.h"

namespace txpulse {

RejectLog::RejectLog(const Clock &clock, int maxLines, std::int64_t intervalMs)
    : m_clock(clock), m_maxLines(maxLines), m_intervalMs(intervalMs)
{
}

void RejectLog::note(ParseError error, std::string_view detail, QByteArrayView message)
{
    ++m_total;
    const std::int64_t now = m_clock.nowMs();
    if (m_linesInWindow == 0 || now - m_windowStartMs >= m_intervalMs || now < m_windowStartMs) {
        m_windowStartMs = now;
        m_linesInWindow = 0;
    }
    if (m_linesInWindow >= m_maxLines) {
        ++m_suppressed;
        return;
    }
    ++m_linesInWindow;
    const std::string_view name = parseErrorName(error);
    const QByteArray why = excerpt(QByteArrayView(detail.data(), static_cast<qsizetype>(detail.size())), 200);
    if (m_suppressed > 0) {
        qCWarning(lcParse, "%lld more rejected messages not logged", static_cast<long long>(m_suppressed));
        m_suppressed = 0;
    }
    qCWarning(lcParse, "rejected message (%.*s: %s, %lld bytes): %s", static_cast<int>(name.size()), name.data(),
              why.constData(), static_cast<long long>(message.size()), excerpt(message).constData());
}

QByteArray RejectLog::excerpt(QByteArrayView message, int maxBytes)
{
    const qsizetype n = std::min<qsizetype>(message.size(), maxBytes);
    QByteArray out;
    out.reserve(n + 3);
    for (qsizetype i = 0; i < n; ++i) {
        const char c = message[i];
        out.append((c >= 0x20 && c < 0x7f) ? c : '?');
    }
    if (message.size() > n)
        out.append("...");
    return out;
}

} // namespace txpulse
