#include "csv_export.h"

#include "format.h"
#include "minute_series.h"

#include <QDateTime>
#include <QTimeZone>

namespace txpulse::ui {

namespace {

const QString kLineEnd = QStringLiteral("\r\n");

} // namespace

QString csvField(const QString &field)
{
    const bool quote = field.contains(QLatin1Char(',')) || field.contains(QLatin1Char('"'))
        || field.contains(QLatin1Char('\r')) || field.contains(QLatin1Char('\n'));
    if (!quote)
        return field;
    QString escaped = field;
    escaped.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') % escaped % QLatin1Char('"');
}

QString csvRow(const QStringList &fields)
{
    QString row;
    for (qsizetype i = 0; i < fields.size(); ++i) {
        if (i > 0)
            row += QLatin1Char(',');
        row += csvField(fields.at(i));
    }
    return row + kLineEnd;
}

QString minutesCsv(const Snapshot &snapshot, const CsvOptions &options)
{
    QString out = csvRow({QStringLiteral("minute"), QStringLiteral("count"), QStringLiteral("status")});
    for (const MinutePoint &p : minuteSeries(snapshot.view, options.minutes)) {
        const QString status = p.gap ? QStringLiteral("gap")
                                     : (p.partial ? QStringLiteral("partial") : QStringLiteral("complete"));
        out += csvRow({isoTime(p.minute * 60, options.utc), p.gap ? QString() : QString::number(p.count), status});
    }
    return out;
}

QString addressesCsv(const Snapshot &snapshot, const CsvOptions &options)
{
    QString out = csvRow({QStringLiteral("rank"), QStringLiteral("address"), QStringLiteral("btc"),
                          QStringLiteral("satoshis"), QStringLiteral("share_percent")});
    int rank = 0;
    for (const AddressTotal &a : snapshot.view.top) {
        if (rank >= options.addresses)
            break;
        out += csvRow({QString::number(++rank), QString::fromStdString(a.address), formatBtc(a.satoshis),
                       QString::number(a.satoshis),
                       QString::number(sharePercent(a.satoshis, snapshot.view.rankedSatoshis), 'f', 4)});
    }
    return out;
}

QString transactionsCsv(const Snapshot &snapshot, const CsvOptions &options)
{
    QString out = csvRow({QStringLiteral("time"), QStringLiteral("hash"), QStringLiteral("inputs"),
                          QStringLiteral("outputs"), QStringLiteral("total_btc"), QStringLiteral("total_satoshis"),
                          QStringLiteral("fee_satoshis"), QStringLiteral("size_bytes")});
    for (const Transaction &tx : snapshot.latest) {
        out += csvRow({isoTime(tx.time, options.utc), QString::fromStdString(tx.hash),
                       QString::number(tx.inputs.size()), QString::number(tx.outputs.size()),
                       formatBtc(tx.totalOut), QString::number(tx.totalOut),
                       tx.fee ? QString::number(*tx.fee) : QString(), QString::number(tx.size)});
    }
    return out;
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
