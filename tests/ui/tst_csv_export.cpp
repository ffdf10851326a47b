// CSV export of each view: header rows, exact values, RFC 4180 quoting and line ends, and the same bytes as
// the REST API for the same snapshot.
#include "csv_export.h"
#include "format.h"
#include "http/http_api.h"
#include "synthetic_snapshot.h"
#include "local_api.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>

using namespace txpulse;
using namespace txpulse::ui;

namespace {

// A minimal RFC 4180 reader, so that the tests check what a spreadsheet would read back.
QList<QStringList> parseCsv(const QString &text)
{
    QList<QStringList> rows;
    QStringList row;
    QString field;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == QLatin1Char('"')) {
                if (i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"')) {
                    field += c;
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                field += c;
            }
        } else if (c == QLatin1Char('"')) {
            quoted = true;
        } else if (c == QLatin1Char(',')) {
            row << field;
            field.clear();
        } else if (c == QLatin1Char('\r') && i + 1 < text.size() && text.at(i + 1) == QLatin1Char('\n')) {
            row << field;
            field.clear();
            rows << row;
            row.clear();
            ++i;
        } else {
            field += c;
        }
    }
    return rows;
}

} // namespace

class TestCsvExport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void field_data()
    {
        QTest::addColumn<QString>("in");
        QTest::addColumn<QString>("out");
        QTest::newRow("plain") << "abc" << "abc";
        QTest::newRow("empty") << "" << "";
        QTest::newRow("comma") << "a,b" << "\"a,b\"";
        QTest::newRow("quote") << "say \"hi\"" << "\"say \"\"hi\"\"\"";
        QTest::newRow("newline") << "a\nb" << "\"a\nb\"";
        QTest::newRow("carriage return") << "a\rb" << "\"a\rb\"";
        QTest::newRow("spaces stay unquoted") << " a b " << " a b ";
    }
    // The one writer: a header row, then each row; a field quoted only when it must be, CRLF line ends.
    void field()
    {
        QFETCH(QString, in);
        QFETCH(QString, out);
        const Table<QString> table{{"value", [](const QString &v, std::size_t) { return v.toUtf8(); }},
                                   {"x", [](const QString &, std::size_t) { return QByteArray("x"); }}};
        const QString csv = QString::fromUtf8(writeCsv(table, QStringList{in}));
        QCOMPARE(csv, QStringLiteral("value,x\r\n") + out + QStringLiteral(",x\r\n"));
        QCOMPARE(parseCsv(csv).value(1), (QStringList{in, QStringLiteral("x")}));
    }

    void rowIndexAndLimit()
    {
        const Table<int> table{{"index", [](const int &, std::size_t i) { return QByteArray::number(qulonglong(i)); }},
                               {"value", [](const int &v, std::size_t) { return QByteArray::number(v); }}};
        const std::vector<int> rows{7, 8, 9};
        QCOMPARE(writeCsv(table, rows), QByteArray("index,value\r\n0,7\r\n1,8\r\n2,9\r\n"));
        QCOMPARE(writeCsv(table, rows, 2), QByteArray("index,value\r\n0,7\r\n1,8\r\n"));
        QCOMPARE(csvHeader(table), QByteArray("index,value"));
    }

    void minutes()
    {
        test::SyntheticOptions o;
        const auto s = test::syntheticSnapshot(o);
        const QString csv = minutesCsv(*s, CsvOptions{true, 60});
        const auto rows = parseCsv(csv);
        QCOMPARE(rows.size(), 61);
        QCOMPARE(rows.first(), (QStringList{"minute", "count", "gap", "partial"}));
        QCOMPARE(rows.last().at(0), QStringLiteral("2025-11-28T12:00:00Z"));
        QCOMPARE(rows.last().at(3), QStringLiteral("true"));
        QCOMPARE(rows.last().at(1), QString::number(s->view.minutes.back().count));
        QCOMPARE(rows.at(1).at(0), QStringLiteral("2025-11-28T11:01:00Z"));
        int gaps = 0;
        for (const QStringList &r : rows.mid(1)) {
            QCOMPARE(r.size(), 4);
            if (r.at(2) == QLatin1String("true")) {
                ++gaps;
                QCOMPARE(r.at(1), QStringLiteral("0")); // the API's convention: gap=true says the 0 is no data
            }
        }
        QCOMPARE(gaps, o.gapTo - o.gapFrom);
        QCOMPARE(parseCsv(minutesCsv(*s, CsvOptions{true, 180})).size(), 181);
    }

    void minutesBeyondTheSnapshotAreGaps()
    {
        test::SyntheticOptions o;
        o.minutes = 10;
        const auto s = test::syntheticSnapshot(o);
        const auto rows = parseCsv(minutesCsv(*s, CsvOptions{true, 12}));
        QCOMPARE(rows.size(), 13);
        QCOMPARE(rows.at(1), (QStringList{"2025-11-28T11:49:00Z", "0", "true", "false"}));
        QCOMPARE(rows.at(3).at(2), QStringLiteral("false"));
    }

    void addresses()
    {
        auto s = std::make_shared<Snapshot>();
        s->view.top = {{"bc1qfirst", 250'000'000}, {"1Second", 1}};
        s->view.rankedSatoshis = 1'000'000'000;
        const auto rows = parseCsv(addressesCsv(*s));
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.at(0), (QStringList{"rank", "address", "satoshis", "btc", "share_percent"}));
        QCOMPARE(rows.at(1), (QStringList{"1", "bc1qfirst", "250000000", "2.50000000", "25.0000"}));
        QCOMPARE(rows.at(2), (QStringList{"2", "1Second", "1", "0.00000001", "0.0000"}));
    }

    void addressesCappedAt100()
    {
        test::SyntheticOptions o;
        o.addresses = 250;
        const auto s = test::syntheticSnapshot(o);
        QCOMPARE(parseCsv(addressesCsv(*s)).size(), 101);
        CsvOptions ten;
        ten.addresses = 10;
        QCOMPARE(parseCsv(addressesCsv(*s, ten)).size(), 11);
    }

    void transactions()
    {
        const auto s = test::syntheticSnapshot();
        const auto rows = parseCsv(transactionsCsv(*s, CsvOptions{true, 60}));
        QCOMPARE(rows.size(), 101);
        QCOMPARE(rows.at(0), (QStringList{"hash", "time", "size", "inputs", "outputs", "total_in", "total_out", "fee",
                                          "total_out_btc"}));
        const Transaction &tx = s->latest.front();
        QCOMPARE(rows.at(1).at(0), QString::fromStdString(tx.hash));
        QCOMPARE(rows.at(1).at(1), QStringLiteral("2025-11-28T12:00:30Z"));
        QCOMPARE(rows.at(1).at(2), QString::number(tx.size));
        QCOMPARE(rows.at(1).at(3), QString::number(tx.inputs.size()));
        QCOMPARE(rows.at(1).at(5), QString::number(tx.totalIn));
        QCOMPARE(rows.at(1).at(6), QString::number(tx.totalOut));
        QCOMPARE(rows.at(1).at(7), QString::number(*tx.fee));
        QCOMPARE(rows.at(1).at(8), formatBtc(tx.totalOut));
    }

    void unknownFeeIsEmpty()
    {
        auto s = std::make_shared<Snapshot>();
        Transaction tx;
        tx.hash = std::string(64, 'a');
        tx.time = 0;
        s->latest.push_back(tx);
        const auto rows = parseCsv(transactionsCsv(*s));
        QCOMPARE(rows.at(1).at(7), QString());
        QCOMPARE(rows.at(1).at(1), QStringLiteral("1970-01-01T00:00:00Z"));
    }

    // The named promise: the window's export and the API's ?format=csv are the same bytes for one snapshot.
    void sameBytesAsTheApi_data()
    {
        QTest::addColumn<int>("view");
        QTest::addColumn<QString>("target");
        QTest::newRow("minutes") << int(CsvView::Minutes) << "/api/v1/minutes?format=csv&minutes=60";
        QTest::newRow("addresses") << int(CsvView::Addresses) << "/api/v1/addresses/top?format=csv&limit=100";
        QTest::newRow("transactions") << int(CsvView::Transactions) << "/api/v1/transactions?format=csv";
    }
    void sameBytesAsTheApi()
    {
        QFETCH(int, view);
        QFETCH(QString, target);
        test::SyntheticOptions o;
        o.addresses = 250; // more than either side shows by default
        const auto s = test::syntheticSnapshot(o);
        s->view.top[3].address = "bc1q\"odd,addr"; // quoting on both sides
        SnapshotHub hub;
        hub.publish(s);
        Config config = test::localApiConfig();
        HttpApi api(config, hub);
        QVERIFY(api.start());
        QNetworkAccessManager nam;
        QNetworkReply *reply = nam.get(QNetworkRequest(
            QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(api.port()).arg(target))));
        QVERIFY(QTest::qWaitFor([reply] { return reply->isFinished(); }, 5000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        const QByteArray fromApi = reply->readAll();
        reply->deleteLater();
        const QByteArray fromWindow = exportCsv(static_cast<CsvView>(view), *s).toUtf8();
        QVERIFY(fromWindow.count("\r\n") > 50);
        QCOMPARE(fromWindow, fromApi);
    }

    void exportDispatchesAndNamesFiles()
    {
        const auto s = test::syntheticSnapshot();
        QCOMPARE(exportCsv(CsvView::Addresses, *s), addressesCsv(*s));
        QCOMPARE(exportCsv(CsvView::Transactions, *s), transactionsCsv(*s));
        const QString name = suggestedFileName(CsvView::Addresses, s->generatedMs);
        QVERIFY2(name.startsWith(QLatin1String("txpulse-addresses-")) && name.endsWith(QLatin1String(".csv")),
                 qPrintable(name));
    }
};

QTEST_MAIN(TestCsvExport)
#include "tst_csv_export.moc"
