// Development tool for the desktop window (not a test, not installed):
//   txpulse_ui_demo                          the window over synthetic data, to look at and click through
//   txpulse_ui_demo --screenshots DIR [--dark] [--pipeline] [--size 1440x900]
//                                            saves a PNG of each view, the settings and detail dialogs
//   txpulse_ui_demo --stall SECONDS [--rate 1000]
//                                            publishes a changing snapshot at 4 Hz from another thread, as a
//                                            feed at RATE tx/s would, cycles through the views, and reports
//                                            the GUI thread's longest stall and the slowest refresh
#include "main_window.h"
#include "settings_dialog.h"
#include "synthetic_snapshot.h"
#include "transaction_detail_dialog.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QPalette>
#include <QSettings>
#include <QStyleFactory>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

using namespace txpulse;

namespace {

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x1e, 0x20, 0x25), base(0x16, 0x18, 0x1c), text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x1c, 0x1f, 0x24));
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x2a, 0x2d, 0x33));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::Highlight, QColor(0x3b, 0x82, 0xf6));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Light, QColor(0x3a, 0x3d, 0x44));
    p.setColor(QPalette::Midlight, QColor(0x32, 0x35, 0x3b));
    p.setColor(QPalette::Mid, QColor(0x26, 0x28, 0x2d));
    p.setColor(QPalette::Dark, QColor(0x12, 0x13, 0x16));
    p.setColor(QPalette::Shadow, Qt::black);
    return p;
}

void settle(int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms)
        QApplication::processEvents(QEventLoop::AllEvents, 20);
}

bool save(QWidget *w, const QString &path)
{
    const bool ok = w->grab().save(path);
    std::printf("%s %s\n", ok ? "wrote" : "FAILED", qPrintable(path));
    return ok;
}

// Snapshots as a feed at `rate` tx/s would produce them: counts per minute around rate*60, the latest 100
// transactions replaced by new ones, the ranking drifting.
class LivePublisher {
public:
    LivePublisher(SnapshotHub &hub, double rate) : m_hub(hub), m_rate(rate)
    {
        m_thread = std::thread([this] { run(); });
    }
    ~LivePublisher()
    {
        m_stop = true;
        m_thread.join();
    }
    int published() const { return m_published.load(); }

private:
    void run()
    {
        std::mt19937 rng(7);
        test::SyntheticOptions o;
        o.nowMs = QDateTime::currentMSecsSinceEpoch();
        o.txPerSecond = m_rate;
        auto base = test::syntheticSnapshot(o);
        const double scale = m_rate * 60 / 360.0;
        for (MinuteBucket &b : base->view.minutes)
            b.count = static_cast<std::int64_t>(static_cast<double>(b.count) * scale);
        while (!m_stop.load()) {
            auto s = std::make_shared<Snapshot>(*base);
            const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
            s->generatedMs = now;
            s->view.nowMs = now;
            const std::int64_t nowMinute = now / 60'000;
            const std::int64_t shift = nowMinute - s->view.minutes.back().minute;
            for (MinuteBucket &b : s->view.minutes)
                b.minute += shift;
            s->view.minutes.back().count = static_cast<std::int64_t>(m_rate * static_cast<double>(now % 60'000) / 1000.0);
            // A quarter second of transactions at `rate`: the newest 100 replace the table.
            std::vector<Transaction> fresh;
            for (int i = 0; i < 100; ++i)
                fresh.push_back(test::syntheticTransaction(rng, now / 1000));
            s->latest = std::move(fresh);
            s->view.latest.clear();
            for (const Transaction &tx : s->latest)
                s->view.latest.push_back(tx.raw);
            for (AddressTotal &a : s->view.top)
                a.satoshis += std::uniform_int_distribution<std::int64_t>(0, 20'000'000)(rng);
            std::sort(s->view.top.begin(), s->view.top.end(),
                      [](const AddressTotal &a, const AddressTotal &b) { return a.satoshis > b.satoshis; });
            s->stats.applied += static_cast<std::int64_t>(m_rate / 4) * m_published.load();
            m_hub.publish(std::move(s));
            ++m_published;
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    }

    SnapshotHub &m_hub;
    double m_rate;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_published{0};
    std::thread m_thread;
};

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("txpulse-ui-demo"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption shots(QStringLiteral("screenshots"), QStringLiteral("Save PNGs into DIR."), QStringLiteral("DIR"));
    const QCommandLineOption dark(QStringLiteral("dark"), QStringLiteral("Use a dark palette."));
    const QCommandLineOption pipeline(QStringLiteral("pipeline"), QStringLiteral("Pretend pipeline mode."));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size WxH."), QStringLiteral("WxH"),
                                  QStringLiteral("1440x900"));
    const QCommandLineOption stall(QStringLiteral("stall"), QStringLiteral("Measure for SECONDS."), QStringLiteral("SECONDS"));
    const QCommandLineOption rate(QStringLiteral("rate"), QStringLiteral("Simulated tx/s."), QStringLiteral("N"),
                                  QStringLiteral("1000"));
    const QCommandLineOption fixedView(QStringLiteral("view"), QStringLiteral("--stall: stay on view N (0-2) instead of cycling."),
                                  QStringLiteral("N"));
    parser.addOptions({shots, dark, pipeline, size, stall, rate, fixedView});
    parser.process(app);

    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    if (parser.isSet(dark))
        QApplication::setPalette(darkPalette());

    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("demo.ini")), QSettings::IniFormat);
    SnapshotHub hub;
    ui::MainWindow window(hub, settings);
    const QStringList wh = parser.value(size).split(QLatin1Char('x'));
    window.resize(wh.value(0).toInt(), wh.value(1).toInt());

    if (parser.isSet(stall)) {
        const int seconds = parser.value(stall).toInt();
        window.show();
        LivePublisher publisher(hub, parser.value(rate).toDouble());
        QElapsedTimer clock;
        clock.start();
        qint64 last = clock.nsecsElapsed();
        qint64 longest = 0;
        QTimer probe;
        probe.setTimerType(Qt::PreciseTimer);
        probe.setInterval(2);
        QObject::connect(&probe, &QTimer::timeout, [&] {
            const qint64 now = clock.nsecsElapsed();
            if (clock.elapsed() > 1000) // after start-up
                longest = std::max(longest, now - last);
            last = now;
        });
        probe.start();
        QTimer cycle;
        int view = 0;
        QObject::connect(&cycle, &QTimer::timeout, [&] { window.showView(++view % 3); });
        if (parser.isSet(fixedView))
            window.showView(parser.value(fixedView).toInt());
        else
            cycle.start(1500);
        QTimer::singleShot(seconds * 1000, &app, &QApplication::quit);
        QApplication::exec();
        std::printf("published %d snapshots in %d s at %s tx/s\n", publisher.published(), seconds,
                    qPrintable(parser.value(rate)));
        std::printf("longest GUI-thread stall (probe gap, 2 ms timer): %.1f ms\n", static_cast<double>(longest) / 1e6);
        std::printf("slowest window refresh: %.1f ms\n", static_cast<double>(window.longestRefreshUs()) / 1e3);
        return 0;
    }

    test::SyntheticOptions o;
    o.nowMs = QDateTime::currentMSecsSinceEpoch() / 60'000 * 60'000 + 37'000;
    o.mode = parser.isSet(pipeline) ? Mode::Pipeline : Mode::Standalone;
    o.txPerSecond = 6.4;
    hub.publish(test::syntheticSnapshot(o));

    if (!parser.isSet(shots)) {
        window.show();
        return QApplication::exec();
    }

    const QString out = parser.value(shots);
    QDir().mkpath(out);
    const QString suffix = parser.isSet(dark) ? QStringLiteral("-dark") : QString();
    window.show();
    settle(800);
    bool ok = true;
    const char *names[] = {"activity", "addresses", "transactions"};
    for (int v = 0; v < 3; ++v) {
        window.showView(v);
        settle(500);
        ok &= save(&window, QStringLiteral("%1/%2%3.png").arg(out, QLatin1String(names[v]), suffix));
    }
    window.showView(0);
    window.setThreeHours(true);
    settle(500);
    ok &= save(&window, QStringLiteral("%1/activity-3h%2.png").arg(out, suffix));
    window.setThreeHours(false);

    Config config;
    config.httpHost = QStringLiteral("0.0.0.0");
    config.kafkaBrokers = QStringLiteral("127.0.0.1:9092");
    ui::SettingsDialog settingsDialog(config, settings, &window);
    settingsDialog.show();
    settle(300);
    ok &= save(&settingsDialog, QStringLiteral("%1/settings%2.png").arg(out, suffix));
    settingsDialog.hide();

    const SnapshotPtr shown = hub.load();
    auto *detail = new ui::TransactionDetailDialog(shown->latest.front(), false, &window);
    detail->show();
    settle(300);
    ok &= save(detail, QStringLiteral("%1/detail%2.png").arg(out, suffix));
    detail->close();
    return ok ? 0 : 1;
}
