#include "address_table_model.h"

#include "format.h"

#include <QLocale>

#include <algorithm>

namespace txpulse::ui {

AddressTableModel::AddressTableModel(QObject *parent) : SnapshotTableModel(ColumnCount, Address, parent)
{
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

const AddressTotal &AddressTableModel::entry(int row) const
{
    return shown().view.top[static_cast<std::size_t>(sourceOf(row))];
}

QVariant AddressTableModel::sortKey(int sourceRow, int column) const
{
    const AddressTotal &a = shown().view.top[static_cast<std::size_t>(sourceRow)];
    switch (column) {
    case Rank: return sourceRow + 1;
    case Address: return QString::fromStdString(a.address);
    case Btc:
    case Satoshis:
    case Share: return static_cast<qlonglong>(a.satoshis);
    default: return {};
    }
}

QVariant AddressTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const AddressTotal &a = entry(index.row());
    const int source = sourceOf(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Rank: return QString::number(source + 1);
        case Address: return QString::fromStdString(a.address);
        case Btc: return formatBtc(a.satoshis);
        case Satoshis: return QLocale().toString(static_cast<qlonglong>(a.satoshis));
        case Share: return QStringLiteral("%1 %").arg(sharePercent(a.satoshis, shown().view.rankedSatoshis), 0, 'f', 2);
        }
        break;
    case kSortRole: return sortKey(source, index.column());
    case Qt::ToolTipRole:
        return QStringLiteral("%1\n%2 BTC received in the last 3 hours")
            .arg(QString::fromStdString(a.address), formatBtc(a.satoshis));
    default: break;
    }
    return cellStyle(index.column(), role);
}

bool AddressTableModel::isTextColumn(int column) const
{
    return column == Address;
}

QVariant AddressTableModel::headerText(int section) const
{
    switch (section) {
    case Rank: return tr("#");
    case Address: return tr("Address");
    case Btc: return tr("BTC");
    case Satoshis: return tr("Satoshis");
    case Share: return tr("Share");
    default: return {};
    }
}

QVariant AddressTableModel::headerToolTip(int section) const
{
    if (section == Share)
        return tr("Share of the value received by all %1 ranked addresses").arg(shown().view.rankedAddresses);
    return {};
}

QString AddressTableModel::addressAt(int row) const
{
    if (row < 0 || row >= rowCount())
        return {};
    return QString::fromStdString(entry(row).address);
}

} // namespace txpulse::ui
