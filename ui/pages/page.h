#pragma once

#include "csv_export.h"
#include "store/snapshot.h"
#include "theme.h"

#include <QStringList>
#include <QWidget>

#include <functional>

class QLabel;
class QMenu;
class QModelIndex;
class QSettings;
class QTableView;
class QVBoxLayout;

namespace txpulse::ui {

// The window-wide view options every page shows its data with (View menu, span buttons, UTC box).
struct ViewOptions {
    bool threeHours = false; // the per-minute chart spans 180 minutes instead of 60
    bool utc = false;        // times in UTC instead of local time

    int minutes() const { return threeHours ? kChartWindowMinutes : kCountWindowMinutes; }
    CsvOptions csv() const; // what Export and Copy as CSV write with these options
};

// One page of the window (a tab): it owns its widgets, chart, model and CSV kind, and shows the immutable
// Snapshot that MainWindow hands it on the refresh cadence. MainWindow iterates the pages for its menus,
// refresh, export and copy; a new page is a new subclass added to MainWindow's page list (buildUi()).
// [Bitcoin Core src/qt: OverviewPage, TransactionView]
//
// GUI thread. Pages are created with the tab widget as parent and owned by it.
class Page : public QWidget {
    Q_OBJECT

public:
    // What the window lists a page by.
    struct Info {
        QString title;      // the tab: "Addresses"
        QString menuText;   // View menu, with its mnemonic: "A&ddresses"
        QString exportText; // File > Export View: "High-Value Addresses…"
        CsvView csvKind;    // what Export and Copy as CSV write
    };

    Page(Info info, QWidget *parent);

    const Info &info() const { return m_info; }

    // What Export and Copy as CSV write for this page.
    QString csv(const Snapshot &snapshot, const ViewOptions &options) const;
    // File > Export: asks for a file name (in the last export folder, "export/dir" in `settings`) and writes
    // `csv` there. Returns the path written; empty when the user cancelled or writing failed (the user was
    // told why).
    QString saveCsv(const QString &csv, QSettings &settings);

    // Shows a snapshot. `current`: the page is on screen. Charts relayout on every change even when hidden,
    // so they are fed only while current (switching pages refreshes at once); models are cheap while hidden
    // and keep copy and export current.
    virtual void showSnapshot(const SnapshotPtr &snapshot, const ViewOptions &options, bool current) = 0;
    // The options changed: bring the page's own controls in step, without emitting their signals.
    virtual void setViewOptions(const ViewOptions &) {}
    virtual void setTheme(const Theme &) {}

    // Edit > Copy: the addresses or hashes of the selected rows, in the displayed order.
    virtual QStringList selectedKeys() const { return {}; }
    // Whether Edit > Copy copies the whole page as CSV when nothing is selected (a page without rows).
    virtual bool copiesCsvWithoutSelection() const { return false; }

    // Layout the user chose (splitters), kept in the window's settings.
    virtual void saveState(QSettings &) const {}
    virtual void restoreState(const QSettings &) {}

Q_SIGNALS:
    // From the page's context menus; MainWindow does the work and reports it in the status bar.
    void copySelectionRequested();
    void copyCsvRequested();
    void exportRequested();

protected:
    // The building blocks every page shares, so the pages look alike.
    struct Titles {
        QVBoxLayout *layout; // the heading over the summary line, for the caller to place
        QLabel *summary;
    };
    QVBoxLayout *createPageLayout(); // the page's own layout, with the margins of every page
    Titles createTitles(const QString &heading);
    static void setupTable(QTableView *table);
    // The table's context menu: Copy (with `copyText`), the page's own entries, Copy table as CSV, Export.
    using MenuExtras = std::function<void(QMenu &menu, const QModelIndex &index)>;
    void addContextMenu(QTableView *table, const QString &copyText, MenuExtras extras = {});

    static QString waitingText(); // the summary line before the first ready snapshot

private:
    Info m_info;
};

} // namespace txpulse::ui
