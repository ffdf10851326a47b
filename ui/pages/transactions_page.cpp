#include "transactions_page.h"

#include "transaction_detail_dialog.h"
#include "transaction_table_model.h"

#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QTableView>
#include <QVBoxLayout>

namespace txpulse::ui {

TransactionsPage::TransactionsPage(QWidget *parent)
    : Page({tr("Transactions"), tr("&Transactions"), tr("Latest Transactions\u2026"), CsvView::Transactions},
           parent)
{
    QVBoxLayout *layout = createPageLayout();
    const Titles titles = createTitles(tr("Latest transactions"));
    m_summary = titles.summary;
    layout->addLayout(titles.layout);
    m_model = new TransactionTableModel(this);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("transactionTable"));
    setupTable(m_table);
    m_table->setModel(m_model);
    m_table->horizontalHeader()->setSortIndicatorShown(false);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setSortIndicatorShown(true);
    {
        QHeaderView *h = m_table->horizontalHeader();
        const QFontMetrics fm(m_table->font());
        h->setSectionResizeMode(QHeaderView::Interactive);
        h->setSectionResizeMode(TransactionTableModel::Hash, QHeaderView::Stretch);
        h->resizeSection(TransactionTableModel::Time, fm.horizontalAdvance(QStringLiteral("Time (UTC)")) + 40);
        for (int c : {int(TransactionTableModel::Inputs), int(TransactionTableModel::Outputs)})
            h->resizeSection(c, fm.horizontalAdvance(QStringLiteral("Outputs")) + 36);
        h->resizeSection(TransactionTableModel::TotalBtc, fm.horizontalAdvance(QStringLiteral("00000.00000000")) + 28);
        h->resizeSection(TransactionTableModel::Fee, fm.horizontalAdvance(QStringLiteral("0,000,000")) + 36);
        h->resizeSection(TransactionTableModel::Size, fm.horizontalAdvance(QStringLiteral("000,000")) + 36);
    }
    layout->addWidget(m_table, 1);
    // Unsorted, the table keeps the feed's newest-first order; the indicator appears once a header is clicked.
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);

    connect(m_table, &QTableView::doubleClicked, this,
            [this](const QModelIndex &index) { showDetails(index.row()); });
    addContextMenu(m_table, tr("Copy hash"), [this](QMenu &menu, const QModelIndex &index) {
        QAction *details =
            menu.addAction(tr("Show raw message\u2026"), this, [this, index] { showDetails(index.row()); });
        details->setEnabled(index.isValid());
    });
}

void TransactionsPage::showSnapshot(const SnapshotPtr &snapshot, const ViewOptions &, bool)
{
    m_model->setSnapshot(snapshot);
    if (!snapshot->ready) {
        m_summary->setText(waitingText());
        return;
    }
    m_summary->setText(
        tr("The %1 most recent transactions, newest first  \u00B7  double-click one for its raw message")
            .arg(snapshot->latest.size()));
}

void TransactionsPage::setViewOptions(const ViewOptions &options)
{
    m_model->setUtc(options.utc);
}

QStringList TransactionsPage::selectedKeys() const
{
    QStringList keys;
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &r : rows)
        if (const Transaction *tx = m_model->transactionAt(r.row()))
            keys << QString::fromStdString(tx->hash);
    return keys;
}

void TransactionsPage::showDetails(int row)
{
    const Transaction *tx = m_model->transactionAt(row);
    if (!tx)
        return;
    auto *dialog = new TransactionDetailDialog(*tx, m_model->utc(), this);
    dialog->show();
}

} // namespace txpulse::ui
