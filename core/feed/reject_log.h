#pragma once

#include "model/parse_error.h"

#include <QByteArrayView>

#include <cstdint>
#include <string_view>

namespace txpulse {

class Clock;

// Logs rejected feed messages to txpulse.parse (lcParse) at a bounded rate: at most `maxLines` lines per
// `intervalMs`; the rest are counted and summarised ("N more rejected messages not logged") on the next line
// that gets through. Each line names the reason, the parser's detail and a short sanitised excerpt of the
// message (printable ASCII only, truncated), so a hostile feed can neither flood the log nor inject into it.
//
// Not thread-safe: use one per thread (the ingest path owns one). The Clock is borrowed and must outlive it.
class RejectLog {
public:
    static constexpr int kExcerptBytes = 160;

    explicit RejectLog(const Clock &clock, int maxLines = 5, std::int64_t intervalMs = 10'000);

    void note(ParseError error, std::string_view detail, QByteArrayView message);

    std::int64_t suppressed() const { return m_suppressed; } // not logged since the last line that was
    std::int64_t total() const { return m_total; }           // every note() so far

    static QByteArray excerpt(QByteArrayView message, int maxBytes = kExcerptBytes);

private:
    const Clock &m_clock;
    const int m_maxLines;
    const std::int64_t m_intervalMs;
    std::int64_t m_windowStartMs = 0;
    int m_linesInWindow = 0;
    std::int64_t m_suppressed = 0;
    std::int64_t m_total = 0;
};

} // namespace txpulse
