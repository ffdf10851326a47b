// CSV export of each view: header rows, exact values, RFC 4180 quoting and line ends.
#include "csv_export.h"
#include "synthetic_snapshot.h"

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
    void field()
    {
        QFETCH(QString, in);
        QFETCH(QString, out);
        QCOMPARE(csvField(in), out);
        QCOMPARE(parseCsv(csvRow({in, QStringLiteral("x")})), (QList<QStringList>{{in, QStringLiteral("x")}}));
    }

    void rowUsesCrlf()
    {
        QCOMPARE(csvRow({QStringLiteral("a"), QStringLiteral("b,c")}), QStringLiteral("a,\"b,c\"\r\n"));
    }

    void minutes()
    {
        test::SyntheticOptions o;
        const auto s = test::syntheticSnapshot(o);
        const QString csv = minutesCsv(*s, CsvOptions{true, 60});
        const auto rows = parseCsv(csv);
        QCOMPARE(rows.size(), 61);
        QCOMPARE(rows.first(), (QStringList{"minute", "count", "status"}));
        QCOMPARE(rows.last().at(0), QStringLiteral("2025-11-28T12:00:00Z"));
        QCOMPARE(rows.last().at(2), QStringLiteral("partial"));
        QCOMPARE(rows.last().at(1), QString::number(s->view.minutes.back().count));
        QCOMPARE(rows.at(1).at(0), QStringLiteral("2025-11-28T11:01:00Z"));
        int gaps = 0;
        for (const QStringList &r : rows.mid(1)) {
            QCOMPARE(r.size(), 3);
            if (r.at(2) == QLatin1String("gap")) {
                ++gaps;
                QVERIFY2(r.at(1).isEmpty(), "a gap has no count, not a zero");
            }
        }
        QCOMPARE(gaps, o.gapTo - o.gapFrom);
        QCOMPARE(parseCsv(minutesCsv(*s, CsvOptions{true, 180})).size(), 181);
    }

    void addresses()
    {
        auto s = std::make_shared<Snapshot>();
        s->view.top = {{"bc1qfirst", 250'000'000}, {"1Second", 1}};
        s->view.rankedSatoshis = 1'000'000'000;
        const auto rows = parseCsv(addressesCsv(*s));
        QCOMPARE(rows.size(), 3);
        QCOMPARE(rows.at(0), (QStringList{"rank", "address", "btc", "satoshis", "share_percent"}));
        QCOMPARE(rows.at(1), (QStringList{"1", "bc1qfirst", "2.50000000", "250000000", "25.0000"}));
        QCOMPARE(rows.at(2), (QStringList{"2", "1Second", "0.00000001", "1", "0.0000"}));
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
        QCOMPARE(rows.at(0), (QStringList{"time", "hash", "inputs", "outputs", "total_btc", "total_satoshis",
                                          "fee_satoshis", "size_bytes"}));
        const Transaction &tx = s->latest.front();
        QCOMPARE(rows.at(1).at(1), QString::fromStdString(tx.hash));
        QCOMPARE(rows.at(1).at(2), QString::number(tx.inputs.size()));
        QCOMPARE(rows.at(1).at(5), QString::number(tx.totalOut));
        QCOMPARE(rows.at(1).at(6), QString::number(*tx.fee));
        QCOMPARE(rows.at(1).at(7), QString::number(tx.size));
        QCOMPARE(rows.at(1).at(0), QStringLiteral("2025-11-28T12:00:30Z"));
    }

    void unknownFeeIsEmpty()
    {
        auto s = std::make_shared<Snapshot>();
        Transaction tx;
        tx.hash = std::string(64, 'a');
        tx.time = 0;
        s->latest.push_back(tx);
        const auto rows = parseCsv(transactionsCsv(*s));
        QCOMPARE(rows.at(1).at(6), QString());
        QCOMPARE(rows.at(1).at(0), QStringLiteral("1970-01-01T00:00:00Z"));
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
