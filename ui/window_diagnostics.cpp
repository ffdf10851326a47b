#include "window_diagnostics.h"

#include "main_window.h"
#include "settings_dialog.h"
#include "support/logging.h"
#include "transaction_detail_dialog.h"
#include "transaction_table_model.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <memory>

namespace txpulse::ui {

WindowDiagnostics::WindowDiagnostics(MainWindow &window, QSettings &settings)
    : QObject(&window), m_window(window), m_settings(settings)
{
    if (qEnvironmentVariableIntValue("TXPULSE_UI_STALL_PROBE") > 0)
        startStallProbe();
    const QString shot = qEnvironmentVariable("TXPULSE_UI_SCREENSHOT");
    if (!shot.isEmpty()) {
        bool ok = false;
        int delay = qEnvironmentVariableIntValue("TXPULSE_UI_SCREENSHOT_DELAY_MS", &ok);
        QTimer::singleShot(ok ? delay : 15'000, this, [this, shot] { saveScreenshots(shot); });
    }
}

void WindowDiagnostics::startStallProbe()
{
    auto *probe = new QTimer(this);
    probe->setTimerType(Qt::PreciseTimer);
    probe->setInterval(5);
    auto clock = std::make_shared<QElapsedTimer>();
    clock->start();
    auto last = std::make_shared<qint64>(0);
    auto windowMax = std::make_shared<qint64>(0);
    auto windowStart = std::make_shared<qint64>(0);
    connect(probe, &QTimer::timeout, this, [this, clock, last, windowMax, windowStart] {
        const qint64 now = clock->nsecsElapsed() / 1000;
        const qint64 gap = *last > 0 ? now - *last - 5000 : 0;
        *last = now;
        *windowMax = std::max(*windowMax, gap);
        m_longestStallUs = std::max(m_longestStallUs, gap);
        if (now - *windowStart >= 10'000'000) {
            qCInfo(lcUi, "GUI thread: longest stall %.1f ms in the last 10 s (%.1f ms overall), slowest "
                         "refresh %.1f ms",
                   static_cast<double>(*windowMax) / 1000.0, static_cast<double>(m_longestStallUs) / 1000.0,
                   static_cast<double>(m_window.longestRefreshUs()) / 1000.0);
            *windowMax = 0;
            *windowStart = now;
        }
    });
    QTimer::singleShot(1000, probe, [probe] { probe->start(); }); // after start-up
}

void WindowDiagnostics::saveScreenshots(const QString &pattern)
{
    const auto save = [&pattern](QWidget *w, const QString &view) {
        QApplication::processEvents(); // let the charts lay out what refresh() gave them
        const QString path = QString(pattern).replace(QStringLiteral("{view}"), view);
        const bool saved = w->grab().save(path);
        qCInfo(lcUi) << (saved ? "saved screenshot" : "could not save screenshot") << path;
    };
    if (!pattern.contains(QStringLiteral("{view}"))) {
        save(&m_window, {});
        return;
    }
    const bool threeHours = m_window.threeHours();
    const int view = m_window.currentView();
    m_window.showView(MainWindow::ActivityView);
    m_window.setThreeHours(false);
    save(&m_window, QStringLiteral("activity"));
    m_window.setThreeHours(true);
    save(&m_window, QStringLiteral("activity-3h"));
    m_window.setThreeHours(threeHours);
    m_window.showView(MainWindow::AddressesView);
    save(&m_window, QStringLiteral("addresses"));
    m_window.showView(MainWindow::TransactionsView);
    save(&m_window, QStringLiteral("transactions"));
    auto *settings = new SettingsDialog(m_window.config(), m_settings, &m_window);
    settings->show();
    save(settings, QStringLiteral("settings"));
    delete settings;
    if (const Transaction *tx = m_window.transactionModel()->transactionAt(0)) {
        auto *detail = new TransactionDetailDialog(*tx, m_window.utc(), &m_window);
        detail->show();
        save(detail, QStringLiteral("detail"));
        delete detail;
    }
    m_window.showView(view);
}

} // namespace txpulse::ui
