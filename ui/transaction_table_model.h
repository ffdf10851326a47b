#pragma once

#include "store/snapshot.h"
#include "sortable_rows.h"

#include <QAbstractTableModel>

namespace txpulse::ui {

// The latest transactions (Snapshot::latest, newest first) as a table: time, hash, inputs, outputs, total
// BTC, fee and size. Sortable; unsorted it keeps the snapshot's newest-first order. Holds the snapshot it
// shows (a shared pointer, no copy). GUI thread; fed by TransactionsPage on the window's refresh cadence.
class TransactionTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Time, Hash, Inputs, Outputs, TotalBtc, Fee, Size, ColumnCount };
    static constexpr int kSortRole = Qt::UserRole + 1;

    explicit TransactionTableModel(QObject *parent = nullptr);

    void setSnapshot(SnapshotPtr snapshot);
    void setUtc(bool utc);
    bool utc() const { return m_utc; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    const Transaction *transactionAt(int row) const; // in the displayed (sorted) order; null if out of range
    SnapshotPtr snapshot() const { return m_snapshot; }

private:
    QVariant sortKey(int sourceRow, int column) const;
    void reorder();

    SnapshotPtr m_snapshot;
    SortableRows m_rows;
    bool m_utc = false;
};

} // namespace txpulse::ui
