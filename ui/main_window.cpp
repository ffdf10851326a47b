#include "main_window.h"

#include "address_chart.h"
#include "address_table_model.h"
#include "format.h"
#include "support/logging.h"
#include "minute_chart.h"
#include "minute_series.h"
#include "settings_dialog.h"
#include "transaction_detail_dialog.h"
#include "transaction_table_model.h"

#include <QLocale>
#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QButtonGroup>
#include <QCheckBox>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
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

// A dashboard tile: a caption, a large value and a line of detail.
class StatCard : public QFrame {
public:
    StatCard(const QString &caption, QWidget *parent) : QFrame(parent)
    {
        setObjectName(QStringLiteral("statCard"));
        auto *layout = new QVBoxLayout(this);
        layout->setContentsMargins(14, 10, 14, 10);
        layout->setSpacing(2);
        m_caption = new QLabel(caption.toUpper(), this);
        m_caption->setObjectName(QStringLiteral("statCaption"));
        m_value = new QLabel(QStringLiteral("\u2014"), this);
        m_value->setObjectName(QStringLiteral("statValue"));
        m_detail = new QLabel(this);
        m_detail->setObjectName(QStringLiteral("statDetail"));
        layout->addWidget(m_caption);
        layout->addWidget(m_value);
        layout->addWidget(m_detail);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    void set(const QString &value, const QString &detail)
    {
        if (m_value->text() != value)
            m_value->setText(value);
        if (m_detail->text() != detail)
            m_detail->setText(detail);
    }
    QString value() const { return m_value->text(); }

private:
    QLabel *m_caption;
    QLabel *m_value;
    QLabel *m_detail;
};

// "● Feed: connected" in the colour of the state.
class StatusIndicator : public QLabel {
public:
    StatusIndicator(const QString &name, QWidget *parent) : QLabel(parent), m_name(name)
    {
        setTextFormat(Qt::RichText);
        setContentsMargins(6, 0, 6, 0);
    }
    void set(ComponentState state, const Theme &theme, const QString &toolTip)
    {
        QColor colour = theme.off;
        QString text;
        switch (state) {
        case ComponentState::Connected: colour = theme.ok; text = tr("connected"); break;
        case ComponentState::Connecting: colour = theme.warn; text = tr("connecting\u2026"); break;
        case ComponentState::Reconnecting: colour = theme.warn; text = tr("reconnecting\u2026"); break;
        case ComponentState::Down: colour = theme.bad; text = tr("down"); break;
        case ComponentState::Disabled: colour = theme.off; text = tr("not used"); break;
        }
        const QString html = QStringLiteral("<span style=\"color:%1; font-size:large;\">\u25CF</span>&nbsp;%2: %3")
                                 .arg(colour.name(), m_name.toHtmlEscaped(), text);
        if (html != m_html) {
            m_html = html;
            setText(html);
        }
        m_state = state;
        setToolTip(toolTip);
    }
    ComponentState state() const { return m_state; }

private:
    QString m_name;
    QString m_html;
    ComponentState m_state = ComponentState::Disabled;
};

namespace {

QString count(std::int64_t n)
{
    return QLocale().toString(static_cast<qlonglong>(n));
}

QString btcShort(std::int64_t satoshis)
{
    return QLocale().toString(static_cast<double>(satoshis) / 1e8, 'f', satoshis >= 100'000'000'000 ? 0 : 2);
}

QLabel *heading(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setObjectName(QStringLiteral("heading"));
    return label;
}

QLabel *muted(QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(QStringLiteral("muted"));
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

void setupTable(QTableView *table)
{
    table->setAlternatingRowColors(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table->setSortingEnabled(false);
    table->verticalHeader()->setVisible(false);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 10);
    table->horizontalHeader()->setHighlightSections(false);
    table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    table->setShowGrid(false);
    table->setWordWrap(false);
    table->setTextElideMode(Qt::ElideMiddle); // hashes and addresses keep both ends
    table->setContextMenuPolicy(Qt::CustomContextMenu);
    table->setFrameShape(QFrame::NoFrame);
}

QString stateTip(const char *what, ComponentState state)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(what), QLatin1String(componentStateName(state)));
}

} // namespace

MainWindow::MainWindow(SnapshotHub &hub, QSettings &settings, QWidget *parent)
    : QMainWindow(parent), m_hub(hub), m_settings(settings)
{
    setObjectName(QStringLiteral("txpulseMainWindow"));
    setWindowTitle(tr("txpulse \u2014 Bitcoin mempool monitor"));
    setWindowIcon(applicationIcon());
    m_theme = Theme::forPalette(palette());

    buildUi();
    buildMenus();
    buildStatusBar();
    restoreState();
    applyTheme();

    m_timer = new QTimer(this);
    m_timer->setInterval(kRefreshIntervalMs);
    m_timer->setTimerType(Qt::CoarseTimer);
    connect(m_timer, &QTimer::timeout, this, &MainWindow::refresh);
    m_timer->start();
    QTimer::singleShot(0, this, &MainWindow::refresh);
    startDiagnostics();
}

void MainWindow::startDiagnostics()
{
    // TXPULSE_UI_STALL_PROBE=1: measure how long the GUI thread is kept from its event loop (a 5 ms timer
    // that notes the longest gap between its ticks) and log it every 10 s, with the slowest refresh.
    if (qEnvironmentVariableIntValue("TXPULSE_UI_STALL_PROBE") > 0) {
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
                       static_cast<double>(m_longestRefreshUs) / 1000.0);
                *windowMax = 0;
                *windowStart = now;
            }
        });
        QTimer::singleShot(1000, probe, [probe] { probe->start(); }); // after start-up
    }
    // TXPULSE_UI_SCREENSHOT=FILE.png [TXPULSE_UI_SCREENSHOT_DELAY_MS=15000]: save the window once, for docs.
    // With "{view}" in the name, every view and both dialogs of the live app are saved, one file each.
    const QString shot = qEnvironmentVariable("TXPULSE_UI_SCREENSHOT");
    if (!shot.isEmpty()) {
        bool ok = false;
        int delay = qEnvironmentVariableIntValue("TXPULSE_UI_SCREENSHOT_DELAY_MS", &ok);
        QTimer::singleShot(ok ? delay : 15'000, this, [this, shot] { saveScreenshots(shot); });
    }
}

void MainWindow::saveScreenshots(const QString &pattern)
{
    const auto save = [&pattern](QWidget *w, const QString &view) {
        QApplication::processEvents(); // let the charts lay out what refresh() gave them
        const QString path = QString(pattern).replace(QStringLiteral("{view}"), view);
        const bool saved = w->grab().save(path);
        qCInfo(lcUi) << (saved ? "saved screenshot" : "could not save screenshot") << path;
    };
    if (!pattern.contains(QStringLiteral("{view}"))) {
        save(this, {});
        return;
    }
    const bool threeHours = m_threeHours;
    const int view = m_tabs->currentIndex();
    showView(ActivityView);
    setThreeHours(false);
    save(this, QStringLiteral("activity"));
    setThreeHours(true);
    save(this, QStringLiteral("activity-3h"));
    setThreeHours(threeHours);
    showView(AddressesView);
    save(this, QStringLiteral("addresses"));
    showView(TransactionsView);
    save(this, QStringLiteral("transactions"));
    auto *settings = new SettingsDialog(m_config, m_settings, this);
    settings->show();
    save(settings, QStringLiteral("settings"));
    delete settings;
    if (const Transaction *tx = m_transactionModel->transactionAt(0)) {
        auto *detail = new TransactionDetailDialog(*tx, m_utc, this);
        detail->show();
        save(detail, QStringLiteral("detail"));
        delete detail;
    }
    showView(view);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildUi()
{
    auto *central = new QWidget(this);
    auto *root = new QVBoxLayout(central);
    root->setContentsMargins(12, 10, 12, 6);
    root->setSpacing(10);

    // Error banner: non-modal, dismissable, comes back when a different error arrives.
    m_banner = new QFrame(central);
    m_banner->setObjectName(QStringLiteral("errorBanner"));
    auto *bannerLayout = new QHBoxLayout(m_banner);
    bannerLayout->setContentsMargins(12, 6, 6, 6);
    m_bannerText = new QLabel(m_banner);
    m_bannerText->setObjectName(QStringLiteral("errorBannerText"));
    m_bannerText->setWordWrap(true);
    m_bannerText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *dismiss = new QToolButton(m_banner);
    dismiss->setText(tr("Dismiss"));
    dismiss->setAutoRaise(true);
    bannerLayout->addWidget(m_bannerText, 1);
    bannerLayout->addWidget(dismiss);
    connect(dismiss, &QToolButton::clicked, this, [this] {
        m_dismissedError = m_bannerText->property("error").toString();
        m_banner->hide();
    });
    m_banner->hide();
    root->addWidget(m_banner);

    // Dashboard tiles.
    auto *cards = new QHBoxLayout;
    cards->setSpacing(10);
    m_rateCard = new StatCard(tr("Rate"), central);
    m_minuteCard = new StatCard(tr("This minute"), central);
    m_hourCard = new StatCard(tr("Last 60 minutes"), central);
    m_addressCard = new StatCard(tr("Addresses, 3 hours"), central);
    for (StatCard *card : {m_rateCard, m_minuteCard, m_hourCard, m_addressCard})
        cards->addWidget(card);
    root->addLayout(cards);

    m_tabs = new QTabWidget(central);
    m_tabs->setDocumentMode(true);
    root->addWidget(m_tabs, 1);

    // Activity: transactions per minute.
    auto *activity = new QWidget(m_tabs);
    auto *activityLayout = new QVBoxLayout(activity);
    activityLayout->setContentsMargins(4, 10, 4, 4);
    auto *activityHeader = new QHBoxLayout;
    auto *titles = new QVBoxLayout;
    titles->setSpacing(2);
    m_minuteTitle = heading(tr("Transactions per minute"), activity);
    m_minuteSummary = muted(activity);
    titles->addWidget(m_minuteTitle);
    titles->addWidget(m_minuteSummary);
    activityHeader->addLayout(titles, 1);
    m_span60 = new QToolButton(activity);
    m_span60->setText(tr("1 hour"));
    m_span180 = new QToolButton(activity);
    m_span180->setText(tr("3 hours"));
    auto *spanGroup = new QButtonGroup(activity);
    for (QToolButton *b : {m_span60, m_span180}) {
        b->setCheckable(true);
        b->setObjectName(QStringLiteral("segment"));
        b->setToolButtonStyle(Qt::ToolButtonTextOnly);
        spanGroup->addButton(b);
        activityHeader->addWidget(b);
    }
    m_span60->setChecked(true);
    activityHeader->addSpacing(12);
    m_utcBox = new QCheckBox(tr("UTC"), activity);
    m_utcBox->setToolTip(tr("Show times in UTC instead of local time"));
    activityHeader->addWidget(m_utcBox);
    activityLayout->addLayout(activityHeader);
    m_minuteChart = new MinuteChart(activity);
    activityLayout->addWidget(m_minuteChart, 1);
    m_tabs->addTab(activity, tr("Activity"));
    connect(m_span180, &QToolButton::toggled, this, &MainWindow::setThreeHours);
    connect(m_utcBox, &QCheckBox::toggled, this, &MainWindow::setUtc);

    // Addresses: chart of the top 15 beside the sortable top 100.
    auto *addresses = new QWidget(m_tabs);
    auto *addressLayout = new QVBoxLayout(addresses);
    addressLayout->setContentsMargins(4, 10, 4, 4);
    auto *addressTitles = new QVBoxLayout;
    addressTitles->setSpacing(2);
    addressTitles->addWidget(heading(tr("High-value addresses, last 3 hours"), addresses));
    m_addressSummary = muted(addresses);
    addressTitles->addWidget(m_addressSummary);
    addressLayout->addLayout(addressTitles);
    m_addressSplitter = new QSplitter(Qt::Horizontal, addresses);
    m_addressSplitter->setObjectName(QStringLiteral("addressSplitter"));
    m_addressSplitter->setChildrenCollapsible(false);
    m_addressChart = new AddressChart(m_addressSplitter);
    m_addressModel = new AddressTableModel(this);
    m_addressTable = new QTableView(m_addressSplitter);
    m_addressTable->setObjectName(QStringLiteral("addressTable"));
    setupTable(m_addressTable);
    m_addressTable->setModel(m_addressModel);
    m_addressTable->horizontalHeader()->setSortIndicator(AddressTableModel::Rank, Qt::AscendingOrder);
    m_addressTable->setSortingEnabled(true);
    {
        QHeaderView *h = m_addressTable->horizontalHeader();
        h->setSectionResizeMode(QHeaderView::Interactive);
        h->setSectionResizeMode(AddressTableModel::Address, QHeaderView::Stretch);
        const QFontMetrics fm(m_addressTable->font());
        h->resizeSection(AddressTableModel::Rank, fm.horizontalAdvance(QStringLiteral("0000")) + 16);
        h->resizeSection(AddressTableModel::Btc, fm.horizontalAdvance(QStringLiteral("00000.00000000")) + 24);
        h->resizeSection(AddressTableModel::Satoshis, fm.horizontalAdvance(QStringLiteral("0,000,000,000,000")) + 24);
        h->resizeSection(AddressTableModel::Share, fm.horizontalAdvance(QStringLiteral("100.00 %")) + 24);
        h->setMinimumSectionSize(40);
    }
    m_addressSplitter->addWidget(m_addressChart);
    m_addressSplitter->addWidget(m_addressTable);
    m_addressSplitter->setStretchFactor(0, 5);
    m_addressSplitter->setStretchFactor(1, 6);
    m_addressSplitter->setSizes({460, 700}); // until the user moves it (restored from the settings)
    addressLayout->addWidget(m_addressSplitter, 1);
    m_tabs->addTab(addresses, tr("Addresses"));

    // Latest transactions.
    auto *transactions = new QWidget(m_tabs);
    auto *txLayout = new QVBoxLayout(transactions);
    txLayout->setContentsMargins(4, 10, 4, 4);
    auto *txTitles = new QVBoxLayout;
    txTitles->setSpacing(2);
    txTitles->addWidget(heading(tr("Latest transactions"), transactions));
    m_transactionSummary = muted(transactions);
    txTitles->addWidget(m_transactionSummary);
    txLayout->addLayout(txTitles);
    m_transactionModel = new TransactionTableModel(this);
    m_transactionTable = new QTableView(transactions);
    m_transactionTable->setObjectName(QStringLiteral("transactionTable"));
    setupTable(m_transactionTable);
    m_transactionTable->setModel(m_transactionModel);
    m_transactionTable->horizontalHeader()->setSortIndicatorShown(false);
    m_transactionTable->setSortingEnabled(true);
    m_transactionTable->horizontalHeader()->setSortIndicatorShown(true);
    {
        QHeaderView *h = m_transactionTable->horizontalHeader();
        const QFontMetrics fm(m_transactionTable->font());
        h->setSectionResizeMode(QHeaderView::Interactive);
        h->setSectionResizeMode(TransactionTableModel::Hash, QHeaderView::Stretch);
        h->resizeSection(TransactionTableModel::Time, fm.horizontalAdvance(QStringLiteral("Time (UTC)")) + 40);
        for (int c : {int(TransactionTableModel::Inputs), int(TransactionTableModel::Outputs)})
            h->resizeSection(c, fm.horizontalAdvance(QStringLiteral("Outputs")) + 36);
        h->resizeSection(TransactionTableModel::TotalBtc, fm.horizontalAdvance(QStringLiteral("00000.00000000")) + 28);
        h->resizeSection(TransactionTableModel::Fee, fm.horizontalAdvance(QStringLiteral("0,000,000")) + 36);
        h->resizeSection(TransactionTableModel::Size, fm.horizontalAdvance(QStringLiteral("000,000")) + 36);
    }
    txLayout->addWidget(m_transactionTable, 1);
    m_tabs->addTab(transactions, tr("Transactions"));
    // Unsorted, the table keeps the feed's newest-first order; the indicator appears once a header is clicked.
    m_transactionTable->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);

    connect(m_transactionTable, &QTableView::doubleClicked, this,
            [this](const QModelIndex &index) { showTransactionDetails(index.row()); });
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        m_dirty = true;
        refresh();
    });

    auto contextMenu = [this](QTableView *table, const QString &copyText, View view) {
        connect(table, &QTableView::customContextMenuRequested, this, [this, table, copyText, view](const QPoint &pos) {
            QMenu menu(this);
            QAction *copy = menu.addAction(copyText, this, &MainWindow::copySelection);
            copy->setShortcut(QKeySequence::Copy);
            if (view == TransactionsView) {
                const QModelIndex index = table->indexAt(pos);
                QAction *details = menu.addAction(tr("Show raw message\u2026"), this,
                                                  [this, index] { showTransactionDetails(index.row()); });
                details->setEnabled(index.isValid());
            }
            menu.addSeparator();
            menu.addAction(tr("Copy table as CSV"), this, &MainWindow::copyCurrentViewAsCsv);
            menu.addAction(tr("Export CSV\u2026"), this, [this, view] { exportView(view); });
            menu.exec(table->viewport()->mapToGlobal(pos));
        });
    };
    contextMenu(m_addressTable, tr("Copy address"), AddressesView);
    contextMenu(m_transactionTable, tr("Copy hash"), TransactionsView);

    setCentralWidget(central);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *exportCurrent = file->addAction(tr("&Export Current View as CSV\u2026"), this, &MainWindow::exportCurrentView);
    exportCurrent->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    QMenu *exportMenu = file->addMenu(tr("Export &View"));
    exportMenu->addAction(tr("Transactions per Minute\u2026"), this, [this] { exportView(ActivityView); });
    exportMenu->addAction(tr("High-Value Addresses\u2026"), this, [this] { exportView(AddressesView); });
    exportMenu->addAction(tr("Latest Transactions\u2026"), this, [this] { exportView(TransactionsView); });
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
    const std::array<QString, 3> names{tr("&Activity"), tr("A&ddresses"), tr("&Transactions")};
    for (int i = 0; i < 3; ++i) {
        QAction *a = view->addAction(names[static_cast<std::size_t>(i)], this, [this, i] { showView(i); });
        a->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
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

void MainWindow::buildStatusBar()
{
    QStatusBar *bar = statusBar();
    bar->setSizeGripEnabled(true);
    m_feedState = new StatusIndicator(tr("Feed"), bar);
    m_kafkaState = new StatusIndicator(tr("Kafka"), bar);
    m_redisState = new StatusIndicator(tr("Redis"), bar);
    m_rateLabel = new QLabel(bar);
    m_rateLabel->setContentsMargins(10, 0, 6, 0);
    m_totalsLabel = new QLabel(bar);
    m_totalsLabel->setContentsMargins(6, 0, 6, 0);
    m_modeBadge = new QLabel(bar);
    m_modeBadge->setObjectName(QStringLiteral("modeBadge"));
    auto separator = [bar] {
        auto *line = new QFrame(bar);
        line->setFrameShape(QFrame::VLine);
        line->setFrameShadow(QFrame::Sunken);
        return line;
    };
    bar->addWidget(m_feedState);
    bar->addWidget(m_kafkaState);
    bar->addWidget(m_redisState);
    bar->addWidget(separator());
    bar->addWidget(m_rateLabel);
    bar->addPermanentWidget(m_totalsLabel);
    bar->addPermanentWidget(m_modeBadge);
}

void MainWindow::applyTheme()
{
    m_applyingTheme = true;
    m_theme = Theme::forPalette(palette());
    const QString border = m_theme.dark ? QStringLiteral("rgba(255,255,255,0.10)") : QStringLiteral("rgba(0,0,0,0.10)");
    const QString cardBg = m_theme.dark ? QStringLiteral("rgba(255,255,255,0.04)") : QStringLiteral("palette(base)");
    const QString mutedColour = m_theme.dark ? QStringLiteral("rgba(255,255,255,0.60)") : QStringLiteral("rgba(0,0,0,0.55)");
    const QString checkedBg = m_theme.accent.name();
    setStyleSheet(QStringLiteral(
        "#statCard { background: %1; border: 1px solid %2; border-radius: 8px; }"
        "#statCaption { color: %3; font-size: 8pt; font-weight: 600; letter-spacing: 0.5px; }"
        "#statValue { font-size: 18pt; font-weight: 600; }"
        "#statDetail { color: %3; font-size: 9pt; }"
        "#heading { font-size: 12pt; font-weight: 600; }"
        "#muted { color: %3; }"
        "#errorBanner { background: rgba(239,68,68,0.14); border: 1px solid rgba(239,68,68,0.55); border-radius: 6px; }"
        "QToolButton#segment { padding: 4px 12px; border: 1px solid %2; background: %1; }"
        "QToolButton#segment:checked { background: %4; color: white; border-color: %4; }"
        "QTableView { border: 1px solid %2; border-radius: 6px; }")
                      .arg(cardBg, border, mutedColour, checkedBg));
    m_modeBadge->setStyleSheet(QString()); // set per snapshot in updateStatus()
    m_minuteChart->setTheme(m_theme);
    m_addressChart->setTheme(m_theme);
    m_dirty = true;
    m_applyingTheme = false;
}

void MainWindow::changeEvent(QEvent *event)
{
    QMainWindow::changeEvent(event);
    if ((event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange)
        && !m_applyingTheme && m_minuteChart) {
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
    const QByteArray splitter = m_settings.value(QStringLiteral("window/addressSplitter")).toByteArray();
    if (!splitter.isEmpty())
        m_addressSplitter->restoreState(splitter);
    setThreeHours(m_settings.value(QStringLiteral("view/threeHours"), false).toBool());
    setUtc(m_settings.value(QStringLiteral("view/utc"), false).toBool());
    showView(m_settings.value(QStringLiteral("view/current"), 0).toInt());
}

void MainWindow::saveWindowState()
{
    m_settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    m_settings.setValue(QStringLiteral("window/state"), saveState());
    m_settings.setValue(QStringLiteral("window/addressSplitter"), m_addressSplitter->saveState());
    m_settings.setValue(QStringLiteral("view/threeHours"), m_threeHours);
    m_settings.setValue(QStringLiteral("view/utc"), m_utc);
    m_settings.setValue(QStringLiteral("view/current"), m_tabs->currentIndex());
    m_settings.sync();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveWindowState();
    m_timer->stop();
    QMainWindow::closeEvent(event);
}

void MainWindow::setConfig(const Config &config)
{
    m_config = config;
}

MainWindow::View MainWindow::currentView() const
{
    return static_cast<View>(m_tabs->currentIndex());
}

QLabel *MainWindow::errorBanner() const
{
    return m_banner->isVisibleTo(this) ? m_bannerText : nullptr;
}

void MainWindow::showView(int view)
{
    if (view >= 0 && view < m_tabs->count())
        m_tabs->setCurrentIndex(view);
}

void MainWindow::setThreeHours(bool threeHours)
{
    m_threeHours = threeHours;
    // Keep the toolbar toggle, the menu action and the title in step, without feedback loops.
    const QSignalBlocker b1(m_span60), b2(m_span180);
    m_span60->setChecked(!threeHours);
    m_span180->setChecked(threeHours);
    if (m_threeHoursAction) {
        const QSignalBlocker b3(m_threeHoursAction);
        m_threeHoursAction->setChecked(threeHours);
    }
    m_dirty = true;
    refresh();
}

void MainWindow::setUtc(bool utc)
{
    m_utc = utc;
    {
        const QSignalBlocker b1(m_utcBox);
        m_utcBox->setChecked(utc);
    }
    if (m_utcAction) {
        const QSignalBlocker b2(m_utcAction);
        m_utcAction->setChecked(utc);
    }
    m_transactionModel->setUtc(utc);
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

    // Charts relayout on every change even when hidden, so only the visible one is fed; switching views
    // refreshes at once. The models are cheap while hidden and keep copy/export current.
    m_points = minuteSeries(s->view, m_threeHours ? kChartWindowMinutes : kCountWindowMinutes);
    // A standalone store starts empty with this process: its first view's time is when data began.
    if (m_startMinute < 0 && s->ready && s->mode == Mode::Standalone)
        m_startMinute = s->view.nowMs / 60'000;
    if (m_startMinute >= 0)
        markBeforeStart(m_points, m_startMinute);
    const View visible = currentView();
    if (visible == ActivityView || m_minuteChart->points().size() != m_points.size())
        m_minuteChart->setPoints(m_points, m_utc);
    if (visible == AddressesView)
        m_addressChart->setTop(s->view.top);
    m_addressModel->setSnapshot(s);
    m_transactionModel->setSnapshot(s);
    updateSummary(*s);
    updateStatus(*s);
    updateBanner(*s);

    const qint64 us = elapsed.nsecsElapsed() / 1000;
    m_longestRefreshUs = std::max(m_longestRefreshUs, us);
}

void MainWindow::updateSummary(const Snapshot &s)
{
    const QString zone = m_utc ? tr(" UTC") : QString();
    if (!s.ready) {
        const QString waiting = tr("Waiting for data\u2026");
        m_minuteSummary->setText(waiting);
        m_addressSummary->setText(waiting);
        m_transactionSummary->setText(waiting);
        m_rateCard->set(QStringLiteral("\u2014"), tr("transactions per second"));
        m_minuteCard->set(QStringLiteral("\u2014"), QString());
        m_hourCard->set(QStringLiteral("\u2014"), QString());
        m_addressCard->set(QStringLiteral("\u2014"), QString());
        return;
    }

    const auto &points = m_points;
    const MinuteSummary span = summarize(points);
    const int spanMinutes = static_cast<int>(points.size());
    QString line = tr("%1 transactions in the last %2").arg(count(span.total), spanMinutes > 60 ? tr("3 hours") : tr("hour"));
    if (span.peak > 0)
        line += tr("  \u00B7  peak %1/min at %2%3  \u00B7  average %4/min")
                    .arg(count(span.peak), formatMinute(span.peakMinute, m_utc), zone)
                    .arg(QLocale().toString(span.average, 'f', 0));
    if (span.beforeStartMinutes > 0)
        line += tr("  \u00B7  no data for the %n minute(s) before txpulse started", nullptr, span.beforeStartMinutes);
    if (span.gapMinutes > 0)
        line += tr("  \u00B7  %n minute(s) without data (feed gap)", nullptr, span.gapMinutes);
    m_minuteSummary->setText(line);

    const auto hourPoints = minuteSeries(s.view, kCountWindowMinutes);
    const MinuteSummary hour = summarize(hourPoints);
    m_rateCard->set(tr("%1 tx/s").arg(QLocale().toString(s.txPerSecond, 'f', s.txPerSecond < 10 ? 2 : 1)),
                    tr("recent average"));
    if (!hourPoints.empty()) {
        const std::int64_t now = hourPoints.back().count;
        const MinutePoint *previous = hourPoints.size() > 1 ? &hourPoints[hourPoints.size() - 2] : nullptr;
        m_minuteCard->set(count(now), previous && !previous->gap
                                          ? tr("still counting \u00B7 previous minute %1").arg(count(previous->count))
                                          : tr("still counting"));
    }
    m_hourCard->set(count(hour.total), hour.peak > 0 ? tr("transactions \u00B7 peak %1/min").arg(count(hour.peak))
                                                           : tr("transactions"));
    m_addressCard->set(count(s.view.rankedAddresses), tr("%1 BTC received").arg(btcShort(s.view.rankedSatoshis)));

    m_addressSummary->setText(
        tr("Top %1 of %2 addresses by value received (sum of outputs)  \u00B7  %3 BTC in total  \u00B7  "
           "click a column to sort, Ctrl+C copies the selected addresses")
            .arg(m_addressModel->rowCount())
            .arg(count(s.view.rankedAddresses), btcShort(s.view.rankedSatoshis)));
    m_transactionSummary->setText(
        tr("The %1 most recent transactions, newest first  \u00B7  double-click one for its raw message")
            .arg(s.latest.size()));
}

void MainWindow::updateStatus(const Snapshot &s)
{
    const StatsSample &st = s.stats;
    QString feedTip = stateTip("Feed", st.feedState);
    if (st.feedConnectedSinceMs > 0)
        feedTip += tr("\nconnected since %1").arg(formatTime(st.feedConnectedSinceMs / 1000, m_utc));
    feedTip += tr("\n%1 messages, %2 reconnects").arg(count(st.feedMessages), count(st.feedReconnects));
    m_feedState->set(st.feedState, m_theme, feedTip);
    m_kafkaState->set(st.kafkaState, m_theme,
                      stateTip("Kafka", st.kafkaState)
                          + tr("\nproduced %1, consumed %2, lag %3")
                                .arg(count(st.produced), count(st.consumed),
                                     st.consumerLag < 0 ? tr("unknown") : count(st.consumerLag)));
    m_redisState->set(st.redisState, m_theme,
                      stateTip("Redis", st.redisState)
                          + tr("\n%1 batches, last took %2 ms, %3 errors")
                                .arg(count(st.storeBatches))
                                .arg(static_cast<double>(st.storeLastBatchUs) / 1000.0, 0, 'f', 1)
                                .arg(count(st.storeErrors)));
    m_rateLabel->setText(tr("%1 tx/s").arg(QLocale().toString(s.txPerSecond, 'f', 1)));
    m_totalsLabel->setText(tr("Applied %1  \u00B7  Rejected %2  \u00B7  Duplicates %3")
                               .arg(count(st.applied), count(st.feedRejected), count(st.duplicates)));
    m_totalsLabel->setToolTip(tr("Late (older than 3 hours): %1\nDropped: %2\nSpooled: %3")
                                  .arg(count(st.late), count(st.dropped), count(st.spooled)));

    const bool pipeline = s.mode == Mode::Pipeline;
    QString badge = QString::fromLatin1(modeName(s.mode)).toUpper();
    if (s.role != Role::All)
        badge += QStringLiteral(" \u00B7 ") + QString::fromLatin1(roleName(s.role)).toUpper();
    if (m_modeBadge->text() != badge) {
        m_modeBadge->setText(badge);
        m_modeBadge->setToolTip(pipeline ? tr("Pipeline: feed \u2192 Kafka \u2192 Redis")
                                         : tr("Standalone: no Kafka or Redis, aggregates in memory"));
        m_modeBadge->setStyleSheet(
            QStringLiteral("QLabel { background: %1; color: %2; border-radius: 9px; padding: 2px 10px; "
                           "font-size: 8pt; font-weight: 700; }")
                .arg(pipeline ? QStringLiteral("#0d9488") : QStringLiteral("#f59e0b"),
                     pipeline ? QStringLiteral("white") : QStringLiteral("#1f2937")));
    }
}

void MainWindow::updateBanner(const Snapshot &s)
{
    if (s.lastError.isEmpty() || s.lastError == m_dismissedError) {
        m_banner->setVisible(false);
        return;
    }
    if (m_bannerText->property("error").toString() != s.lastError) {
        m_bannerText->setProperty("error", s.lastError);
        m_bannerText->setText(tr("<b>Problem:</b> %1").arg(s.lastError.toHtmlEscaped()));
    }
    m_banner->setVisible(true);
}

CsvOptions MainWindow::csvOptions() const
{
    CsvOptions o;
    o.utc = m_utc;
    o.minutes = m_threeHours ? kChartWindowMinutes : kCountWindowMinutes;
    return o;
}

QString MainWindow::csvFor(View view) const
{
    const CsvView v = view == ActivityView ? CsvView::Minutes
        : view == AddressesView            ? CsvView::Addresses
                                           : CsvView::Transactions;
    const SnapshotPtr s = m_shown ? m_shown : m_hub.load();
    return exportCsv(v, *s, csvOptions());
}

void MainWindow::exportView(int view)
{
    if (view < ActivityView || view > TransactionsView)
        return;
    // Freeze what is written now: the file matches the snapshot on screen when the user asked.
    const QString csv = csvFor(static_cast<View>(view));
    const CsvView v = static_cast<CsvView>(view);
    const QString dir = m_settings.value(QStringLiteral("export/dir"),
                                         QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                            .toString();
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export CSV"), QDir(dir).filePath(suggestedFileName(v, QDateTime::currentMSecsSinceEpoch())),
        tr("CSV files (*.csv);;All files (*)"));
    if (path.isEmpty())
        return;
    m_settings.setValue(QStringLiteral("export/dir"), QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(csv.toUtf8()) < 0 || !file.commit()) {
        qCWarning(lcUi) << "export to" << path << "failed:" << file.errorString();
        QMessageBox::warning(this, tr("Export CSV"), tr("Could not write %1:\n%2").arg(path, file.errorString()));
        return;
    }
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
    QStringList lines;
    if (currentView() == AddressesView) {
        const QModelIndexList rows = m_addressTable->selectionModel()->selectedRows();
        for (const QModelIndex &r : rows)
            lines << m_addressModel->addressAt(r.row());
    } else if (currentView() == TransactionsView) {
        const QModelIndexList rows = m_transactionTable->selectionModel()->selectedRows();
        for (const QModelIndex &r : rows)
            if (const Transaction *tx = m_transactionModel->transactionAt(r.row()))
                lines << QString::fromStdString(tx->hash);
    }
    if (lines.isEmpty() && currentView() == ActivityView) {
        copyCurrentViewAsCsv();
        return;
    }
    if (lines.isEmpty())
        return;
    QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
    statusBar()->showMessage(tr("Copied %n item(s)", nullptr, static_cast<int>(lines.size())), 3000);
}

void MainWindow::showTransactionDetails(int row)
{
    const Transaction *tx = m_transactionModel->transactionAt(row);
    if (!tx)
        return;
    auto *dialog = new TransactionDetailDialog(*tx, m_utc, this);
    dialog->show();
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
