#pragma once

#include "page.h"

class QSplitter;

namespace txpulse::ui {

class AddressChart;
class AddressTableModel;

// Addresses: the high-value addresses of the last 3 hours, the top 15 as a chart beside the sortable top 100,
// with a summary line. Its CSV is the ranking; Edit > Copy copies the selected addresses. The splitter
// position is kept in the settings ("window/addressSplitter"). GUI thread.
class AddressesPage : public Page {
    Q_OBJECT

public:
    explicit AddressesPage(QWidget *parent = nullptr);

    void showSnapshot(const SnapshotPtr &snapshot, const ViewOptions &options, bool current) override;
    void setTheme(const Theme &theme) override;
    QStringList selectedKeys() const override;
    void saveState(QSettings &settings) const override;
    void restoreState(const QSettings &settings) override;

    AddressChart *chart() const { return m_chart; }
    AddressTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }

private:
    AddressChart *m_chart = nullptr;
    AddressTableModel *m_model = nullptr;
    QTableView *m_table = nullptr;
    QLabel *m_summary = nullptr;
    QSplitter *m_splitter = nullptr;
};

} // namespace txpulse::ui
