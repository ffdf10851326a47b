#include "snapshot_table_model.h"

#include <QFontDatabase>

namespace txpulse::ui {

namespace {

QVariant alignment(bool text)
{
    return text ? QVariant(Qt::AlignLeft | Qt::AlignVCenter) : QVariant(Qt::AlignRight | Qt::AlignVCenter);
}

} // namespace

SnapshotTableModel::SnapshotTableModel(int columns, int keyColumn, QObject *parent)
    : QAbstractTableModel(parent)
    , m_snapshot(std::make_shared<const Snapshot>())
    , m_columns(columns)
    , m_keyColumn(keyColumn)
{
}

void SnapshotTableModel::setSnapshot(SnapshotPtr snapshot)
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
        Q_EMIT dataChanged(index(0, 0), index(after - 1, m_columns - 1));
}

int SnapshotTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : rowsIn(*m_snapshot);
}

int SnapshotTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_columns;
}

QVariant SnapshotTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    switch (role) {
    case Qt::DisplayRole: return headerText(section);
    case Qt::ToolTipRole: return headerToolTip(section);
    case Qt::TextAlignmentRole: return alignment(isTextColumn(section));
    default: return {};
    }
}

QVariant SnapshotTableModel::cellStyle(int column, int role) const
{
    if (role == Qt::TextAlignmentRole)
        return alignment(isTextColumn(column));
    if (role == Qt::FontRole && column == m_keyColumn)
        return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    return {};
}

void SnapshotTableModel::sort(int column, Qt::SortOrder order)
{
    beginResetModel();
    m_rows.setSort(column, order);
    reorder();
    endResetModel();
}

void SnapshotTableModel::reorder()
{
    m_rows.rebuild(rowsIn(*m_snapshot), [this](int row, int column) { return sortKey(row, column); });
}

} // namespace txpulse::ui
