#include "transaction_table_model.h"

#include "format.h"

#include <QLocale>

namespace txpulse::ui {

TransactionTableModel::TransactionTableModel(QObject *parent) : SnapshotTableModel(ColumnCount, Hash, parent)
{
}

int TransactionTableModel::rowsIn(const Snapshot &s) const
{
    return static_cast<int>(s.latest.size());
}

void TransactionTableModel::setUtc(bool utc)
{
    if (utc == m_utc)
        return;
    m_utc = utc;
    Q_EMIT headerDataChanged(Qt::Horizontal, Time, Time);
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, Time), index(rowCount() - 1, Time));
}

const Transaction *TransactionTableModel::transactionAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return nullptr;
    return &shown().latest[static_cast<std::size_t>(sourceOf(row))];
}

QVariant TransactionTableModel::sortKey(int sourceRow, int column) const
{
    const Transaction &tx = shown().latest[static_cast<std::size_t>(sourceRow)];
    switch (column) {
    // Ties on time keep the feed's arrival order: newest first is sourceRow ascending.
    case Time: return static_cast<qlonglong>(tx.time) * 1000 - sourceRow;
    case Hash: return QString::fromStdString(tx.hash);
    case Inputs: return static_cast<qlonglong>(tx.inputs.size());
    case Outputs: return static_cast<qlonglong>(tx.outputs.size());
    case TotalBtc: return static_cast<qlonglong>(tx.totalOut);
    case Fee: return tx.fee ? static_cast<qlonglong>(*tx.fee) : -1LL;
    case Size: return static_cast<qlonglong>(tx.size);
    default: return {};
    }
}

QVariant TransactionTableModel::data(const QModelIndex &index, int role) const
{
    const Transaction *tx = index.isValid() && index.column() < ColumnCount ? transactionAt(index.row()) : nullptr;
    if (!tx)
        return {};
    const QLocale locale;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time: return formatTime(tx->time, m_utc).mid(11); // HH:mm:ss; the date is in the tooltip
        case Hash: return QString::fromStdString(tx->hash);
        case Inputs: return locale.toString(static_cast<qlonglong>(tx->inputs.size()));
        case Outputs: return locale.toString(static_cast<qlonglong>(tx->outputs.size()));
        case TotalBtc: return formatBtc(tx->totalOut);
        case Fee: return tx->fee ? locale.toString(static_cast<qlonglong>(*tx->fee)) : QStringLiteral("\u2014");
        case Size: return locale.toString(static_cast<qlonglong>(tx->size));
        }
        break;
    case kSortRole: return sortKey(sourceOf(index.row()), index.column());
    case Qt::ToolTipRole:
        switch (index.column()) {
        case Hash: return tr("%1\nDouble-click for the raw message").arg(QString::fromStdString(tx->hash));
        case Fee:
            if (tx->fee && tx->size > 0)
                return tr("%1 sat/B").arg(static_cast<double>(*tx->fee) / static_cast<double>(tx->size), 0, 'f', 1);
            return tr("Unknown: an input carries no value");
        case Time:
            return QString(formatTime(tx->time, m_utc) + (m_utc ? tr(" UTC") : tr(" local")) + QLatin1Char('\n')
                           + formatTime(tx->time, !m_utc) + (m_utc ? tr(" local") : tr(" UTC")));
        default: break;
        }
        break;
    default: break;
    }
    return cellStyle(index.column(), role);
}

bool TransactionTableModel::isTextColumn(int column) const
{
    return column == Hash || column == Time;
}

QVariant TransactionTableModel::headerText(int section) const
{
    switch (section) {
    case Time: return m_utc ? tr("Time (UTC)") : tr("Time");
    case Hash: return tr("Hash");
    case Inputs: return tr("Inputs");
    case Outputs: return tr("Outputs");
    case TotalBtc: return tr("Total BTC");
    case Fee: return tr("Fee (sat)");
    case Size: return tr("Size (B)");
    default: return {};
    }
}

} // namespace txpulse::ui
