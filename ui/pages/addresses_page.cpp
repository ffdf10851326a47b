#include "addresses_page.h"

#include "address_chart.h"
#include "address_table_model.h"
#include "format.h"

#include <QHeaderView>
#include <QLabel>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace txpulse::ui {

namespace {
QString splitterKey()
{
    return QStringLiteral("window/addressSplitter");
}
} // namespace

AddressesPage::AddressesPage(QWidget *parent)
    : Page({tr("Addresses"), tr("A&ddresses"), tr("High-Value Addresses\u2026"), CsvView::Addresses}, parent)
{
    QVBoxLayout *layout = createPageLayout();
    const Titles titles = createTitles(tr("High-value addresses, last 3 hours"));
    m_summary = titles.summary;
    layout->addLayout(titles.layout);
    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("addressSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_chart = new AddressChart(m_splitter);
    m_model = new AddressTableModel(this);
    m_table = new QTableView(m_splitter);
    m_table->setObjectName(QStringLiteral("addressTable"));
    setupTable(m_table);
    m_table->setModel(m_model);
    m_table->horizontalHeader()->setSortIndicator(AddressTableModel::Rank, Qt::AscendingOrder);
    m_table->setSortingEnabled(true);
    {
        QHeaderView *h = m_table->horizontalHeader();
        h->setSectionResizeMode(QHeaderView::Interactive);
        h->setSectionResizeMode(AddressTableModel::Address, QHeaderView::Stretch);
        const QFontMetrics fm(m_table->font());
        h->resizeSection(AddressTableModel::Rank, fm.horizontalAdvance(QStringLiteral("0000")) + 16);
        h->resizeSection(AddressTableModel::Btc, fm.horizontalAdvance(QStringLiteral("00000.00000000")) + 24);
        h->resizeSection(AddressTableModel::Satoshis, fm.horizontalAdvance(QStringLiteral("0,000,000,000,000")) + 24);
        h->resizeSection(AddressTableModel::Share, fm.horizontalAdvance(QStringLiteral("100.00 %")) + 24);
        h->setMinimumSectionSize(40);
    }
    m_splitter->addWidget(m_chart);
    m_splitter->addWidget(m_table);
    m_splitter->setStretchFactor(0, 5);
    m_splitter->setStretchFactor(1, 6);
    m_splitter->setSizes({460, 700}); // until the user moves it (restored from the settings)
    layout->addWidget(m_splitter, 1);
    addContextMenu(m_table, tr("Copy address"));
}

void AddressesPage::showSnapshot(const SnapshotPtr &snapshot, const ViewOptions &, bool current)
{
    if (current)
        m_chart->setTop(snapshot->view.top);
    m_model->setSnapshot(snapshot);
    if (!snapshot->ready) {
        m_summary->setText(waitingText());
        return;
    }
    m_summary->setText(
        tr("Top %1 of %2 addresses by value received (sum of outputs)  \u00B7  %3 BTC in total  \u00B7  "
           "click a column to sort, Ctrl+C copies the selected addresses")
            .arg(m_model->rowCount())
            .arg(formatCount(snapshot->view.rankedAddresses), formatBtcShort(snapshot->view.rankedSatoshis)));
}

void AddressesPage::setTheme(const Theme &theme)
{
    m_chart->setTheme(theme);
}

QStringList AddressesPage::selectedKeys() const
{
    QStringList keys;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &r : rows)
        keys << m_model->addressAt(r.row());
    return keys;
}

void AddressesPage::saveState(QSettings &settings) const
{
    settings.setValue(splitterKey(), m_splitter->saveState());
}

void AddressesPage::restoreState(const QSettings &settings)
{
    const QByteArray splitter = settings.value(splitterKey()).toByteArray();
    if (!splitter.isEmpty())
        m_splitter->restoreState(splitter);
}

} // namespace txpulse::ui
