#include "support/clock.h"
#include "feed/reject_log.h"

#include <QTest>

using namespace txpulse;

namespace {
QStringList g_lines;
void collect(QtMsgType, const QMessageLogContext &ctx, const QString &msg)
{
    if (qstrcmp(ctx.category, "txpulse.parse") == 0)
        g_lines.append(msg);
}
} // namespace

class TestRejectLog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { g_lines.clear(); qInstallMessageHandler(collect); }
    void cleanup() { qInstallMessageHandler(nullptr); }

    void boundedPerInterval()
    {
        ManualClock clock(1'000'000);
        RejectLog log(clock, 3, 10'000);
        for (int i = 0; i < 100; ++i)
            log.note(ParseError::BadHash, "x.hash is not 64 hex characters", "{\"op\":\"utx\"}");
        QCOMPARE(g_lines.size(), 3);
        QCOMPARE(log.suppressed(), 97);
        QCOMPARE(log.total(), 100);
        QVERIFY(g_lines.first().contains(QLatin1String("bad_hash")));
        QVERIFY(g_lines.first().contains(QLatin1String("x.hash is not 64 hex")));

        clock.advanceMs(9'999);
        log.note(ParseError::BadValue, "v", "m");
        QCOMPARE(g_lines.size(), 3);
        clock.advanceMs(1);
        log.note(ParseError::BadValue, "v", "m");
        QCOMPARE(g_lines.size(), 5); // the summary of what was suppressed, then the line itself
        QVERIFY(g_lines.at(3).contains(QLatin1String("98 more")));
        QCOMPARE(log.suppressed(), 0);
    }

    void excerptIsSanitisedAndTruncated()
    {
        const QByteArray hostile = QByteArray("a\nb\x1b[31m\xff") + QByteArray(500, 'z');
        const QByteArray e = RejectLog::excerpt(hostile, 20);
        QCOMPARE(e, QByteArray("a?b?[31m?zzzzzzzzzzz..."));
        ManualClock clock;
        RejectLog log(clock);
        log.note(ParseError::InvalidUtf8, "bad\nline", hostile);
        QCOMPARE(g_lines.size(), 1);
        QVERIFY(!g_lines.first().contains(QLatin1Char('\n')));
        QVERIFY(g_lines.first().size() < 400);
    }
};

QTEST_GUILESS_MAIN(TestRejectLog)
#include "tst_reject_log.moc"
