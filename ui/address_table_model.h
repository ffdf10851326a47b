#pragma once

#include "snapshot_table_model.h"

namespace txpulse::ui {

// The top addresses of the 3-hour ranking (Snapshot::view.top) as a sortable table: rank, address, BTC,
// satoshis and share of the total received by all ranked addresses. Holds the snapshot it shows (a shared
// pointer, no copy). GUI thread; fed by AddressesPage on the window's refresh cadence.
class AddressTableModel : public SnapshotTableModel {
    Q_OBJECT

public:
    enum Column { Rank, Address, Btc, Satoshis, Share, ColumnCount };
    static constexpr int kDefaultMaxRows = 100; // the snapshot may carry more (the API serves ?limit=)

    explicit AddressTableModel(QObject *parent = nullptr);

    void setMaxRows(int rows);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;

    QString addressAt(int row) const; // in the displayed (sorted) order

private:
    const AddressTotal &entry(int row) const;
    int rowsIn(const Snapshot &s) const override;
    QVariant sortKey(int sourceRow, int column) const override;
    bool isTextColumn(int column) const override;
    QVariant headerText(int section) const override;
    QVariant headerToolTip(int section) const override;

    int m_maxRows = kDefaultMaxRows;
};

} // namespace txpulse::ui
