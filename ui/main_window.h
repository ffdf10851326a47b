#pragma once

#include "pages/page.h"
#include "store/snapshot.h"
#include "support/config.h"
#include "theme.h"

#include <QIcon>
#include <QMainWindow>

#include <vector>

class QAction;
class QLabel;
class QSettings;
class QTabWidget;
class QTableView;
class QTimer;

namespace txpulse::ui {

class ActivityPage;
class AddressChart;
class AddressesPage;
class AddressTableModel;
class ErrorBanner;
class MinuteChart;
class StatusPanel;
class SummaryCards;
class TransactionsPage;
class TransactionTableModel;
class WindowDiagnostics;

// The application icon from the resource file (SVG: crisp at any scale).
QIcon applicationIcon();

// The desktop window: the summary tiles, the pages (Activity, Addresses, Transactions: one Page class each,
// owning its chart, model and CSV) as tabs, the menus, the error banner and a status bar for the feed, Kafka
// and Redis. It reads only the immutable Snapshot that SnapshotHub holds, on a 250 ms timer
// (kRefreshIntervalMs) and only when a new one was published, and hands it to every page, so the message
// rate never reaches the GUI thread and nothing here can block on Kafka or Redis.
//
// GUI thread. Does not own the hub or the settings; both must outlive the window. Window geometry, the
// chosen view and the view options are stored in `settings` when the window closes. The settings dialog
// stores the connection settings there too and the window re-emits settingsApplied() for the composition
// root to apply.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    static constexpr int kRefreshIntervalMs = 250;
    enum View { ActivityView, AddressesView, TransactionsView }; // the pages, in tab order

    MainWindow(SnapshotHub &hub, QSettings &settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    // The effective configuration, shown (and edited) by the settings dialog.
    void setConfig(const Config &config) { m_config = config; }
    Config config() const { return m_config; }

    View currentView() const;
    bool threeHours() const { return m_options.threeHours; }
    bool utc() const { return m_options.utc; }
    SnapshotPtr shownSnapshot() const { return m_shown; }
    QString csvFor(View view) const; // what Export / Copy as CSV write for a view, from the shown snapshot

    ActivityPage *activityPage() const { return m_activity; }
    AddressesPage *addressesPage() const { return m_addresses; }
    TransactionsPage *transactionsPage() const { return m_transactions; }

    // Instrumentation and tests.
    qint64 longestRefreshUs() const { return m_longestRefreshUs; }
    qint64 longestStallUs() const; // with TXPULSE_UI_STALL_PROBE=1 only
    AddressTableModel *addressModel() const;
    TransactionTableModel *transactionModel() const;
    MinuteChart *minuteChart() const;
    AddressChart *addressChart() const;
    QTableView *addressTable() const;
    QTableView *transactionTable() const;
    QTabWidget *viewTabs() const { return m_tabs; }
    QLabel *errorBanner() const;

Q_SIGNALS:
    void settingsApplied(const txpulse::Config &config);

public Q_SLOTS:
    void refresh();                 // reads the hub; repaints when a new snapshot was published
    void showView(int view);        // ActivityView, AddressesView or TransactionsView
    void setThreeHours(bool threeHours);
    void setUtc(bool utc);
    void openSettings();
    void exportView(int view);      // asks for a file name, writes the view's CSV
    void exportCurrentView();
    void copyCurrentViewAsCsv();
    void copySelection();           // addresses or hashes of the selected rows; the view's CSV on Activity
    void toggleFullScreen();

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void buildUi();
    void buildMenus();
    void applyTheme();
    void applyViewOptions(); // brings the pages and the View menu in step with m_options, then repaints
    void restoreState();
    void saveWindowState();
    Page *currentPage() const;

    SnapshotHub &m_hub;
    QSettings &m_settings;
    Config m_config;
    SnapshotPtr m_shown;
    ViewOptions m_options;
    bool m_dirty = true;      // repaint on the next tick even if the snapshot is the same (options changed)
    bool m_applyingTheme = false;
    qint64 m_longestRefreshUs = 0;
    Theme m_theme;

    QTimer *m_timer = nullptr;
    QTabWidget *m_tabs = nullptr;
    ErrorBanner *m_banner = nullptr;
    SummaryCards *m_cards = nullptr;
    ActivityPage *m_activity = nullptr;
    AddressesPage *m_addresses = nullptr;
    TransactionsPage *m_transactions = nullptr;
    std::vector<Page *> m_pages; // in tab order: the index is the View
    StatusPanel *m_status = nullptr;
    WindowDiagnostics *m_diagnostics = nullptr;
    QAction *m_threeHoursAction = nullptr;
    QAction *m_utcAction = nullptr;
    QAction *m_fullScreenAction = nullptr;
};

} // namespace txpulse::ui
