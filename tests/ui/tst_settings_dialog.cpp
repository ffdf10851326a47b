// Settings validation per field, the dialog's messages and buttons, storing and the settingsApplied signal.
#include "settings_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace txpulse;
using namespace txpulse::ui;

Q_DECLARE_METATYPE(txpulse::ui::SettingsField)

class TestSettingsDialog : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString iniPath() const { return m_dir.filePath(QStringLiteral("settings.ini")); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
    }

    void fieldMessages_data()
    {
        QTest::addColumn<SettingsField>("field");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("messagePart"); // empty: valid

        QTest::newRow("feed wss ok") << SettingsField::FeedUrl << "wss://ws.blockchain.info/inv" << "";
        QTest::newRow("feed ws ok") << SettingsField::FeedUrl << "ws://127.0.0.1:9000" << "";
        QTest::newRow("feed http") << SettingsField::FeedUrl << "http://example.com" << "ws:// or wss://";
        QTest::newRow("feed empty") << SettingsField::FeedUrl << "" << "Enter the feed";
        QTest::newRow("feed no host") << SettingsField::FeedUrl << "wss://" << "no host";

        QTest::newRow("brokers one") << SettingsField::KafkaBrokers << "127.0.0.1:9092" << "";
        QTest::newRow("brokers list") << SettingsField::KafkaBrokers << "k1:9092, k2:9092" << "";
        QTest::newRow("brokers no port") << SettingsField::KafkaBrokers << "k1" << "needs a port";
        QTest::newRow("brokers bad port") << SettingsField::KafkaBrokers << "k1:99999" << "1..65535";
        QTest::newRow("brokers empty entry") << SettingsField::KafkaBrokers << "k1:9092,,k2:9092" << "Empty entry";

        QTest::newRow("topic ok") << SettingsField::KafkaTopic << "bitcoin.tx_v1-a" << "";
        QTest::newRow("topic empty") << SettingsField::KafkaTopic << "" << "Enter a topic";
        QTest::newRow("topic illegal") << SettingsField::KafkaTopic << "bad topic!" << "Letters, digits";
        QTest::newRow("topic dot") << SettingsField::KafkaTopic << ".." << "not allowed";

        QTest::newRow("redis ok") << SettingsField::RedisUrl << "redis://127.0.0.1:6379/2" << "";
        QTest::newRow("redis unix ok") << SettingsField::RedisUrl << "unix:///run/redis.sock" << "";
        QTest::newRow("redis scheme") << SettingsField::RedisUrl << "http://127.0.0.1:6379" << "redis:// or unix://";
        QTest::newRow("redis db") << SettingsField::RedisUrl << "redis://h:6379/x" << "must be a number";

        QTest::newRow("port ok") << SettingsField::HttpPort << "8080" << "";
        QTest::newRow("port zero ok") << SettingsField::HttpPort << "0" << "";
        QTest::newRow("port too big") << SettingsField::HttpPort << "70000" << "0..65535";
        QTest::newRow("port text") << SettingsField::HttpPort << "http" << "0..65535";

        QTest::newRow("host empty") << SettingsField::HttpHost << "" << "Enter an address";
    }
    void fieldMessages()
    {
        QFETCH(SettingsField, field);
        QFETCH(QString, text);
        QFETCH(QString, messagePart);

        // Kafka and Redis are set together so that the cross-field rule stays quiet for the other rows.
        Config base;
        base.kafkaBrokers = QStringLiteral("127.0.0.1:9092");
        base.redisUrl = QStringLiteral("redis://127.0.0.1:6379");
        QSettings settings(iniPath(), QSettings::IniFormat);
        SettingsDialog dialog(base, settings);
        dialog.editor(field)->setText(text);
        const QString message = dialog.fieldError(field);
        if (messagePart.isEmpty()) {
            QVERIFY2(message.isEmpty(), qPrintable(message));
        } else {
            QVERIFY2(message.contains(messagePart), qPrintable(message));
            QVERIFY(!dialog.isValid());
            QVERIFY(!dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->isEnabled());
        }
    }

    void tokenRequiredOffLoopback_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<QString>("token");
        QTest::addColumn<bool>("valid");
        QTest::newRow("loopback v4, no token") << "127.0.0.1" << "" << true;
        QTest::newRow("loopback v6, no token") << "::1" << "" << true;
        QTest::newRow("localhost, no token") << "localhost" << "" << true;
        QTest::newRow("any, no token") << "0.0.0.0" << "" << false;
        QTest::newRow("lan, no token") << "192.168.1.5" << "" << false;
        QTest::newRow("any, token") << "0.0.0.0" << "s3cr3t-t0ken" << true;
    }
    void tokenRequiredOffLoopback()
    {
        QFETCH(QString, host);
        QFETCH(QString, token);
        QFETCH(bool, valid);
        QSettings settings(iniPath(), QSettings::IniFormat);
        SettingsDialog dialog(Config{}, settings);
        dialog.editor(SettingsField::HttpHost)->setText(host);
        dialog.editor(SettingsField::HttpToken)->setText(token);
        QCOMPARE(dialog.fieldError(SettingsField::HttpToken).isEmpty(), valid);
        QCOMPARE(dialog.isValid(), valid);
        // Without the API there is nothing to protect.
        dialog.httpEnabledBox()->setChecked(false);
        QVERIFY(dialog.fieldError(SettingsField::HttpToken).isEmpty());
        QCOMPARE(dialog.config().httpPort, -1);
    }

    void pipelineNeedsBoth()
    {
        QSettings settings(iniPath(), QSettings::IniFormat);
        SettingsDialog dialog(Config{}, settings);
        QVERIFY(dialog.isValid()); // the defaults: standalone
        dialog.editor(SettingsField::KafkaBrokers)->setText(QStringLiteral("127.0.0.1:9092"));
        QVERIFY(dialog.fieldError(SettingsField::RedisUrl).contains(QLatin1String("needs Redis")));
        QVERIFY(!dialog.isValid());
        QVERIFY(dialog.needsRestart());
        dialog.editor(SettingsField::RedisUrl)->setText(QStringLiteral("redis://127.0.0.1:6379"));
        QVERIFY(dialog.fieldError(SettingsField::RedisUrl).isEmpty());
        QVERIFY(dialog.isValid());
    }

    void validConfigIsStoredAndEmitted()
    {
        {
            QSettings settings(iniPath(), QSettings::IniFormat);
            settings.clear();
            Config current;
            SettingsDialog dialog(current, settings);
            QSignalSpy applied(&dialog, &SettingsDialog::settingsApplied);
            dialog.editor(SettingsField::FeedUrl)->setText(QStringLiteral("ws://127.0.0.1:4567/inv"));
            dialog.editor(SettingsField::HttpPort)->setText(QStringLiteral("9191"));
            QVERIFY(!dialog.needsRestart());
            QVERIFY(dialog.isValid());
            dialog.accept();
            QCOMPARE(applied.count(), 1);
            const Config c = applied.first().first().value<Config>();
            QCOMPARE(c.feedUrl, QUrl(QStringLiteral("ws://127.0.0.1:4567/inv")));
            QCOMPARE(c.httpPort, 9191);
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
        }
        QSettings reread(iniPath(), QSettings::IniFormat);
        QCOMPARE(reread.value(QStringLiteral("connection/feedUrl")).toString(), QStringLiteral("ws://127.0.0.1:4567/inv"));
        const Config loaded = loadSettings(reread, Config{});
        QCOMPARE(loaded.feedUrl, QUrl(QStringLiteral("ws://127.0.0.1:4567/inv")));
        QCOMPARE(loaded.httpPort, 9191);
        QCOMPARE(loaded.kafkaTopic, QStringLiteral("bitcointopic"));
    }

    void invalidIsNotApplied()
    {
        QSettings settings(iniPath(), QSettings::IniFormat);
        SettingsDialog dialog(Config{}, settings);
        QSignalSpy applied(&dialog, &SettingsDialog::settingsApplied);
        dialog.editor(SettingsField::FeedUrl)->setText(QStringLiteral("ftp://x"));
        QVERIFY(!dialog.apply());
        QCOMPARE(applied.count(), 0);
    }

    void pureValidationMatchesDefaults()
    {
        QVERIFY(validateSettings(Config{}).empty());
        Config c;
        c.httpHost = QStringLiteral("0.0.0.0");
        const auto errors = validateSettings(c);
        QCOMPARE(errors.size(), std::size_t(1));
        QCOMPARE(errors.front().field, SettingsField::HttpToken);
    }
};

QTEST_MAIN(TestSettingsDialog)
#include "tst_settings_dialog.moc"
