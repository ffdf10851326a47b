#pragma once

#include "support/config.h"
#include "csv_export.h"
#include "minute_series.h"
#include "store/snapshot.h"
#include "theme.h"

#include <QIcon>
#include <QMainWindow>

class QAction;
class QActionGroup;
class QCheckBox;
class QFrame;
class QLabel;
class QSettings;
class QSplitter;
class QTabWidget;
class QTableView;
class QTimer;
class QToolButton;

namespace txpulse::ui {

class AddressChart;
class AddressTableModel;
class MinuteChart;
class StatCard;
class StatusIndicator;
class TransactionTableModel;

// The application icon from the resource file (SVG: crisp at any scale).
QIcon applicationIcon();

// The desktop window: transactions per minute, the high-value address ranking and the latest transactions,
// with a status bar for the feed, Kafka and Redis. It reads only the immutable Snapshot that SnapshotHub
// holds, on a 250 ms timer (kRefreshIntervalMs) and only when a new one was published, so the message rate
// never reaches the GUI thread and nothing here can block on Kafka or Redis.
//
// GUI thread. Does not own the hub or the settings; both must outlive the window. Window geometry, the
// chosen view and the view options are stored in `settings` when the window closes. The settings dialog
// stores the connection settings there too and the window re-emits settingsApplied() for the composition
// root to apply.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    static constexpr int kRefreshIntervalMs = 250;
    enum View { ActivityView, AddressesView, TransactionsView };

    MainWindow(SnapshotHub &hub, QSettings &settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    // The effective configuration, shown (and edited) by the settings dialog.
    void setConfig(const Config &config);
    Config config() const { return m_config; }

    View currentView() const;
    bool threeHours() const { return m_threeHours; }
    bool utc() const { return m_utc; }
    SnapshotPtr shownSnapshot() const { return m_shown; }
    QString csvFor(View view) const; // what Export / Copy as CSV write for a view, from the shown snapshot

    // Instrumentation and tests.
    qint64 longestRefreshUs() const { return m_longestRefreshUs; }
    qint64 longestStallUs() const { return m_longestStallUs; } // with TXPULSE_UI_STALL_PROBE=1 only
    AddressTableModel *addressModel() const { return m_addressModel; }
    TransactionTableModel *transactionModel() const { return m_transactionModel; }
    MinuteChart *minuteChart() const { return m_minuteChart; }
    AddressChart *addressChart() const { return m_addressChart; }
    QTableView *addressTable() const { return m_addressTable; }
    QTableView *transactionTable() const { return m_transactionTable; }
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
    void showTransactionDetails(int row);
    void toggleFullScreen();

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void buildUi();
    void startDiagnostics();
    void saveScreenshots(const QString &pattern); // TXPULSE_UI_SCREENSHOT
    void buildMenus();
    void buildStatusBar();
    void applyTheme();
    void restoreState();
    void saveWindowState();
    void updateSummary(const Snapshot &s);
    void updateStatus(const Snapshot &s);
    void updateBanner(const Snapshot &s);
    CsvOptions csvOptions() const;

    SnapshotHub &m_hub;
    QSettings &m_settings;
    Config m_config;
    SnapshotPtr m_shown;
    std::vector<MinutePoint> m_points; // the chart's series for the shown snapshot
    std::int64_t m_startMinute = -1;   // standalone: the Unix minute the store began, earlier gaps are "before start"
    bool m_dirty = true;      // repaint on the next tick even if the snapshot is the same (options changed)
    bool m_threeHours = false;
    bool m_utc = false;
    bool m_applyingTheme = false;
    QString m_dismissedError;
    qint64 m_longestRefreshUs = 0;
    qint64 m_longestStallUs = 0;
    Theme m_theme;

    QTimer *m_timer = nullptr;
    QTabWidget *m_tabs = nullptr;
    QFrame *m_banner = nullptr;
    QLabel *m_bannerText = nullptr;
    StatCard *m_rateCard = nullptr;
    StatCard *m_minuteCard = nullptr;
    StatCard *m_hourCard = nullptr;
    StatCard *m_addressCard = nullptr;
    MinuteChart *m_minuteChart = nullptr;
    QLabel *m_minuteTitle = nullptr;
    QLabel *m_minuteSummary = nullptr;
    QToolButton *m_span60 = nullptr;
    QToolButton *m_span180 = nullptr;
    QCheckBox *m_utcBox = nullptr;
    AddressChart *m_addressChart = nullptr;
    AddressTableModel *m_addressModel = nullptr;
    QTableView *m_addressTable = nullptr;
    QLabel *m_addressSummary = nullptr;
    QSplitter *m_addressSplitter = nullptr;
    TransactionTableModel *m_transactionModel = nullptr;
    QTableView *m_transactionTable = nullptr;
    QLabel *m_transactionSummary = nullptr;
    StatusIndicator *m_feedState = nullptr;
    StatusIndicator *m_kafkaState = nullptr;
    StatusIndicator *m_redisState = nullptr;
    QLabel *m_rateLabel = nullptr;
    QLabel *m_totalsLabel = nullptr;
    QLabel *m_modeBadge = nullptr;
    QAction *m_threeHoursAction = nullptr;
    QAction *m_utcAction = nullptr;
    QAction *m_fullScreenAction = nullptr;
};

} // namespace txpulse::ui
