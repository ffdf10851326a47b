#include "csv_export.h"

#include "aggregates/latest/latest_http.h"
#include "aggregates/minutes/minutes_http.h"
#include "aggregates/ranking/ranking_http.h"

#include <QDateTime>

#include <algorithm>

namespace txpulse::ui {

QString minutesCsv(const Snapshot &snapshot, const CsvOptions &options)
{
    return QString::fromUtf8(writeCsv(minutesTable(options.utc), minuteRows(snapshot, options.minutes)));
}

QString addressesCsv(const Snapshot &snapshot, const CsvOptions &options)
{
    return QString::fromUtf8(writeCsv(addressesTable(snapshot.view.rankedSatoshis), snapshot.view.top,
                                      static_cast<std::size_t>(std::max(options.addresses, 0))));
}

QString transactionsCsv(const Snapshot &snapshot, const CsvOptions &options)
{
    return QString::fromUtf8(writeCsv(transactionsTable(options.utc), snapshot.latest));
}

QString exportCsv(CsvView view, const Snapshot &snapshot, const CsvOptions &options)
{
    switch (view) {
    case CsvView::Minutes: return minutesCsv(snapshot, options);
    case CsvView::Addresses: return addressesCsv(snapshot, options);
    case CsvView::Transactions: return transactionsCsv(snapshot, options);
    }
    return {};
}

QString suggestedFileName(CsvView view, std::int64_t nowMs)
{
    const char *name = view == CsvView::Minutes ? "tx-per-minute"
        : view == CsvView::Addresses            ? "addresses"
                                                : "transactions";
    const QString stamp = QDateTime::fromMSecsSinceEpoch(nowMs).toString(QStringLiteral("yyyyMMdd-HHmm"));
    return QStringLiteral("txpulse-%1-%2.csv").arg(QLatin1String(name), stamp);
}

} // namespace txpulse::ui
