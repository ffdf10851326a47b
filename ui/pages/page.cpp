#include "page.h"

#include "support/logging.h"

#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTableView>
#include <QVBoxLayout>

namespace txpulse::ui {

CsvOptions ViewOptions::csv() const
{
    CsvOptions o;
    o.utc = utc;
    o.minutes = minutes();
    return o;
}

Page::Page(Info info, QWidget *parent) : QWidget(parent), m_info(std::move(info)) {}

QString Page::csv(const Snapshot &snapshot, const ViewOptions &options) const
{
    return exportCsv(m_info.csvKind, snapshot, options.csv());
}

QString Page::saveCsv(const QString &csv, QSettings &settings)
{
    const QString dir = settings.value(QStringLiteral("export/dir"),
                                       QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                            .toString();
    const QString path = QFileDialog::getSaveFileName(
        window(), tr("Export CSV"),
        QDir(dir).filePath(suggestedFileName(m_info.csvKind, QDateTime::currentMSecsSinceEpoch())),
        tr("CSV files (*.csv);;All files (*)"));
    if (path.isEmpty())
        return {};
    settings.setValue(QStringLiteral("export/dir"), QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(csv.toUtf8()) < 0 || !file.commit()) {
        qCWarning(lcUi) << "export to" << path << "failed:" << file.errorString();
        QMessageBox::warning(window(), tr("Export CSV"), tr("Could not write %1:\n%2").arg(path, file.errorString()));
        return {};
    }
    return path;
}

QVBoxLayout *Page::createPageLayout()
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 10, 4, 4);
    return layout;
}

Page::Titles Page::createTitles(const QString &heading)
{
    auto *titles = new QVBoxLayout;
    titles->setSpacing(2);
    auto *headingLabel = new QLabel(heading, this);
    headingLabel->setObjectName(QStringLiteral("heading"));
    auto *summary = new QLabel(this);
    summary->setObjectName(QStringLiteral("muted"));
    summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    titles->addWidget(headingLabel);
    titles->addWidget(summary);
    return {titles, summary};
}

QString Page::waitingText()
{
    return tr("Waiting for data\u2026");
}

void Page::setupTable(QTableView *table)
{
    table->setAlternatingRowColors(true);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table->setSortingEnabled(false);
    table->verticalHeader()->setVisible(false);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 10);
    table->horizontalHeader()->setHighlightSections(false);
    table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    table->setShowGrid(false);
    table->setWordWrap(false);
    table->setTextElideMode(Qt::ElideMiddle); // hashes and addresses keep both ends
    table->setContextMenuPolicy(Qt::CustomContextMenu);
    table->setFrameShape(QFrame::NoFrame);
}

void Page::addContextMenu(QTableView *table, const QString &copyText, MenuExtras extras)
{
    connect(table, &QTableView::customContextMenuRequested, this,
            [this, table, copyText, extras = std::move(extras)](const QPoint &pos) {
                QMenu menu(this);
                QAction *copy = menu.addAction(copyText, this, &Page::copySelectionRequested);
                copy->setShortcut(QKeySequence::Copy);
                if (extras)
                    extras(menu, table->indexAt(pos));
                menu.addSeparator();
                menu.addAction(tr("Copy table as CSV"), this, &Page::copyCsvRequested);
                menu.addAction(tr("Export CSV\u2026"), this, &Page::exportRequested);
                menu.exec(table->viewport()->mapToGlobal(pos));
            });
}

} // namespace txpulse::ui
