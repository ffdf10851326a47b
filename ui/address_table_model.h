#pragma once

#include "store/snapshot.h"
#include "sortable_rows.h"

#include <QAbstractTableModel>

namespace txpulse::ui {

// The top addresses of the 3-hour ranking (Snapshot::view.top) as a sortable table: rank, address, BTC,
// satoshis and share of the total received by all ranked addresses. Holds the snapshot it shows (a shared
// pointer, no copy). GUI thread; fed by AddressesPage on the window's refresh cadence.
class AddressTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { Rank, Address, Btc, Satoshis, Share, ColumnCount };
    static constexpr int kSortRole = Qt::UserRole + 1; // the raw value (numbers as numbers)
    static constexpr int kDefaultMaxRows = 100;         // the snapshot may carry more (the API serves ?limit=)

    explicit AddressTableModel(QObject *parent = nullptr);

    void setSnapshot(SnapshotPtr snapshot);
    void setMaxRows(int rows);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

    QString addressAt(int row) const; // in the displayed (sorted) order

private:
    const AddressTotal &entry(int row) const;
    QVariant sortKey(int sourceRow, int column) const;
    void reorder();
    int rowsIn(const Snapshot &s) const;

    SnapshotPtr m_snapshot;
    SortableRows m_rows;
    int m_maxRows = kDefaultMaxRows;
};

} // namespace txpulse::ui
