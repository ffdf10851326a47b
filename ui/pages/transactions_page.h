#pragma once

#include "page.h"

namespace txpulse::ui {

class TransactionTableModel;

// Transactions: the latest transactions, newest first, as a sortable table with a summary line.
// Double-clicking a row (or "Show raw message…" in its context menu) opens the TransactionDetailDialog.
// Its CSV is the table; Edit > Copy copies the selected hashes. GUI thread.
class TransactionsPage : public Page {
    Q_OBJECT

public:
    explicit TransactionsPage(QWidget *parent = nullptr);

    void showSnapshot(const SnapshotPtr &snapshot, const ViewOptions &options, bool current) override;
    void setViewOptions(const ViewOptions &options) override;
    QStringList selectedKeys() const override;

    TransactionTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }

public Q_SLOTS:
    void showDetails(int row); // the raw message of the row, in the displayed order

private:
    TransactionTableModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_summary = nullptr;
};

} // namespace txpulse::ui
