// The view models and the pure snapshot-to-chart functions against known snapshots.
#include "address_table_model.h"
#include "transaction_detail_dialog.h"
#include "format.h"
#include "minute_series.h"
#include "synthetic_snapshot.h"
#include "transaction_table_model.h"

#include <QSignalSpy>
#include <algorithm>
#include <cstring>
#include <QTest>

using namespace txpulse;
using namespace txpulse::ui;

namespace {

std::shared_ptr<Snapshot> addressSnapshot(std::vector<AddressTotal> top, std::int64_t ranked)
{
    auto s = std::make_shared<Snapshot>();
    s->ready = true;
    s->view.top = std::move(top);
    s->view.rankedSatoshis = ranked;
    s->view.rankedAddresses = static_cast<std::int64_t>(s->view.top.size());
    return s;
}

Transaction tx(const char *hashPrefix, std::int64_t time, int inputs, int outputs, std::int64_t totalOut,
               std::optional<std::int64_t> fee, std::int64_t size)
{
    Transaction t;
    t.hash = std::string(hashPrefix) + std::string(64 - std::strlen(hashPrefix), '0');
    t.time = time;
    t.inputs.resize(static_cast<std::size_t>(inputs));
    t.outputs.resize(static_cast<std::size_t>(outputs));
    t.totalOut = totalOut;
    t.fee = fee;
    t.size = size;
    return t;
}

} // namespace

class TestViewModels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QLocale::setDefault(QLocale::c());
    }

    void formatBtc_data()
    {
        QTest::addColumn<qlonglong>("satoshis");
        QTest::addColumn<QString>("text");
        QTest::newRow("zero") << 0LL << "0.00000000";
        QTest::newRow("one satoshi") << 1LL << "0.00000001";
        QTest::newRow("one btc") << 100'000'000LL << "1.00000000";
        QTest::newRow("supply cap") << static_cast<qlonglong>(kMaxSatoshis) << "21000000.00000000";
        QTest::newRow("odd") << 123'456'789LL << "1.23456789";
        QTest::newRow("negative") << -42LL << "-0.00000042";
    }
    void formatBtc()
    {
        QFETCH(qlonglong, satoshis);
        QFETCH(QString, text);
        QCOMPARE(ui::formatBtc(satoshis), text);
    }

    void minuteSeries_data()
    {
        QTest::addColumn<int>("available");
        QTest::addColumn<int>("asked");
        QTest::addColumn<int>("expectedSize");
        QTest::addColumn<int>("leadingGaps");
        QTest::newRow("60 of 180") << 180 << 60 << 60 << 0;
        QTest::newRow("180 of 180") << 180 << 180 << 180 << 0;
        QTest::newRow("short view padded with gaps") << 20 << 60 << 60 << 40;
        QTest::newRow("not ready") << 0 << 60 << 0 << 0;
    }
    void minuteSeries()
    {
        QFETCH(int, available);
        QFETCH(int, asked);
        QFETCH(int, expectedSize);
        QFETCH(int, leadingGaps);
        StoreView view;
        for (int i = 0; i < available; ++i)
            view.minutes.push_back(MinuteBucket{1000 + i, 10 + i, false});
        const auto points = ui::minuteSeries(view, asked);
        QCOMPARE(static_cast<int>(points.size()), expectedSize);
        if (points.empty())
            return;
        QCOMPARE(points.back().minute, 1000 + available - 1);
        QVERIFY(points.back().partial);
        QCOMPARE(points.back().count, 10 + available - 1);
        for (std::size_t i = 1; i < points.size(); ++i)
            QCOMPARE(points[i].minute, points[i - 1].minute + 1);
        int gaps = 0;
        for (const MinutePoint &p : points)
            gaps += p.gap;
        QCOMPARE(gaps, leadingGaps);
        QCOMPARE(std::count_if(points.begin(), points.end(), [](const MinutePoint &p) { return p.partial; }), 1);
    }

    void markBeforeStart_data()
    {
        // One letter per minute, oldest first: g gap, d data, p the partial current minute.
        QTest::addColumn<QString>("minutes");
        QTest::addColumn<int>("startIndex"); // the minute the store began
        QTest::addColumn<int>("beforeStart");
        QTest::addColumn<int>("feedGaps");
        QTest::newRow("fresh standalone start") << QStringLiteral("gggggddddp") << 5 << 5 << 0;
        QTest::newRow("outage after the start") << QStringLiteral("gggggddggp") << 5 << 5 << 2;
        QTest::newRow("feed down at the start") << QStringLiteral("gggggggddp") << 5 << 5 << 2;
        QTest::newRow("gap among older data") << QStringLiteral("dddgggdddp") << 9 << 0 << 3;
        QTest::newRow("no start known") << QStringLiteral("gggggddddp") << 0 << 0 << 5;
    }

    void markBeforeStart()
    {
        QFETCH(QString, minutes);
        QFETCH(int, startIndex);
        QFETCH(int, beforeStart);
        QFETCH(int, feedGaps);
        constexpr std::int64_t kFirst = 29'000'000;
        std::vector<MinutePoint> points;
        for (qsizetype i = 0; i < minutes.size(); ++i) {
            MinutePoint p;
            p.minute = kFirst + i;
            p.gap = minutes.at(i) == u'g';
            p.partial = minutes.at(i) == u'p';
            p.count = p.gap ? 0 : 100 + i;
            points.push_back(p);
        }
        ui::markBeforeStart(points, kFirst + startIndex);
        for (const MinutePoint &p : points)
            QVERIFY(!p.beforeStart || (p.gap && p.minute < kFirst + startIndex));
        const MinuteSummary sum = summarize(points);
        QCOMPARE(sum.beforeStartMinutes, beforeStart);
        QCOMPARE(sum.gapMinutes, feedGaps);
    }

    void minuteSeriesKeepsGapsAndSummary()
    {
        const auto snap = test::syntheticSnapshot();
        const auto points = ui::minuteSeries(snap->view, 60);
        // The synthetic gap covers indexes 150..155 of 180, i.e. 30..25 minutes ago.
        int gaps = 0;
        for (const MinutePoint &p : points) {
            if (p.gap) {
                ++gaps;
                QCOMPARE(p.count, 0);
            }
        }
        QCOMPARE(gaps, 6);
        const MinuteSummary sum = summarize(points);
        QCOMPARE(sum.gapMinutes, 6);
        std::int64_t total = 0, peak = 0;
        for (const MinutePoint &p : points) {
            total += p.count;
            if (!p.gap && !p.partial)
                peak = std::max(peak, p.count);
        }
        QCOMPARE(sum.total, total);
        QCOMPARE(sum.peak, peak);
        QVERIFY(sum.average > 0);
    }

    void addressModelCells()
    {
        AddressTableModel model;
        QCOMPARE(model.rowCount(), 0);
        model.setSnapshot(addressSnapshot({{"bc1qaaa", 250'000'000}, {"1BBB", 150'000'000}, {"3CCC", 100'000'000}},
                                          1'000'000'000));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.columnCount(), int(AddressTableModel::ColumnCount));
        auto cell = [&](int row, int column) { return model.index(row, column).data().toString(); };
        QCOMPARE(cell(0, AddressTableModel::Rank), QStringLiteral("1"));
        QCOMPARE(cell(0, AddressTableModel::Address), QStringLiteral("bc1qaaa"));
        QCOMPARE(cell(0, AddressTableModel::Btc), QStringLiteral("2.50000000"));
        QCOMPARE(cell(0, AddressTableModel::Satoshis), QStringLiteral("250000000"));
        QCOMPARE(cell(0, AddressTableModel::Share), QStringLiteral("25.00 %"));
        QCOMPARE(cell(2, AddressTableModel::Share), QStringLiteral("10.00 %"));
        QCOMPARE(model.addressAt(1), QStringLiteral("1BBB"));
        QCOMPARE(model.addressAt(3), QString());
    }

    void addressModelShowsTop100()
    {
        test::SyntheticOptions o;
        o.addresses = 1000; // the snapshot carries more than the table shows (the API serves ?limit=)
        const auto snap = test::syntheticSnapshot(o);
        AddressTableModel model;
        model.setSnapshot(snap);
        QCOMPARE(model.rowCount(), AddressTableModel::kDefaultMaxRows);
        model.sort(AddressTableModel::Btc, Qt::AscendingOrder);
        QCOMPARE(model.addressAt(0), QString::fromStdString(snap->view.top[99].address)); // smallest of the 100
        model.setMaxRows(10);
        QCOMPARE(model.rowCount(), 10);
    }

    void addressModelSort_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<int>("order");
        QTest::addColumn<QStringList>("addresses");
        QTest::newRow("rank ascending") << int(AddressTableModel::Rank) << int(Qt::AscendingOrder)
                                        << QStringList{"m", "z", "a"};
        QTest::newRow("rank descending") << int(AddressTableModel::Rank) << int(Qt::DescendingOrder)
                                         << QStringList{"a", "z", "m"};
        QTest::newRow("address ascending") << int(AddressTableModel::Address) << int(Qt::AscendingOrder)
                                           << QStringList{"a", "m", "z"};
        QTest::newRow("btc ascending") << int(AddressTableModel::Btc) << int(Qt::AscendingOrder)
                                       << QStringList{"a", "z", "m"};
        QTest::newRow("share descending") << int(AddressTableModel::Share) << int(Qt::DescendingOrder)
                                          << QStringList{"m", "z", "a"};
    }
    void addressModelSort()
    {
        QFETCH(int, column);
        QFETCH(int, order);
        QFETCH(QStringList, addresses);
        AddressTableModel model;
        // Satoshi amounts chosen so that the text order differs from the numeric one (9 < 10 < 100).
        model.setSnapshot(addressSnapshot({{"m", 100}, {"z", 10}, {"a", 9}}, 119));
        model.sort(column, static_cast<Qt::SortOrder>(order));
        QStringList shown;
        for (int r = 0; r < model.rowCount(); ++r)
            shown << model.addressAt(r);
        QCOMPARE(shown, addresses);
        // The order survives the next snapshot.
        model.setSnapshot(addressSnapshot({{"m", 100}, {"z", 10}, {"a", 9}}, 119));
        QCOMPARE(model.addressAt(0), addresses.first());
    }

    void addressModelUpdatesInPlaceWhenSameSize()
    {
        AddressTableModel model;
        model.setSnapshot(addressSnapshot({{"a", 2}, {"b", 1}}, 3));
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setSnapshot(addressSnapshot({{"a", 5}, {"c", 4}}, 9));
        QCOMPARE(reset.count(), 0);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.addressAt(1), QStringLiteral("c"));
        model.setSnapshot(addressSnapshot({{"a", 5}}, 5));
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.rowCount(), 1);
    }

    void transactionModelCells()
    {
        auto s = std::make_shared<Snapshot>();
        s->latest.push_back(tx("ff", 1'764'331'200, 2, 3, 123'456'789, 4'520, 226));
        s->latest.push_back(tx("aa", 1'764'331'140, 1, 1, 50'000, std::nullopt, 110));
        TransactionTableModel model;
        model.setUtc(true);
        model.setSnapshot(s);
        QCOMPARE(model.rowCount(), 2);
        auto cell = [&](int row, int column) { return model.index(row, column).data().toString(); };
        QCOMPARE(cell(0, TransactionTableModel::Time), QStringLiteral("12:00:00"));
        QVERIFY(model.index(0, TransactionTableModel::Time).data(Qt::ToolTipRole).toString().startsWith(
            QLatin1String("2025-11-28 12:00:00 UTC")));
        QVERIFY(cell(0, TransactionTableModel::Hash).startsWith(QLatin1String("ff0000")));
        QCOMPARE(cell(0, TransactionTableModel::Hash).size(), 64);
        QCOMPARE(cell(0, TransactionTableModel::Inputs), QStringLiteral("2"));
        QCOMPARE(cell(0, TransactionTableModel::Outputs), QStringLiteral("3"));
        QCOMPARE(cell(0, TransactionTableModel::TotalBtc), QStringLiteral("1.23456789"));
        QCOMPARE(cell(0, TransactionTableModel::Fee), QStringLiteral("4520"));
        QCOMPARE(cell(0, TransactionTableModel::Size), QStringLiteral("226"));
        QCOMPARE(cell(1, TransactionTableModel::Fee), QStringLiteral("\u2014"));
        QCOMPARE(model.index(0, TransactionTableModel::Fee).data(Qt::ToolTipRole).toString(), QStringLiteral("20.0 sat/B"));
        QCOMPARE(model.headerData(TransactionTableModel::Time, Qt::Horizontal).toString(), QStringLiteral("Time (UTC)"));
        QCOMPARE(model.transactionAt(1)->hash.substr(0, 2), std::string("aa"));
        QVERIFY(!model.transactionAt(2));
    }

    void prettyJson_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QString>("pretty");
        QTest::newRow("keeps key order and numbers")
            << QByteArray("{\"op\":\"utx\",\"x\":{\"z\":1,\"a\":[2100000000000000,null],\"e\":{},"
                          "\"s\":\"a,b:{\\\"c\\\"}\"}}")
            << QStringLiteral("{\n    \"op\": \"utx\",\n    \"x\": {\n        \"z\": 1,\n        \"a\": [\n"
                              "            2100000000000000,\n            null\n        ],\n        \"e\": {},\n"
                              "        \"s\": \"a,b:{\\\"c\\\"}\"\n    }\n}");
        QTest::newRow("not json stays as is") << QByteArray("{oops") << QStringLiteral("{oops");
    }
    void prettyJson()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QString, pretty);
        QCOMPARE(TransactionDetailDialog::prettyJson(raw), pretty);
    }

    void transactionModelSort_data()
    {
        QTest::addColumn<int>("column");
        QTest::addColumn<int>("order");
        QTest::addColumn<QString>("first");
        QTest::newRow("time ascending: oldest first") << int(TransactionTableModel::Time) << int(Qt::AscendingOrder) << "bb";
        QTest::newRow("time descending: newest first") << int(TransactionTableModel::Time) << int(Qt::DescendingOrder) << "cc";
        QTest::newRow("fee descending") << int(TransactionTableModel::Fee) << int(Qt::DescendingOrder) << "bb";
        QTest::newRow("fee ascending: unknown first") << int(TransactionTableModel::Fee) << int(Qt::AscendingOrder) << "aa";
        QTest::newRow("total descending") << int(TransactionTableModel::TotalBtc) << int(Qt::DescendingOrder) << "aa";
        QTest::newRow("outputs descending") << int(TransactionTableModel::Outputs) << int(Qt::DescendingOrder) << "cc";
    }
    void transactionModelSort()
    {
        QFETCH(int, column);
        QFETCH(int, order);
        QFETCH(QString, first);
        auto s = std::make_shared<Snapshot>();
        // Newest first, as Snapshot::latest is; "cc" and "aa" share a second, "cc" arrived last.
        s->latest.push_back(tx("cc", 200, 1, 9, 10, 300, 100));
        s->latest.push_back(tx("aa", 200, 1, 2, 9'000, std::nullopt, 100));
        s->latest.push_back(tx("bb", 100, 1, 1, 20, 5'000, 100));
        TransactionTableModel model;
        model.setSnapshot(s);
        QCOMPARE(QString::fromStdString(model.transactionAt(0)->hash.substr(0, 2)), QStringLiteral("cc"));
        model.sort(column, static_cast<Qt::SortOrder>(order));
        QCOMPARE(QString::fromStdString(model.transactionAt(0)->hash.substr(0, 2)), first);
    }
};

QTEST_MAIN(TestViewModels)
#include "tst_view_models.moc"
