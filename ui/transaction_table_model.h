#pragma once

#include "snapshot_table_model.h"

namespace txpulse::ui {

// The latest transactions (Snapshot::latest, newest first) as a table: time, hash, inputs, outputs, total
// BTC, fee and size. Sortable; unsorted it keeps the snapshot's newest-first order. Holds the snapshot it
// shows (a shared pointer, no copy). GUI thread; fed by TransactionsPage on the window's refresh cadence.
class TransactionTableModel : public SnapshotTableModel {
    Q_OBJECT

public:
    enum Column { Time, Hash, Inputs, Outputs, TotalBtc, Fee, Size, ColumnCount };

    explicit TransactionTableModel(QObject *parent = nullptr);

    void setUtc(bool utc);
    bool utc() const { return m_utc; }

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    const Transaction *transactionAt(int row) const; // in the displayed (sorted) order; null if out of range

private:
    int rowsIn(const Snapshot &s) const override;
    QVariant sortKey(int sourceRow, int column) const override;
    bool isTextColumn(int column) const override;
    QVariant headerText(int section) const override;

    bool m_utc = false;
};

} // namespace txpulse::ui
