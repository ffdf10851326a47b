// The one translation of hiredis failures (store/redis_handles.h): codes, retriability, and timeouts told by
// hiredis's error code and errno, never by the text of the message.

#include "store/redis_handles.h"

#include <QTest>

#include <cerrno>

using namespace txpulse;

class TestRedisErrors : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void contextErrors_data()
    {
        QTest::addColumn<int>("err");
        QTest::addColumn<int>("sysErrno");
        QTest::addColumn<QByteArray>("errstr");
        QTest::addColumn<QString>("code");
        QTest::addColumn<bool>("retriable");

        const auto io = REDIS_ERR_IO;
        QTest::newRow("read timeout: EAGAIN") << io << EAGAIN << QByteArray("Resource temporarily unavailable")
                                              << "redis.timeout" << true;
        QTest::newRow("write timeout: EWOULDBLOCK") << io << EWOULDBLOCK << QByteArray("Operation would block")
                                                    << "redis.timeout" << true;
        QTest::newRow("connect timeout: ETIMEDOUT") << io << ETIMEDOUT << QByteArray("Connection timed out")
                                                    << "redis.timeout" << true;
        // strerror's text depends on the C library and the locale: only errno decides.
        QTest::newRow("timeout, localised text") << io << EAGAIN
                                                 << QByteArray("Die Ressource ist zur Zeit nicht verf\xc3\xbcgbar")
                                                 << "redis.timeout" << true;
        QTest::newRow("timeout, no text") << io << ETIMEDOUT << QByteArray() << "redis.timeout" << true;
        QTest::newRow("refused, text that reads like a timeout")
            << io << ECONNREFUSED << QByteArray("Resource temporarily unavailable, timed out") << "redis.io" << true;
        QTest::newRow("reset") << io << ECONNRESET << QByteArray("Connection reset by peer") << "redis.io" << true;
        QTest::newRow("eof") << REDIS_ERR_EOF << EAGAIN << QByteArray("Server closed the connection")
                             << "redis.eof" << true;
        QTest::newRow("protocol") << REDIS_ERR_PROTOCOL << 0 << QByteArray("Protocol error, got \"x\"")
                                  << "redis.protocol" << true;
        QTest::newRow("oom") << REDIS_ERR_OOM << ETIMEDOUT << QByteArray("Out of memory") << "redis.oom" << false;
        QTest::newRow("other") << REDIS_ERR_OTHER << 0 << QByteArray("Name or service not known") << "redis.other"
                               << true;
    }

    void contextErrors()
    {
        QFETCH(int, err);
        QFETCH(int, sysErrno);
        QFETCH(QByteArray, errstr);
        QFETCH(QString, code);
        QFETCH(bool, retriable);
        const Error e = redis::translateError(err, sysErrno, errstr.isNull() ? nullptr : errstr.constData());
        QCOMPARE(e.code, code);
        QCOMPARE(e.retriable, retriable);
        QVERIFY2(e.message.endsWith(QString::fromLocal8Bit(errstr)), qPrintable(e.message)); // the text is kept
    }

    void errorReplies_data()
    {
        QTest::addColumn<QByteArray>("reply");
        QTest::addColumn<QString>("code");
        QTest::addColumn<bool>("retriable");
        QTest::newRow("NOSCRIPT") << QByteArray("NOSCRIPT No matching script.") << "redis.noscript" << true;
        QTest::newRow("WRONGPASS") << QByteArray("WRONGPASS invalid username-password pair") << "redis.auth" << false;
        QTest::newRow("NOAUTH") << QByteArray("NOAUTH Authentication required.") << "redis.auth" << false;
        QTest::newRow("BUSY") << QByteArray("BUSY Redis is busy running a script.") << "redis.reply" << true;
        QTest::newRow("LOADING") << QByteArray("LOADING Redis is loading the dataset") << "redis.reply" << true;
        QTest::newRow("READONLY") << QByteArray("READONLY You can't write against a read only replica.")
                                  << "redis.reply" << true;
        QTest::newRow("ERR") << QByteArray("ERR unknown command 'FOO'") << "redis.reply" << false;
        QTest::newRow("WRONGTYPE") << QByteArray("WRONGTYPE Operation against a key holding the wrong kind of value")
                                   << "redis.reply" << false;
    }

    void errorReplies()
    {
        QFETCH(QByteArray, reply);
        QFETCH(QString, code);
        QFETCH(bool, retriable);
        // errno is stale for a reply (the socket worked): it must not turn one into a timeout.
        const Error e = redis::translateError(0, EAGAIN, nullptr, reply);
        QCOMPARE(e.code, code);
        QCOMPARE(e.retriable, retriable);
        QVERIFY2(e.message.contains(QString::fromUtf8(reply)), qPrintable(e.message));
    }
};

QTEST_GUILESS_MAIN(TestRedisErrors)
#include "tst_redis_errors.moc"
