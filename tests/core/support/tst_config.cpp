#include "support/config.h"

#include <QTemporaryDir>
#include <QTest>

using namespace txpulse;

class tst_Config : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString writeFile(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            qFatal("cannot write %s", qPrintable(path));
        f.write(content);
        return path;
    }

    static Expected<ConfigLoadResult> load(QStringList args, QMap<QString, QString> env = {})
    {
        args.prepend(QStringLiteral("txpulse"));
        return loadConfig(args, env);
    }

private Q_SLOTS:
    void defaultsAreStandalone()
    {
        auto r = load({});
        QVERIFY(r);
        const Config &c = r->config;
        QCOMPARE(c.mode(), Mode::Standalone);
        QCOMPARE(c.role, Role::All);
        QCOMPARE(c.feedUrl.toString(), QStringLiteral("wss://ws.blockchain.info/inv"));
        QCOMPARE(c.kafkaTopic, QStringLiteral("bitcointopic"));
        QCOMPARE(c.httpHost, QStringLiteral("127.0.0.1"));
        QCOMPARE(c.httpPort, 8080);
    }

    void commandLineWinsOverEnvironmentAndFile()
    {
        const QString file = writeFile(QStringLiteral("prio.conf"),
                                       "[kafka]\nbrokers=file:9092\ntopic=fromfile\n[redis]\nurl=redis://file:6379\n");
        auto r = load({QStringLiteral("--config"), file, QStringLiteral("--topic"), QStringLiteral("fromflag")},
                      {{QStringLiteral("TXPULSE_TOPIC"), QStringLiteral("fromenv")},
                       {QStringLiteral("TXPULSE_KAFKA"), QStringLiteral("env:9092")}});
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
        QCOMPARE(r->config.kafkaTopic, QStringLiteral("fromflag"));
        QCOMPARE(r->config.kafkaBrokers, QStringLiteral("env:9092"));
        QCOMPARE(r->config.redisUrl, QStringLiteral("redis://file:6379"));
        QCOMPARE(r->config.mode(), Mode::Pipeline);
    }

    void seedIniIsAccepted()
    {
        const QString file = writeFile(QStringLiteral("seed.ini"),
                                       "[KafkaSection]\nkafka.broker0.address=localhost:9092\n"
                                       "kafka.topic.name=bitcointopic\n"
                                       "[RedisSection]\nredis.server.address=localhost\nredis.server.port=6379\n"
                                       "[WebSocketSection]\nwebsocket.url=wss://ws.blockchain.info/inv\n");
        auto r = load({QStringLiteral("--config"), file});
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
        QCOMPARE(r->config.kafkaBrokers, QStringLiteral("localhost:9092"));
        QCOMPARE(r->config.redisUrl, QStringLiteral("redis://localhost:6379"));
    }

    void kafkaPropertiesPassThrough()
    {
        const QString file = writeFile(QStringLiteral("sasl.conf"),
                                       "[kafka]\nbrokers=b:9092\nsecurity.protocol=SASL_SSL\nsasl.password=hunter2\n"
                                       "[redis]\nurl=redis://:pw@r:6379/1\n");
        auto r = load({QStringLiteral("--config"), file});
        QVERIFY(r);
        QCOMPARE(r->config.kafkaProperties.value(QStringLiteral("security.protocol")), QStringLiteral("SASL_SSL"));
        const QString shown = describeConfig(r->config);
        QVERIFY2(!shown.contains(QLatin1String("hunter2")), qPrintable(shown));
        QVERIFY2(!shown.contains(QLatin1String(":pw@")), qPrintable(shown));
    }

    void secretsReadableByOthersAreWarnedAbout_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("secretKey"); // empty: no secret in the file
        QTest::newRow("sasl password") << QByteArray("[kafka]\nbrokers=b:9092\nsasl.password=hunter2\n[redis]\nurl=redis://r:6379\n")
                                       << QStringLiteral("kafka.sasl.password");
        QTest::newRow("redis password in url") << QByteArray("[kafka]\nbrokers=b:9092\n[redis]\nurl=redis://:pw@r:6379/1\n")
                                               << QStringLiteral("redis.url");
        QTest::newRow("http token") << QByteArray("[http]\ntoken=abc\n") << QStringLiteral("http.token");
        QTest::newRow("no secrets") << QByteArray("[kafka]\nbrokers=b:9092\n[redis]\nurl=redis://r:6379\n") << QString();
    }
    void secretsReadableByOthersAreWarnedAbout()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, secretKey);
        const QString file = writeFile(QStringLiteral("secrets.conf"), content);
        const auto rw = QFileDevice::ReadOwner | QFileDevice::WriteOwner;
        QVERIFY(QFile::setPermissions(file, rw | QFileDevice::ReadGroup | QFileDevice::ReadOther));
        auto open = load({QStringLiteral("--config"), file});
        QVERIFY2(open, qPrintable(open ? QString() : open.error().message));
        QVERIFY(QFile::setPermissions(file, rw | QFileDevice::ReadGroup));
        auto closed = load({QStringLiteral("--config"), file});
        QVERIFY(closed);
        QVERIFY2(closed->warnings.isEmpty(), qPrintable(closed->warnings.join(QLatin1Char('\n'))));
        if (secretKey.isEmpty()) {
            QVERIFY2(open->warnings.isEmpty(), qPrintable(open->warnings.join(QLatin1Char('\n'))));
            return;
        }
        QCOMPARE(open->warnings.size(), 1);
        const QString w = open->warnings.first();
        QVERIFY2(w.contains(file) && w.contains(secretKey) && w.contains(QLatin1String("chmod 600")), qPrintable(w));
        for (const char *value : {"hunter2", ":pw@", "abc"})
            QVERIFY2(!w.contains(QLatin1String(value)), qPrintable(w));
    }

    void semicolonCutsAreWarnedAbout()
    {
        const QString file = writeFile(QStringLiteral("semicolon.conf"),
                                       "; a comment line\n[kafka]\nbrokers=b:9092\nsasl.username=u ; trailing comment\n"
                                       "sasl.password=pa;ss\nsasl.mechanism=\"PL;AIN\"\n[redis]\nurl=redis://r:6379\n");
        QVERIFY(QFile::setPermissions(file, QFileDevice::ReadOwner | QFileDevice::WriteOwner)); // secrets: no other warning
        auto r = load({QStringLiteral("--config"), file});
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
        // What QSettings makes of it: the unquoted value is cut, the quoted one kept whole.
        QCOMPARE(r->config.kafkaProperties.value(QStringLiteral("sasl.password")), QStringLiteral("pa"));
        QCOMPARE(r->config.kafkaProperties.value(QStringLiteral("sasl.mechanism")), QStringLiteral("PL;AIN"));
        QCOMPARE(r->config.kafkaProperties.value(QStringLiteral("sasl.username")), QStringLiteral("u"));
        QCOMPARE(r->warnings.size(), 1); // the password line only: a blank before ';' reads as a comment
        const QString w = r->warnings.first();
        QVERIFY2(w.contains(file + QStringLiteral(":5:")) && w.contains(QLatin1String("'sasl.password'")), qPrintable(w));
        QVERIFY2(!w.contains(QLatin1String("pa;ss")), qPrintable(w));
    }

    void errorsNameKeyAndFile_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expectedKey");
        QTest::newRow("unknown key") << QByteArray("[feed]\nurll=wss://x/\n") << QStringLiteral("feed.urll");
        QTest::newRow("bad port") << QByteArray("[http]\nport=eighty\n") << QStringLiteral("http.port");
        QTest::newRow("port out of range") << QByteArray("[http]\nport=70000\n") << QStringLiteral("http.port");
        QTest::newRow("bad feed scheme") << QByteArray("[feed]\nurl=http://x/\n") << QStringLiteral("feed.url");
        QTest::newRow("bad role") << QByteArray("[txpulse]\nrole=boss\n") << QStringLiteral("txpulse.role");
        QTest::newRow("short retention") << QByteArray("[kafka]\nretention_ms=1000\n") << QStringLiteral("kafka.retention_ms");
    }
    void errorsNameKeyAndFile()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, expectedKey);
        const QString file = writeFile(QStringLiteral("bad.conf"), content);
        auto r = load({QStringLiteral("--config"), file});
        QVERIFY(!r);
        QVERIFY2(r.error().message.contains(expectedKey), qPrintable(r.error().message));
        QVERIFY2(r.error().message.contains(file), qPrintable(r.error().message));
    }

    void missingFileIsAnError()
    {
        auto r = load({QStringLiteral("--config"), QStringLiteral("/nonexistent/txpulse.conf")});
        QVERIFY(!r);
        QVERIFY(r.error().message.contains(QLatin1String("/nonexistent/txpulse.conf")));
    }

    void pipelineNeedsBoth()
    {
        auto r = load({QStringLiteral("--kafka"), QStringLiteral("127.0.0.1:9092")});
        QVERIFY(!r);
        QVERIFY(r.error().message.contains(QLatin1String("Redis")));
        auto v = load({QStringLiteral("--role"), QStringLiteral("view"), QStringLiteral("--redis"),
                       QStringLiteral("redis://127.0.0.1:6379")});
        QVERIFY(v);
    }

    void httpAddressForms_data()
    {
        QTest::addColumn<QString>("arg");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<bool>("ok");
        QTest::newRow("v4") << QStringLiteral("127.0.0.1:9000") << QStringLiteral("127.0.0.1") << 9000 << true;
        QTest::newRow("v6") << QStringLiteral("[::1]:9001") << QStringLiteral("::1") << 9001 << true;
        QTest::newRow("port only") << QStringLiteral("9002") << QStringLiteral("127.0.0.1") << 9002 << true;
        QTest::newRow("no host") << QStringLiteral(":9003") << QString() << 0 << false;
        QTest::newRow("bad port") << QStringLiteral("localhost:http") << QString() << 0 << false;
    }
    void httpAddressForms()
    {
        QFETCH(QString, arg);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(bool, ok);
        auto r = load({QStringLiteral("--http"), arg});
        QCOMPARE(bool(r), ok);
        if (ok) {
            QCOMPARE(r->config.httpHost, host);
            QCOMPARE(r->config.httpPort, port);
        }
    }
};

QTEST_GUILESS_MAIN(tst_Config)
#include "tst_config.moc"
