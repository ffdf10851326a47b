#include "main_window.h"

#include "error_banner.h"
#include "pages/activity_page.h"
#include "pages/addresses_page.h"
#include "pages/transactions_page.h"
#include "settings_dialog.h"
#include "status_panel.h"
#include "summary_cards.h"
#include "window_diagnostics.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QElapsedTimer>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

// Outside any namespace, as Q_INIT_RESOURCE requires: the icon lives in a static library.
static void initTxpulseResources()
{
    Q_INIT_RESOURCE(txpulse);
}

namespace txpulse::ui {

QIcon applicationIcon()
{
    initTxpulseResources();
    return QIcon(QStringLiteral(":/txpulse/icons/txpulse.svg"));
}

MainWindow::MainWindow(SnapshotHub &hub, QSettings &settings, QWidget *parent)
    : QMainWindow(parent), m_hub(hub), m_settings(settings)
{
    setObjectName(QStringLiteral("txpulseMainWindow"));
    setWindowTitle(tr("txpulse \u2014 Bitcoin mempool monitor"));
    setWindowIcon(applicationIcon());
    m_theme = Theme::forPalette(palette());

    buildUi();
    buildMenus();
    m_status = new StatusPanel(statusBar());
    restoreState();
    applyTheme();

    m_timer = new QTimer(this);
    m_timer->setInterval(kRefreshIntervalMs);
    m_timer->setTimerType(Qt::CoarseTimer);
    connect(m_timer, &QTimer::timeout, this, &MainWindow::refresh);
    m_timer->start();
    QTimer::singleShot(0, this, &MainWindow::refresh);
    m_diagnostics = new WindowDiagnostics(*this, m_settings);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildUi()
{
    auto *central = new QWidget(this);
    auto *root = new QVBoxLayout(central);
    root->setContentsMargins(12, 10, 12, 6);
    root->setSpacing(10);

    m_banner = new ErrorBanner(central); // non-modal, dismissable, back when a different error arrives
    root->addWidget(m_banner);

    m_cards = new SummaryCards(central);
    root->addWidget(m_cards);

    m_tabs = new QTabWidget(central);
    m_tabs->setDocumentMode(true);
    root->addWidget(m_tabs, 1);
    m_activity = new ActivityPage(m_tabs);
    m_addresses = new AddressesPage(m_tabs);
    m_transactions = new TransactionsPage(m_tabs);
    m_pages = {m_activity, m_addresses, m_transactions};
    for (std::size_t i = 0; i < m_pages.size(); ++i) {
        Page *page = m_pages[i];
        const int view = static_cast<int>(i);
        m_tabs->addTab(page, page->info().title);
        connect(page, &Page::copySelectionRequested, this, &MainWindow::copySelection);
        connect(page, &Page::copyCsvRequested, this, &MainWindow::copyCurrentViewAsCsv);
        connect(page, &Page::exportRequested, this, [this, view] { exportView(view); });
    }
    connect(m_activity, &ActivityPage::threeHoursChosen, this, &MainWindow::setThreeHours);
    connect(m_activity, &ActivityPage::utcChosen, this, &MainWindow::setUtc);
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        m_dirty = true;
        refresh();
    });
    setCentralWidget(central);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *exportCurrent = file->addAction(tr("&Export Current View as CSV\u2026"), this, &MainWindow::exportCurrentView);
    exportCurrent->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    QMenu *exportMenu = file->addMenu(tr("Export &View"));
    for (std::size_t i = 0; i < m_pages.size(); ++i)
        exportMenu->addAction(m_pages[i]->info().exportText, this,
                              [this, i] { exportView(static_cast<int>(i)); });
    file->addSeparator();
    QAction *settings = file->addAction(tr("&Settings\u2026"), this, &MainWindow::openSettings);
    settings->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    settings->setMenuRole(QAction::PreferencesRole);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    quit->setMenuRole(QAction::QuitRole);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *copy = edit->addAction(tr("&Copy"), this, &MainWindow::copySelection);
    copy->setShortcut(QKeySequence::Copy);
    QAction *copyCsv = edit->addAction(tr("Copy View as C&SV"), this, &MainWindow::copyCurrentViewAsCsv);
    copyCsv->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (std::size_t i = 0; i < m_pages.size(); ++i) {
        const int index = static_cast<int>(i);
        QAction *a = view->addAction(m_pages[i]->info().menuText, this, [this, index] { showView(index); });
        a->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + index)));
    }
    view->addSeparator();
    m_threeHoursAction = view->addAction(tr("Show &3 Hours"));
    m_threeHoursAction->setCheckable(true);
    connect(m_threeHoursAction, &QAction::toggled, this, &MainWindow::setThreeHours);
    m_utcAction = view->addAction(tr("Times in &UTC"));
    m_utcAction->setCheckable(true);
    connect(m_utcAction, &QAction::toggled, this, &MainWindow::setUtc);
    view->addSeparator();
    m_fullScreenAction = view->addAction(tr("&Full Screen"), this, &MainWindow::toggleFullScreen);
    m_fullScreenAction->setShortcut(QKeySequence(Qt::Key_F11));
    m_fullScreenAction->setCheckable(true);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About txpulse"), this, [this] {
        QMessageBox box(this);
        box.setWindowTitle(tr("About txpulse"));
        box.setIconPixmap(windowIcon().pixmap(64, 64));
        box.setText(tr("<h3>txpulse %1</h3><p>Live unconfirmed Bitcoin transactions: Kafka, Redis, charts and a "
                       "local REST API.</p>")
                        .arg(QStringLiteral(TXPULSE_VERSION)));
        box.exec();
    });
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::applyTheme()
{
    m_applyingTheme = true;
    m_theme = Theme::forPalette(palette());
    setStyleSheet(windowStyleSheet(m_theme));
    m_status->setTheme(m_theme);
    for (Page *page : m_pages)
        page->setTheme(m_theme);
    m_dirty = true;
    m_applyingTheme = false;
}

void MainWindow::changeEvent(QEvent *event)
{
    QMainWindow::changeEvent(event);
    if ((event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        && !m_applyingTheme && m_status) {
        if (isDarkPalette(palette()) != m_theme.dark) {
            applyTheme();
            refresh();
        }
    }
    if (event->type() == QEvent::WindowStateChange && m_fullScreenAction)
        m_fullScreenAction->setChecked(isFullScreen());
}

void MainWindow::restoreState()
{
    restoreGeometry(m_settings.value(QStringLiteral("window/geometry")).toByteArray());
    QMainWindow::restoreState(m_settings.value(QStringLiteral("window/state")).toByteArray());
    if (!m_settings.contains(QStringLiteral("window/geometry")))
        resize(1280, 800);
    for (Page *page : m_pages)
        page->restoreState(m_settings);
    setThreeHours(m_settings.value(QStringLiteral("view/threeHours"), false).toBool());
    setUtc(m_settings.value(QStringLiteral("view/utc"), false).toBool());
    showView(m_settings.value(QStringLiteral("view/current"), 0).toInt());
}

void MainWindow::saveWindowState()
{
    m_settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    m_settings.setValue(QStringLiteral("window/state"), saveState());
    for (const Page *page : m_pages)
        page->saveState(m_settings);
    m_settings.setValue(QStringLiteral("view/threeHours"), m_options.threeHours);
    m_settings.setValue(QStringLiteral("view/utc"), m_options.utc);
    m_settings.setValue(QStringLiteral("view/current"), m_tabs->currentIndex());
    m_settings.sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindowState();
    m_timer->stop();
    QMainWindow::closeEvent(event);
}

MainWindow::View MainWindow::currentView() const
{
    return static_cast<View>(m_tabs->currentIndex());
}

Page *MainWindow::currentPage() const
{
    return m_pages[static_cast<std::size_t>(m_tabs->currentIndex())];
}

qint64 MainWindow::longestStallUs() const
{
    return m_diagnostics->longestStallUs();
}

AddressTableModel *MainWindow::addressModel() const { return m_addresses->model(); }
TransactionTableModel *MainWindow::transactionModel() const { return m_transactions->model(); }
MinuteChart *MainWindow::minuteChart() const { return m_activity->chart(); }
AddressChart *MainWindow::addressChart() const { return m_addresses->chart(); }
QTableView *MainWindow::addressTable() const { return m_addresses->table(); }
QTableView *MainWindow::transactionTable() const { return m_transactions->table(); }

QLabel *MainWindow::errorBanner() const
{
    return m_banner->isVisibleTo(this) ? m_banner->textLabel() : nullptr;
}

void MainWindow::showView(int view)
{
    if (view >= 0 && view < m_tabs->count())
        m_tabs->setCurrentIndex(view);
}

void MainWindow::setThreeHours(bool threeHours)
{
    m_options.threeHours = threeHours;
    applyViewOptions();
}

void MainWindow::setUtc(bool utc)
{
    m_options.utc = utc;
    applyViewOptions();
}

void MainWindow::applyViewOptions()
{
    // Keep the pages' controls and the menu actions in step, without feedback loops.
    for (Page *page : m_pages)
        page->setViewOptions(m_options);
    {
        const QSignalBlocker b1(m_threeHoursAction), b2(m_utcAction);
        m_threeHoursAction->setChecked(m_options.threeHours);
        m_utcAction->setChecked(m_options.utc);
    }
    m_dirty = true;
    refresh();
}

void MainWindow::refresh()
{
    QElapsedTimer elapsed;
    elapsed.start();
    SnapshotPtr s = m_hub.load();
    if (!s || (s == m_shown && !m_dirty))
        return;
    m_shown = s;
    m_dirty = false;

    const int current = m_tabs->currentIndex();
    for (std::size_t i = 0; i < m_pages.size(); ++i)
        m_pages[i]->showSnapshot(s, m_options, static_cast<int>(i) == current);
    m_cards->showSnapshot(*s);
    m_status->showSnapshot(*s, m_options.utc);
    m_banner->showError(s->lastError);

    const qint64 us = elapsed.nsecsElapsed() / 1000;
    m_longestRefreshUs = std::max(m_longestRefreshUs, us);
}

QString MainWindow::csvFor(View view) const
{
    const SnapshotPtr s = m_shown ? m_shown : m_hub.load();
    return m_pages[static_cast<std::size_t>(view)]->csv(*s, m_options);
}

void MainWindow::exportView(int view)
{
    if (view < 0 || view >= static_cast<int>(m_pages.size()))
        return;
    // Freeze what is written now: the file matches the snapshot on screen when the user asked.
    const QString csv = csvFor(static_cast<View>(view));
    const QString path = m_pages[static_cast<std::size_t>(view)]->saveCsv(csv, m_settings);
    if (!path.isEmpty())
        statusBar()->showMessage(tr("Exported to %1").arg(QDir::toNativeSeparators(path)), 5000);
}

void MainWindow::exportCurrentView()
{
    exportView(currentView());
}

void MainWindow::copyCurrentViewAsCsv()
{
    QApplication::clipboard()->setText(csvFor(currentView()));
    statusBar()->showMessage(tr("Copied the view as CSV"), 3000);
}

void MainWindow::copySelection()
{
    const Page *page = currentPage();
    const QStringList lines = page->selectedKeys();
    if (lines.isEmpty()) {
        if (page->copiesCsvWithoutSelection())
            copyCurrentViewAsCsv();
        return;
    }
    QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
    statusBar()->showMessage(tr("Copied %n item(s)", nullptr, static_cast<int>(lines.size())), 3000);
}

void MainWindow::openSettings()
{
    auto *dialog = new SettingsDialog(m_config, m_settings, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::settingsApplied, this, [this](const Config &c) {
        m_config = c;
        Q_EMIT settingsApplied(c);
    });
    dialog->open();
}

void MainWindow::toggleFullScreen()
{
    if (isFullScreen())
        showNormal();
    else
        showFullScreen();
}

} // namespace txpulse::ui
