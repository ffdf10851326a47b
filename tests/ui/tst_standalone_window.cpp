// The real composition root in standalone mode with its window: it starts against an in-process replay
// feed, the window shows the data, the HTTP API answers, and shutdown() closes the window and stops cleanly.
#include "address_table_model.h"
#include "application.h"
#include "main_window.h"
#include "minute_chart.h"
#include "replay/replay_server.h"
#include "transaction_table_model.h"

#include <QApplication>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>

using namespace txpulse;

namespace {

ui::MainWindow *findMainWindow()
{
    const QList<QWidget *> widgets = QApplication::topLevelWidgets();
    for (QWidget *w : widgets)
        if (auto *window = qobject_cast<ui::MainWindow *>(w))
            return window;
    return nullptr;
}

std::int64_t countedInChart(const ui::MainWindow &window)
{
    const std::vector<ui::MinutePoint> &points = window.minuteChart()->points();
    std::int64_t total = 0;
    for (const ui::MinutePoint &p : points)
        total += p.gap ? 0 : p.count;
    return total;
}

} // namespace

class TestStandaloneWindow : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_settingsDir;

private Q_SLOTS:
    void initTestCase()
    {
        // Neither read nor write the developer's saved window and connection settings.
        QVERIFY(m_settingsDir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("txpulse-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_standalone_window"));
    }

    void startsShowsDataAndClosesCleanly()
    {
        // What an unclean teardown prints: a thread or timer outliving its owner, cross-thread misuse.
        for (const char *pattern : {"QThread: Destroyed while", "QObject::(startTimer|killTimer)",
                                    "Cannot (send events|create children) ", "QSocketNotifier",
                                    "QBasicTimer", "Timers cannot"})
            QTest::failOnWarning(QRegularExpression(QLatin1String(pattern)));

        ReplayServer::Options replayOptions;
        replayOptions.rate = 2000;
        ReplayServer replay(replayOptions);
        replay.setSynthetic(1, 500);
        QVERIFY2(replay.listen(QHostAddress::LocalHost, 0), qPrintable(replay.errorString()));

        Config config;
        config.feedUrl = replay.url();
        config.httpHost = QStringLiteral("127.0.0.1");
        config.httpPort = 0;
        config.headless = false;
        QCOMPARE(config.mode(), Mode::Standalone);

        QVERIFY(!findMainWindow());
        auto app = std::make_unique<Application>(config);
        const auto started = app->start();
        QVERIFY2(started, started ? "" : qPrintable(started.error().message));

        ui::MainWindow *window = findMainWindow();
        QVERIFY(window);
        const QPointer<ui::MainWindow> alive(window);
        QVERIFY(window->isVisible());
        QCOMPARE(window->config().feedUrl, replay.url());

        // Every synthetic message is accepted and counted, and the window's chart shows exactly that count.
        QTRY_COMPARE_WITH_TIMEOUT(replay.sent(), std::int64_t(500), 15000);
        const auto accepted = [&app] { return app->snapshots().load()->stats.feedTransactions; };
        const auto counted = [&app] {
            const StatsSample &s = app->snapshots().load()->stats;
            return s.applied + s.duplicates + s.late;
        };
        QTRY_COMPARE_WITH_TIMEOUT(accepted(), std::int64_t(500), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(counted(), std::int64_t(500), 10000);
        const std::int64_t applied = app->snapshots().load()->stats.applied;
        QVERIFY(applied > 0);
        QTRY_COMPARE_WITH_TIMEOUT(countedInChart(*window), applied, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(window->transactionModel()->rowCount() > 0, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(window->addressModel()->rowCount() > 0, 10000);
        QVERIFY(window->shownSnapshot());
        QCOMPARE(window->shownSnapshot()->mode, Mode::Standalone);

        // Standalone knows nothing before it started: the earlier minutes of the hour are "no data".
        const std::vector<ui::MinutePoint> &points = window->minuteChart()->points();
        QVERIFY(points.size() >= 2);
        QVERIFY(points.front().gap);
        QVERIFY(points.back().partial);

        // The HTTP API of the same process answers.
        QVERIFY(app->httpPort() > 0);
        QNetworkAccessManager network;
        std::unique_ptr<QNetworkReply> reply(network.get(QNetworkRequest(
            QUrl(QStringLiteral("http://127.0.0.1:%1/health").arg(app->httpPort())))));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);

        // shutdown() stops everything and takes the window with it; the application object then goes quietly.
        app->shutdown();
        QVERIFY(alive.isNull());
        QVERIFY(!findMainWindow());
        QCOMPARE(app->httpPort(), quint16(0));
        app.reset();
        QTRY_COMPARE(replay.clientCount(), 0);
    }
};

QTEST_MAIN(TestStandaloneWindow)
#include "tst_standalone_window.moc"
