// RedisConnection against the real Redis of scripts/services.sh (TXPULSE_TEST_REDIS): how transport failures
// come back as errors. A command that outlives its timeout is a retriable "redis.timeout" (hiredis: REDIS_ERR_IO
// with EAGAIN), and the next command reconnects and succeeds; a refused connection is "redis.io".

#include "store/redis_connection.h"

#include <QDeadlineTimer>
#include <QTest>

#include <atomic>
#include <optional>
#include <thread>

using namespace txpulse;

class TestRedisConnection : public QObject {
    Q_OBJECT

private:
    RedisUrl m_url;

private Q_SLOTS:
    void initTestCase()
    {
        const QString url = qEnvironmentVariable("TXPULSE_TEST_REDIS");
        if (url.isEmpty())
            QFAIL("TXPULSE_TEST_REDIS is not set: start Redis with  eval \"$(scripts/services.sh start)\"");
        auto parsed = RedisUrl::parse(url);
        QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
        m_url = *parsed;
        auto c = RedisConnection::open(m_url);
        QVERIFY2(c, qPrintable(c ? QString() : c.error().message + QStringLiteral(
                                                   " (is Redis running? eval \"$(scripts/services.sh start)\")")));
    }

    void commandTimeoutIsATimeout()
    {
        auto timed = RedisConnection::open(m_url, RedisConnection::Timeouts{2000, 200});
        QVERIFY2(timed, qPrintable(timed ? QString() : timed.error().message));
        auto admin = RedisConnection::open(m_url);
        QVERIFY(admin);

        // Redis runs one script at a time and answers nobody meanwhile (for busy-lua-time-limit, 5 s, before
        // it answers BUSY): an 800 ms busy loop holds every other client's reply past our 200 ms timeout.
        std::atomic<bool> busyDone = false;
        std::thread busy([&admin, &busyDone] {
            (void)admin->command(RedisCommand{"EVAL",
                                              "local t0 = redis.call('TIME') "
                                              "repeat local t = redis.call('TIME') "
                                              "until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 800000",
                                              "0"});
            busyDone = true;
        });
        // Until the script runs, PING answers at once; the first one that fails is the one the script held.
        std::optional<Error> failure;
        const QDeadlineTimer deadline(5000);
        while (!failure && !busyDone && !deadline.hasExpired()) {
            auto r = timed->command(RedisCommand{"PING"});
            if (!r)
                failure = r.error();
        }
        busy.join();
        QVERIFY2(failure, "no PING was held by the busy script");
        QCOMPARE(failure->code, QStringLiteral("redis.timeout"));
        QVERIFY(failure->retriable);
        QVERIFY(!timed->isConnected()); // the reply may still arrive: the connection is dropped, not reused

        auto again = timed->command(RedisCommand{"PING"}); // reconnects first
        QVERIFY2(again, qPrintable(again ? QString() : again.error().message));
        QCOMPARE(again->str, QByteArray("PONG"));
    }

    void refusedIsAnIoError()
    {
        auto url = RedisUrl::parse(QStringLiteral("redis://127.0.0.1:1/0"));
        QVERIFY(url);
        auto c = RedisConnection::open(*url, RedisConnection::Timeouts{300, 300});
        QVERIFY(!c);
        QCOMPARE(c.error().code, QStringLiteral("redis.io"));
        QVERIFY(c.error().retriable);
    }
};

QTEST_GUILESS_MAIN(TestRedisConnection)
#include "tst_redis_connection.moc"
