// The window starts with a SnapshotHub fed by a publisher thread, shows the data within a few refresh
// cadences, reacts to its view options, remembers its state and closes cleanly.
#include "address_chart.h"
#include "address_table_model.h"
#include "csv_export.h"
#include "main_window.h"
#include "minute_chart.h"
#include "pages/activity_page.h"
#include "theme.h"
#include "synthetic_snapshot.h"
#include "transaction_table_model.h"

#include <QApplication>
#include <QChart>
#include <QCheckBox>
#include <QClipboard>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QItemSelectionModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

using namespace txpulse;
using namespace txpulse::ui;

namespace {

// Publishes snapshots from another thread, as the aggregator does, until stopped.
class Publisher {
public:
    Publisher(SnapshotHub &hub, std::vector<SnapshotPtr> snapshots) : m_hub(hub), m_snapshots(std::move(snapshots))
    {
        m_thread = std::thread([this] {
            std::size_t i = 0;
            while (!m_stop.load()) {
                m_hub.publish(m_snapshots[i++ % m_snapshots.size()]);
                ++m_published;
                std::this_thread::sleep_for(std::chrono::milliseconds(20)); // the publisher's pace, not a wait
            }
        });
    }
    ~Publisher()
    {
        m_stop = true;
        m_thread.join();
    }
    int published() const { return m_published.load(); }

private:
    SnapshotHub &m_hub;
    std::vector<SnapshotPtr> m_snapshots;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_published{0};
    std::thread m_thread;
};

// A main window over its own hub, its settings in the INI file `path`, shown.
struct ShownWindow {
    explicit ShownWindow(const QString &path) : settings(path, QSettings::IniFormat), window(hub, settings)
    {
        window.show();
    }
    SnapshotHub hub;
    QSettings settings;
    MainWindow window;
};

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QString iniPath() const { return m_dir.filePath(QStringLiteral("window.ini")); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QLocale::setDefault(QLocale::c());
    }

    // Minutes before a standalone start are grey "no data yet", with their own legend entry and tooltip; the
    // amber feed-gap entry shows only when there is a feed gap.
    void beforeStartIsNotAFeedGap()
    {
        MinuteChart chart;
        std::vector<MinutePoint> points;
        for (int i = 0; i < 60; ++i)
            points.push_back(MinutePoint{29'000'000 + i, i < 50 ? 0 : 300, i < 50, i == 59});
        const QString beforeStart = QStringLiteral("Before start (no data yet)");
        const QString feedGap = QStringLiteral("Feed gap (no data)");

        chart.setPoints(points, true);
        QVERIFY(chart.legendShows(feedGap));
        QVERIFY(!chart.legendShows(beforeStart));
        QVERIFY(chart.tooltipFor(0).contains(QStringLiteral("Feed gap")));

        markBeforeStart(points, 29'000'050);
        chart.setPoints(points, true);
        QVERIFY(!chart.legendShows(feedGap));
        QVERIFY(chart.legendShows(beforeStart));
        QVERIFY(chart.tooltipFor(0).contains(QStringLiteral("before txpulse started")));
        QVERIFY(!chart.tooltipFor(55).contains(QStringLiteral("no data")));
    }

    void showsPublishedData()
    {
        ShownWindow shown(iniPath());
        auto &[hub, settings, window] = shown;
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.transactionModel()->rowCount(), 0); // nothing published yet

        std::vector<SnapshotPtr> snapshots;
        for (unsigned seed = 1; seed <= 3; ++seed) {
            test::SyntheticOptions o;
            o.seed = seed;
            o.nowMs += seed * 250;
            snapshots.push_back(test::syntheticSnapshot(o));
        }
        Publisher publisher(hub, snapshots);

        QTRY_COMPARE(window.transactionModel()->rowCount(), 100);
        QTRY_COMPARE(window.addressModel()->rowCount(), 100);
        QTRY_COMPARE(window.minuteChart()->barCount(), 60);
        QCOMPARE(window.addressChart()->barCount(), 0); // charts are fed only while visible
        window.showView(MainWindow::AddressesView);
        QCOMPARE(window.addressChart()->barCount(), AddressChart::kDefaultBars); // at once, not a cadence later
        window.showView(MainWindow::ActivityView);
        QCOMPARE(window.transactionTable()->model()->rowCount(), 100);

        // The chart marks the gap and the partial minute from the snapshot.
        const auto &points = window.minuteChart()->points();
        QCOMPARE(std::count_if(points.begin(), points.end(), [](const ui::MinutePoint &p) { return p.gap; }), 6);
        QVERIFY(points.back().partial);
        QVERIFY(window.minuteChart()->tooltipFor(59).contains(QLatin1String("current minute")));

        window.setThreeHours(true);
        QTRY_COMPARE(window.minuteChart()->barCount(), 180);
        window.showView(MainWindow::TransactionsView);
        QCOMPARE(window.viewTabs()->currentIndex(), int(MainWindow::TransactionsView));

        // It keeps up: several snapshots arrive between two refreshes and the window shows a recent one.
        const int before = publisher.published();
        QTRY_VERIFY(publisher.published() > before + 10);
        QTRY_VERIFY(window.shownSnapshot() != nullptr);
        QVERIFY(std::find(snapshots.begin(), snapshots.end(), window.shownSnapshot()) != snapshots.end());
        QVERIFY2(window.longestRefreshUs() < 2'000'000, "a refresh must never take seconds");

        window.close();
        QVERIFY(settings.contains(QStringLiteral("window/geometry")));
        QCOMPARE(settings.value(QStringLiteral("view/threeHours")).toBool(), true);
        QCOMPARE(settings.value(QStringLiteral("view/current")).toInt(), int(MainWindow::TransactionsView));
    }

    void restoresViewOptions()
    {
        SnapshotHub hub;
        QSettings settings(iniPath(), QSettings::IniFormat);
        MainWindow window(hub, settings);
        QVERIFY(window.threeHours());
        QCOMPARE(window.currentView(), MainWindow::TransactionsView);
    }

    void errorBannerAndStatus()
    {
        ShownWindow shown(m_dir.filePath(QStringLiteral("other.ini")));
        auto &[hub, settings, window] = shown;
        test::SyntheticOptions o;
        o.mode = Mode::Pipeline;
        o.lastError = QStringLiteral("redis.io: connection refused");
        hub.publish(test::syntheticSnapshot(o));
        QTRY_VERIFY(window.errorBanner() != nullptr);
        QVERIFY(window.errorBanner()->text().contains(QLatin1String("connection refused")));
        QVERIFY(window.findChild<QLabel *>(QStringLiteral("modeBadge"))->text().startsWith(QLatin1String("PIPELINE")));

        o.lastError.clear();
        hub.publish(test::syntheticSnapshot(o));
        QTRY_VERIFY(window.errorBanner() == nullptr);
    }

    void followsPaletteChanges()
    {
        ShownWindow shown(m_dir.filePath(QStringLiteral("palette.ini")));
        auto &[hub, settings, window] = shown;
        const QPalette original = QApplication::palette();
        const bool startsDark = isDarkPalette(original);
        QCOMPARE(window.minuteChart()->chart()->theme(), startsDark ? QChart::ChartThemeDark : QChart::ChartThemeLight);

        QPalette flipped = original;
        flipped.setColor(QPalette::Window, startsDark ? QColor(0xf0, 0xf0, 0xf0) : QColor(0x20, 0x20, 0x24));
        flipped.setColor(QPalette::WindowText, startsDark ? Qt::black : Qt::white);
        QApplication::setPalette(flipped);
        QTRY_COMPARE(window.minuteChart()->chart()->theme(), startsDark ? QChart::ChartThemeLight : QChart::ChartThemeDark);
        QCOMPARE(window.addressChart()->chart()->theme(), window.minuteChart()->chart()->theme());
        QApplication::setPalette(original);
        QTRY_COMPARE(window.minuteChart()->chart()->theme(), startsDark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    }

    void copyAndCsv()
    {
        ShownWindow shown(m_dir.filePath(QStringLiteral("copy.ini")));
        auto &[hub, settings, window] = shown;
        const auto snap = test::syntheticSnapshot();
        hub.publish(snap);
        QTRY_COMPARE(window.addressModel()->rowCount(), 100);
        window.showView(MainWindow::AddressesView);
        window.addressTable()->selectRow(2);
        window.copySelection();
        QCOMPARE(QApplication::clipboard()->text(), QString::fromStdString(snap->view.top[2].address));
        // Ctrl+C in the table copies the selected addresses (whole rows), not the current cell.
        QApplication::clipboard()->clear();
        window.activateWindow();
        window.addressTable()->setFocus();
        window.addressTable()->selectRow(4);
        window.addressTable()->selectionModel()->select(
            window.addressModel()->index(5, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QTest::keyClick(window.addressTable(), Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QApplication::clipboard()->text(), QString::fromStdString(snap->view.top[4].address + "\n"
                                                                           + snap->view.top[5].address));
        window.copyCurrentViewAsCsv();
        QCOMPARE(QApplication::clipboard()->text(), window.csvFor(MainWindow::AddressesView));
        QVERIFY(window.csvFor(MainWindow::AddressesView).startsWith(QLatin1String("rank,address,")));

        // Each page answers for its own rows and CSV: Copy on Transactions copies the selected hashes; on
        // Activity, which has no rows, the per-minute CSV; the view options reach every page.
        window.showView(MainWindow::TransactionsView);
        window.transactionTable()->selectRow(1);
        window.transactionTable()->selectionModel()->select(
            window.transactionModel()->index(3, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QApplication::clipboard()->clear();
        window.copySelection();
        QCOMPARE(QApplication::clipboard()->text(),
                 QString::fromStdString(snap->latest[1].hash + "\n" + snap->latest[3].hash));
        QCOMPARE(window.csvFor(MainWindow::TransactionsView), transactionsCsv(*snap, CsvOptions{false, 60, 100}));

        window.showView(MainWindow::ActivityView);
        QApplication::clipboard()->clear();
        window.copySelection();
        QCOMPARE(QApplication::clipboard()->text(), minutesCsv(*snap, CsvOptions{false, 60, 100}));

        // The options from the menu reach the pages' own controls, models and CSV.
        auto *utcBox = window.activityPage()->findChild<QCheckBox *>();
        QVERIFY(utcBox && !utcBox->isChecked());
        window.setUtc(true);
        window.setThreeHours(true);
        QVERIFY(utcBox->isChecked());
        QVERIFY(window.transactionModel()->utc());
        QCOMPARE(window.csvFor(MainWindow::ActivityView), minutesCsv(*snap, CsvOptions{true, 180, 100}));
        QCOMPARE(window.csvFor(MainWindow::ActivityView).count(QLatin1String("\r\n")), 181);
        // And the page's controls back to the window.
        utcBox->setChecked(false);
        QVERIFY(!window.utc());
        QVERIFY(!window.transactionModel()->utc());
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
