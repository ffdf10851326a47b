#include "transaction_table_model.h"

#include "format.h"

#include <QFontDatabase>
#include <QLocale>

namespace txpulse::ui {

TransactionTableModel::TransactionTableModel(QObject *parent)
    : QAbstractTableModel(parent), m_snapshot(std::make_shared<const Snapshot>())
{
}

void TransactionTableModel::setSnapshot(SnapshotPtr snapshot)
{
    if (!snapshot || snapshot == m_snapshot)
        return;
    const int before = rowCount();
    const int after = static_cast<int>(snapshot->latest.size());
    if (before != after) {
        beginResetModel();
        m_snapshot = std::move(snapshot);
        reorder();
        endResetModel();
        return;
    }
    m_snapshot = std::move(snapshot);
    reorder();
    if (after > 0)
        Q_EMIT dataChanged(index(0, 0), index(after - 1, ColumnCount - 1));
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

int TransactionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_snapshot->latest.size());
}

int TransactionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const Transaction *TransactionTableModel::transactionAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return nullptr;
    return &m_snapshot->latest[static_cast<std::size_t>(m_rows.source(row))];
}

QVariant TransactionTableModel::sortKey(int sourceRow, int column) const
{
    const Transaction &tx = m_snapshot->latest[static_cast<std::size_t>(sourceRow)];
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

void TransactionTableModel::reorder()
{
    m_rows.rebuild(static_cast<int>(m_snapshot->latest.size()),
                   [this](int row, int column) { return sortKey(row, column); });
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
    case kSortRole: return sortKey(m_rows.source(index.row()), index.column());
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
    case Qt::TextAlignmentRole:
        return index.column() == Hash || index.column() == Time ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                                : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole:
        if (index.column() == Hash)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    default: break;
    }
    return {};
}

QVariant TransactionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Time: return m_utc ? tr("Time (UTC)") : tr("Time");
        case Hash: return tr("Hash");
        case Inputs: return tr("Inputs");
        case Outputs: return tr("Outputs");
        case TotalBtc: return tr("Total BTC");
        case Fee: return tr("Fee (sat)");
        case Size: return tr("Size (B)");
        }
    }
    if (role == Qt::TextAlignmentRole)
        return section == Hash || section == Time ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                  : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

void TransactionTableModel::sort(int column, Qt::SortOrder order)
{
    beginResetModel();
    m_rows.setSort(column, order);
    reorder();
    endResetModel();
}

} // namespace txpulse::ui
