// LatestRing: the ingest role's ring of the latest transactions, newest first, each hash once.

#include "feed/latest_ring.h"

#include <QTest>

#include <string>

using namespace txpulse;

namespace {

Transaction tx(const std::string &hash)
{
    Transaction t;
    t.hash = hash;
    t.raw = QByteArray("{\"op\":\"utx\",\"x\":{\"hash\":\"") + hash.c_str() + "\"}}";
    return t;
}

// "a b c" -> three transactions in that (arrival) order.
std::vector<Transaction> batch(const QString &hashes)
{
    std::vector<Transaction> out;
    for (const QString &h : hashes.split(QLatin1Char(' '), Qt::SkipEmptyParts))
        out.push_back(tx(h.toStdString()));
    return out;
}

QString listed(const LatestRing &latest)
{
    QStringList hashes;
    for (const Transaction &t : latest.newestFirst())
        hashes << QString::fromStdString(t.hash);
    return hashes.join(QLatin1Char(' '));
}

} // namespace

class TestLatestRing : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void newestFirst_data()
    {
        QTest::addColumn<int>("capacity");
        QTest::addColumn<QStringList>("batches"); // each in arrival order
        QTest::addColumn<QString>("expected");    // newest first
        QTest::newRow("one batch") << 5 << QStringList{"a b c"} << "c b a";
        QTest::newRow("batches in order") << 5 << QStringList{"a b", "c", "d e"} << "e d c b a";
        QTest::newRow("oldest leave") << 3 << QStringList{"a b", "c d", "e"} << "e d c";
        QTest::newRow("a batch larger than the ring") << 3 << QStringList{"a", "b c d e f g"} << "g f e";
        QTest::newRow("redelivery keeps the first arrival") << 5 << QStringList{"a b c", "b d"} << "d c b a";
        QTest::newRow("duplicate inside a batch") << 5 << QStringList{"a b a c b"} << "c b a";
        QTest::newRow("duplicates do not push anything out") << 3 << QStringList{"a b c", "a b c a"} << "c b a";
        QTest::newRow("large batch, duplicated tail") << 3 << QStringList{"a b c d e e e d"} << "e d c";
        QTest::newRow("back after leaving") << 2 << QStringList{"a b", "c", "a"} << "a c";
        QTest::newRow("capacity 0") << 0 << QStringList{"a b"} << "";
        QTest::newRow("empty batch") << 3 << QStringList{"a", ""} << "a";
    }

    void newestFirst()
    {
        QFETCH(int, capacity);
        QFETCH(QStringList, batches);
        QFETCH(QString, expected);
        LatestRing latest{std::size_t(capacity)};
        for (const QString &b : batches)
            latest.add(batch(b));
        QCOMPARE(listed(latest), expected);
        QVERIFY(latest.size() <= latest.capacity());
        const std::vector<QByteArray> raws = latest.rawNewestFirst();
        const std::vector<Transaction> txs = latest.newestFirst();
        QCOMPARE(raws.size(), txs.size());
        for (std::size_t i = 0; i < raws.size(); ++i)
            QCOMPARE(raws[i], txs[i].raw);
    }

    void boundedWhateverArrives()
    {
        LatestRing latest{100};
        std::vector<Transaction> big;
        for (int i = 0; i < 5000; ++i)
            big.push_back(tx("h" + std::to_string(i)));
        for (int round = 0; round < 3; ++round)
            latest.add(big); // the second and third rounds are redeliveries of what is listed, or came back
        QCOMPARE(latest.size(), std::size_t(100));
        QCOMPARE(latest.newestFirst().front().hash, std::string("h4999"));
        QCOMPARE(latest.newestFirst().back().hash, std::string("h4900"));
    }
};

QTEST_GUILESS_MAIN(TestLatestRing)
#include "tst_latest_ring.moc"
