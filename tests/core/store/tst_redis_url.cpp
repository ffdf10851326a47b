#include "store/redis_url.h"

#include <QTest>

using namespace txpulse;

class tst_RedisUrl : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("unix");
        QTest::addColumn<QString>("hostOrPath");
        QTest::addColumn<int>("port");
        QTest::addColumn<int>("db");
        QTest::addColumn<QString>("user");
        QTest::addColumn<QString>("password");
        QTest::addColumn<QString>("masked");
        QTest::newRow("host and port") << "redis://127.0.0.1:6380" << false << "127.0.0.1" << 6380 << 0 << "" << ""
                                       << "redis://127.0.0.1:6380/0";
        QTest::newRow("default port, db") << "redis://cache.local/3" << false << "cache.local" << 6379 << 3 << "" << ""
                                          << "redis://cache.local:6379/3";
        QTest::newRow("password only") << "redis://:s3cret@h:1/2" << false << "h" << 1 << 2 << "" << "s3cret"
                                       << "redis://:***@h:1/2";
        QTest::newRow("ACL user") << "redis://app:p%40ss@h:6379/0" << false << "h" << 6379 << 0 << "app" << "p@ss"
                                  << "redis://app:***@h:6379/0";
        QTest::newRow("IPv6") << "redis://[::1]:7000" << false << "::1" << 7000 << 0 << "" << ""
                              << "redis://[::1]:7000/0";
        QTest::newRow("unix") << "unix:///run/redis/redis.sock" << true << "/run/redis/redis.sock" << 6379 << 0 << ""
                              << "" << "unix:///run/redis/redis.sock";
        QTest::newRow("unix with db and password") << "unix:///tmp/r.sock?db=4&password=pw9z" << true << "/tmp/r.sock"
                                                   << 6379 << 4 << "" << "pw9z" << "unix:///tmp/r.sock?db=4&password=***";
    }
    void parses()
    {
        QFETCH(QString, text);
        QFETCH(bool, unix);
        QFETCH(QString, hostOrPath);
        QFETCH(int, port);
        QFETCH(int, db);
        QFETCH(QString, user);
        QFETCH(QString, password);
        QFETCH(QString, masked);
        auto r = RedisUrl::parse(text);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
        QCOMPARE(r->kind == RedisUrl::Kind::Unix, unix);
        QCOMPARE(unix ? r->socketPath : r->host, hostOrPath);
        if (!unix)
            QCOMPARE(r->port, port);
        QCOMPARE(r->db, db);
        QCOMPARE(r->user, user);
        QCOMPARE(r->password, password);
        QCOMPARE(r->masked(), masked);
        QVERIFY(password.isEmpty() || !r->masked().contains(password));
    }

    void rejects_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        QTest::newRow("empty") << "" << "empty";
        QTest::newRow("scheme") << "http://h:6379" << "scheme 'http'";
        QTest::newRow("tls") << "rediss://h:6379" << "TLS";
        QTest::newRow("no host") << "redis://:6379" << "no host";
        QTest::newRow("bad port") << "redis://h:99999" << "";
        QTest::newRow("bad db") << "redis://h:6379/x" << "database 'x'";
        QTest::newRow("negative db") << "redis://h:6379/-1" << "database '-1'";
        QTest::newRow("user without password") << "redis://app@h:6379" << "no password";
        QTest::newRow("query on tcp") << "redis://h?db=2" << "query";
        QTest::newRow("unix with host") << "unix://h/sock" << "three slashes";
        QTest::newRow("unix without path") << "unix://" << "no socket path";
        QTest::newRow("unix unknown param") << "unix:///s?timeout=1" << "timeout";
    }
    void rejects()
    {
        QFETCH(QString, text);
        QFETCH(QString, says);
        auto r = RedisUrl::parse(text);
        QVERIFY(!r);
        QCOMPARE(r.error().code, QStringLiteral("config.redis_url"));
        QVERIFY(!r.error().retriable);
        QVERIFY2(r.error().message.contains(says), qPrintable(r.error().message));
    }

    void errorsNeverShowThePassword()
    {
        auto r = RedisUrl::parse(QStringLiteral("redis://app:hunter2@h:6379/nope"));
        QVERIFY(!r);
        QVERIFY2(!r.error().message.contains(QLatin1String("hunter2")), qPrintable(r.error().message));
    }
};

QTEST_GUILESS_MAIN(tst_RedisUrl)
#include "tst_redis_url.moc"
