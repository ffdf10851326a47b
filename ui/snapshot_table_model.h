#pragma once

#include "store/snapshot.h"
#include "sortable_rows.h"

#include <QAbstractTableModel>

namespace txpulse::ui {

// What the window's sortable tables share: the snapshot shown (a shared pointer, no copy), the sorted row
// order kept from one snapshot to the next, a repaint in place when a new snapshot has as many rows (so
// that the selection and the scroll position stay where they are), and the look of the columns: text
// aligned left and numbers right, the key column (an address, a hash) in a fixed font. A subclass says how
// many rows a snapshot gives, what each column shows and sorts by, and which columns are text. GUI thread.
class SnapshotTableModel : public QAbstractTableModel {
public:
    static constexpr int kSortRole = Qt::UserRole + 1; // the raw value (numbers as numbers)

    void setSnapshot(SnapshotPtr snapshot);
    SnapshotPtr snapshot() const { return m_snapshot; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

protected:
    SnapshotTableModel(int columns, int keyColumn, QObject *parent);

    virtual int rowsIn(const Snapshot &s) const = 0;
    virtual QVariant sortKey(int sourceRow, int column) const = 0;
    virtual bool isTextColumn(int column) const = 0;
    virtual QVariant headerText(int section) const = 0;
    virtual QVariant headerToolTip(int) const { return {}; }

    // The alignment and font of a cell (Qt::TextAlignmentRole, Qt::FontRole); nothing for the other roles.
    QVariant cellStyle(int column, int role) const;

    // Sorts the rows again, after a change of what rowsIn() or sortKey() give (call inside a model reset).
    void reorder();
    int sourceOf(int row) const { return m_rows.source(row); } // the source row of a displayed (sorted) one
    const Snapshot &shown() const { return *m_snapshot; }

private:
    SnapshotPtr m_snapshot;
    SortableRows m_rows;
    int m_columns;
    int m_keyColumn;
};

} // namespace txpulse::ui
