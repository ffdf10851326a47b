#include "address_table_model.h"

#include "format.h"

#include <QLocale>
#include <QFontDatabase>

#include <algorithm>

namespace txpulse::ui {

AddressTableModel::AddressTableModel(QObject *parent)
    : QAbstractTableModel(parent), m_snapshot(std::make_shared<const Snapshot>())
{
}

void AddressTableModel::setSnapshot(SnapshotPtr snapshot)
{
    if (!snapshot || snapshot == m_snapshot)
        return;
    const int before = rowCount();
    const int after = rowsIn(*snapshot);
    if (before != after) {
        beginResetModel();
        m_snapshot = std::move(snapshot);
        reorder();
        endResetModel();
        return;
    }
    // Same shape: repaint in place so that the selection and the scroll position stay where they are.
    m_snapshot = std::move(snapshot);
    reorder();
    if (after > 0)
        Q_EMIT dataChanged(index(0, 0), index(after - 1, ColumnCount - 1));
}

int AddressTableModel::rowsIn(const Snapshot &s) const
{
    return static_cast<int>(std::min(s.view.top.size(), static_cast<std::size_t>(m_maxRows)));
}

void AddressTableModel::setMaxRows(int rows)
{
    beginResetModel();
    m_maxRows = std::max(rows, 0);
    reorder();
    endResetModel();
}

int AddressTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : rowsIn(*m_snapshot);
}

int AddressTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const AddressTotal &AddressTableModel::entry(int row) const
{
    return m_snapshot->view.top[static_cast<std::size_t>(m_rows.source(row))];
}

QVariant AddressTableModel::sortKey(int sourceRow, int column) const
{
    const AddressTotal &a = m_snapshot->view.top[static_cast<std::size_t>(sourceRow)];
    switch (column) {
    case Rank: return sourceRow + 1;
    case Address: return QString::fromStdString(a.address);
    case Btc:
    case Satoshis:
    case Share: return static_cast<qlonglong>(a.satoshis);
    default: return {};
    }
}

void AddressTableModel::reorder()
{
    m_rows.rebuild(rowsIn(*m_snapshot),
                   [this](int row, int column) { return sortKey(row, column); });
}

QVariant AddressTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const AddressTotal &a = entry(index.row());
    const int sourceRow = m_rows.source(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Rank: return QString::number(sourceRow + 1);
        case Address: return QString::fromStdString(a.address);
        case Btc: return formatBtc(a.satoshis);
        case Satoshis: return QLocale().toString(static_cast<qlonglong>(a.satoshis));
        case Share: return QStringLiteral("%1 %").arg(sharePercent(a.satoshis, m_snapshot->view.rankedSatoshis), 0, 'f', 2);
        }
        break;
    case kSortRole: return sortKey(sourceRow, index.column());
    case Qt::ToolTipRole:
        return QStringLiteral("%1\n%2 BTC received in the last 3 hours")
            .arg(QString::fromStdString(a.address), formatBtc(a.satoshis));
    case Qt::TextAlignmentRole:
        return index.column() == Address ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                         : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole:
        if (index.column() == Address)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    default: break;
    }
    return {};
}

QVariant AddressTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Rank: return tr("#");
        case Address: return tr("Address");
        case Btc: return tr("BTC");
        case Satoshis: return tr("Satoshis");
        case Share: return tr("Share");
        }
    }
    if (role == Qt::ToolTipRole && section == Share)
        return tr("Share of the value received by all %1 ranked addresses").arg(m_snapshot->view.rankedAddresses);
    if (role == Qt::TextAlignmentRole)
        return section == Address ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                  : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

void AddressTableModel::sort(int column, Qt::SortOrder order)
{
    beginResetModel();
    m_rows.setSort(column, order);
    reorder();
    endResetModel();
}

QString AddressTableModel::addressAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    return QString::fromStdString(entry(row).address);
}

} // namespace txpulse::ui
