#include "kafka/disk_spool.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace txpulse;

namespace {

DiskSpool::Record record(int i, int valueBytes = 100)
{
    DiskSpool::Record r;
    r.key = "hash-" + std::to_string(i);
    r.value = QByteArray(valueBytes, char('a' + i % 26)) + QByteArray::number(i);
    r.header = QByteArray::number(1700000000000LL + i);
    r.timestampMs = 1700000000000LL + i;
    return r;
}

bool same(const DiskSpool::Record &a, const DiskSpool::Record &b)
{
    return a.key == b.key && a.value == b.value && a.header == b.header && a.timestampMs == b.timestampMs;
}

// Every record the spool hands out, segment by segment, releasing each.
std::vector<DiskSpool::Record> drain(DiskSpool &spool)
{
    std::vector<DiskSpool::Record> all;
    for (;;) {
        auto seg = spool.takeOldest();
        if (!seg || seg->id == 0)
            break;
        for (auto &r : seg->records)
            all.push_back(std::move(r));
        spool.release(seg->id);
    }
    return all;
}

QStringList segments(const QString &dir)
{
    return QDir(dir).entryList({QStringLiteral("*.seg")}, QDir::Files, QDir::Name);
}

} // namespace

class TestDiskSpool : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void crc32MatchesZlib_data();
    void crc32MatchesZlib();
    void roundTripInOrderAcrossSegments_data();
    void roundTripInOrderAcrossSegments();
    void nothingOnDiskUntilSomethingIsSpooled();
    void takenSegmentSurvivesACrash();
    void capRefusesWithSpoolFull();
    void damagedTailKeepsTheIntactPrefix_data();
    void damagedTailKeepsTheIntactPrefix();
    void oneProcessAtATime();
};

void TestDiskSpool::crc32MatchesZlib_data()
{
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<quint32>("crc");
    QTest::newRow("empty") << QByteArray() << quint32(0);
    QTest::newRow("check value") << QByteArray("123456789") << quint32(0xcbf43926);
    QTest::newRow("fox") << QByteArray("The quick brown fox jumps over the lazy dog") << quint32(0x414fa339);
}

void TestDiskSpool::crc32MatchesZlib()
{
    QFETCH(QByteArray, data);
    QFETCH(quint32, crc);
    QCOMPARE(DiskSpool::crc32(data.constData(), std::size_t(data.size())), crc);
}

void TestDiskSpool::roundTripInOrderAcrossSegments_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<qint64>("segmentBytes");
    QTest::addColumn<int>("minSegments");
    QTest::newRow("one record") << 1 << qint64(1 << 20) << 1;
    QTest::newRow("one segment") << 500 << qint64(1 << 20) << 1;
    QTest::newRow("many segments") << 500 << qint64(4096) << 10;
}

void TestDiskSpool::roundTripInOrderAcrossSegments()
{
    QFETCH(int, count);
    QFETCH(qint64, segmentBytes);
    QFETCH(int, minSegments);
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("topic"));
    DiskSpool spool({dir, 1 << 30, segmentBytes});
    for (int i = 0; i < count; ++i)
        QVERIFY(spool.append(record(i)));
    QVERIFY(spool.flush());
    QCOMPARE(spool.waitingRecords(), qint64(count));
    QVERIFY(segments(dir).size() >= minSegments);
    const auto all = drain(spool);
    QCOMPARE(int(all.size()), count);
    for (int i = 0; i < count; ++i)
        QVERIFY2(same(all[std::size_t(i)], record(i)), qPrintable(QStringLiteral("record %1").arg(i)));
    QCOMPARE(spool.waitingRecords(), 0);
    QCOMPARE(spool.bytesOnDisk(), 0);
    QVERIFY(segments(dir).isEmpty());
}

void TestDiskSpool::nothingOnDiskUntilSomethingIsSpooled()
{
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("topic"));
    DiskSpool spool({dir, 1 << 20, 1 << 20});
    QVERIFY(spool.open(false));
    QVERIFY(!QDir(dir).exists());
    auto seg = spool.takeOldest();
    QVERIFY(seg);
    QCOMPARE(seg->id, std::uint64_t(0));
    QVERIFY(spool.append(record(1)));
    QVERIFY(QDir(dir).exists());
}

// A segment handed out for sending stays on disk until release(): a process that dies in between finds it again.
void TestDiskSpool::takenSegmentSurvivesACrash()
{
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("topic"));
    {
        DiskSpool spool({dir, 1 << 30, 1 << 20});
        for (int i = 0; i < 10; ++i)
            QVERIFY(spool.append(record(i)));
        auto seg = spool.takeOldest();
        QVERIFY(seg);
        QCOMPARE(int(seg->records.size()), 10);
        QVERIFY(spool.append(record(10))); // a new tail after the taken segment
        QVERIFY(spool.flush());
        // no release(): the process "dies" with the segment in flight
    }
    DiskSpool again({dir, 1 << 30, 1 << 20});
    QVERIFY(again.open(false));
    QCOMPARE(again.waitingRecords(), 11);
    const auto all = drain(again);
    QCOMPARE(int(all.size()), 11);
    for (int i = 0; i <= 10; ++i)
        QVERIFY(same(all[std::size_t(i)], record(i)));
}

void TestDiskSpool::capRefusesWithSpoolFull()
{
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("topic"));
    const qint64 cap = 10'000;
    DiskSpool spool({dir, cap, 4096});
    int accepted = 0;
    Error refused;
    for (int i = 0; i < 1000; ++i) {
        auto r = spool.append(record(i));
        if (!r) {
            refused = r.error();
            break;
        }
        ++accepted;
    }
    QCOMPARE(refused.code, QStringLiteral("spool.full"));
    QVERIFY(accepted > 0);
    QVERIFY(spool.bytesOnDisk() <= cap);
    QCOMPARE(spool.waitingRecords(), qint64(accepted));
    // Releasing what was delivered makes room again.
    const auto all = drain(spool);
    QCOMPARE(int(all.size()), accepted);
    QVERIFY(spool.append(record(0)));
}

void TestDiskSpool::damagedTailKeepsTheIntactPrefix_data()
{
    QTest::addColumn<QString>("damage");
    QTest::newRow("torn last record") << QStringLiteral("truncate");
    QTest::newRow("flipped byte in the last record") << QStringLiteral("flip");
    QTest::newRow("garbage appended") << QStringLiteral("garbage");
}

void TestDiskSpool::damagedTailKeepsTheIntactPrefix()
{
    QFETCH(QString, damage);
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("topic"));
    {
        DiskSpool spool({dir, 1 << 30, 1 << 20});
        for (int i = 0; i < 5; ++i)
            QVERIFY(spool.append(record(i)));
    }
    const QStringList files = segments(dir);
    QCOMPARE(files.size(), 1);
    QFile f(dir + QLatin1Char('/') + files.first());
    QVERIFY(f.open(QIODevice::ReadWrite));
    const qint64 size = f.size();
    if (damage == QLatin1String("truncate")) {
        QVERIFY(f.resize(size - 7));
    } else if (damage == QLatin1String("flip")) {
        QVERIFY(f.seek(size - 20));
        char c = 0;
        QVERIFY(f.getChar(&c));
        QVERIFY(f.seek(size - 20));
        QVERIFY(f.putChar(char(c ^ 0x5a)));
    } else {
        QVERIFY(f.seek(size));
        f.write(QByteArray("\xff\xff\xff\x7f" "garbage", 11));
    }
    f.close();

    DiskSpool again({dir, 1 << 30, 1 << 20});
    QVERIFY(again.open(false));
    const auto all = drain(again);
    const int intact = damage == QLatin1String("garbage") ? 5 : 4;
    QCOMPARE(int(all.size()), intact);
    for (int i = 0; i < intact; ++i)
        QVERIFY(same(all[std::size_t(i)], record(i)));
    QVERIFY(again.corruptRecords() > 0); // counted and logged, never silent
}

void TestDiskSpool::oneProcessAtATime()
{
    QTemporaryDir tmp;
    const QString dir = tmp.filePath(QStringLiteral("topic"));
    DiskSpool first({dir, 1 << 30, 1 << 20});
    QVERIFY(first.append(record(1)));
    DiskSpool second({dir, 1 << 30, 1 << 20});
    auto r = second.open(true);
    QVERIFY(!r);
    QCOMPARE(r.error().code, QStringLiteral("spool.locked"));
}

QTEST_GUILESS_MAIN(TestDiskSpool)
#include "tst_disk_spool.moc"
