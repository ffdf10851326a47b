// Against the real Kafka broker started by scripts/services.sh: producer -> topic -> consumer group through
// txpulse_core's own wrappers. Every test uses its own topic and group.

#include "support/clock.h"
#include "kafka/kafka_admin.h"
#include "kafka/kafka_consumer.h"
#include "kafka/kafka_producer.h"
#include "support/stats.h"
#include "replay/synthetic_feed.h"
#include "model/transaction_parser.h"
#include "pipeline_test_support.h"

#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QRandomGenerator>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QEventLoop>

#include <atomic>
#include <limits>
#include <map>
#include <memory>

using namespace txpulse;
using txpulse::test::produceThreaded;
using txpulse::test::uniqueName;

namespace {

constexpr qint64 kHourMs = 3600LL * 1000;

// `count` transactions: the recorded fixtures first, then synthetic ones, each parsed like the ingest does.
std::vector<Transaction> makeTransactions(int count)
{
    std::vector<Transaction> out;
    TransactionParser parser;
    QFile fixtures(QStringLiteral(TXPULSE_TEST_DATA "/blockchain_utx_sample.ndjson"));
    if (fixtures.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : fixtures.readAll().split('\n')) {
            if (int(out.size()) >= count)
                break;
            ParseOutcome o = parser.parse(line.trimmed());
            if (o.kind == ParseOutcome::Kind::Transaction)
                out.push_back(std::move(o.tx));
        }
    }
    SyntheticFeed feed(SyntheticFeed::Options{QRandomGenerator::global()->generate64(), 1000, 0.3});
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    while (int(out.size()) < count) {
        ParseOutcome o = parser.parse(feed.next(now));
        if (o.kind == ParseOutcome::Kind::Transaction)
            out.push_back(std::move(o.tx));
    }
    return out;
}

std::vector<TxBatchPtr> toBatches(const std::vector<Transaction> &txs, int batchSize)
{
    std::vector<TxBatchPtr> batches;
    for (std::size_t i = 0; i < txs.size(); i += std::size_t(batchSize)) {
        auto b = std::make_shared<TxBatch>();
        b->sequence = batches.size() + 1;
        for (std::size_t j = i; j < std::min(txs.size(), i + std::size_t(batchSize)); ++j)
            b->transactions.push_back(txs[j]);
        batches.push_back(std::move(b));
    }
    return batches;
}

// What a consumer handed out, as the aggregator would see it.
struct Received {
    std::vector<Transaction> txs;
    std::map<int, std::vector<qint64>> offsetsByPartition; // batch end offsets, in arrival order
};

} // namespace

class TestKafkaRoundtrip : public QObject {
    Q_OBJECT

private:
    QString m_brokers;
    WallClock m_clock;

    Config config(const QString &topic, const QString &group = {}) const
    {
        Config c;
        c.kafkaBrokers = m_brokers;
        c.kafkaTopic = topic;
        c.kafkaGroup = group.isEmpty() ? uniqueName("group") : group;
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<TxBatchPtr>();
        m_brokers = qEnvironmentVariable("TXPULSE_TEST_KAFKA");
        if (m_brokers.isEmpty())
            QFAIL("TXPULSE_TEST_KAFKA is not set: start the broker with `eval \"$(scripts/services.sh start)\"`");
        auto admin = KafkaAdmin::create(config(QStringLiteral("probe")));
        QVERIFY2(admin, qPrintable(admin ? QString() : admin.error().message));
        auto d = (*admin)->describeTopic(QStringLiteral("__txpulse_no_such_topic"), 15000);
        QVERIFY2(d.hasValue() || d.error().code == QLatin1String("kafka.unknown_topic_or_part"),
                 qPrintable(QStringLiteral("broker at %1 not reachable (%2); run `scripts/services.sh start`")
                                .arg(m_brokers, d.error().message)));
    }

    void topicAutoCreation_data()
    {
        QTest::addColumn<int>("partitions");
        QTest::addColumn<qint64>("retentionMs");
        QTest::newRow("default: 3 partitions, 4 h") << 3 << 4 * kHourMs;
        QTest::newRow("1 partition, 6 h") << 1 << 6 * kHourMs;
        QTest::newRow("5 partitions, 3 h + 1 ms") << 5 << 3 * kHourMs + 1;
    }

    void topicAutoCreation()
    {
        QFETCH(int, partitions);
        QFETCH(qint64, retentionMs);
        Config c = config(uniqueName("create"));
        c.kafkaPartitions = partitions;
        c.kafkaRetentionMs = retentionMs;
        QCOMPARE(c.kafkaReplication, -1); // the broker's default, accepted by Kafka 4.x through librdkafka 2.0.2

        Stats stats;
        KafkaProducer producer(c, stats);
        QSignalSpy started(&producer, &KafkaProducer::started);
        producer.start(); // ensures the topic
        QCOMPARE(started.count(), 1);

        auto admin = KafkaAdmin::create(c);
        QVERIFY(admin);
        auto desc = (*admin)->describeTopic(c.kafkaTopic);
        QVERIFY2(desc, qPrintable(desc ? QString() : desc.error().message));
        QCOMPARE(desc->partitions, partitions);
        QCOMPARE(desc->retentionMs, retentionMs);
        QCOMPARE(desc->replicationFactor, 1); // the single test broker's default

        // A second ensure finds it and changes nothing.
        auto again = (*admin)->ensureTopic();
        QVERIFY(again);
        QCOMPARE(*again, false);
        QCOMPARE(producer.close(5000), 0);
        QVERIFY((*admin)->deleteTopic(c.kafkaTopic));
    }

    void roundTrip_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("batchSize");
        QTest::newRow("5000 in batches of 500") << 5000 << 500;
        QTest::newRow("777 one by one") << 777 << 1;
    }

    void roundTrip()
    {
        QFETCH(int, count);
        QFETCH(int, batchSize);
        const Config c = config(uniqueName("roundtrip"));
        std::vector<Transaction> txs = makeTransactions(count);
        const qint64 base = QDateTime::currentMSecsSinceEpoch() - 60000;
        QHash<QString, int> indexOf;
        for (int i = 0; i < count; ++i) {
            txs[std::size_t(i)].receivedMs = base + i; // distinct, so the timestamp is checked per message
            // The ingest's sequence: large ones too (20 digits); every tenth has none (no header is sent).
            txs[std::size_t(i)].sequence = i % 10 == 0 ? 0 : std::numeric_limits<std::uint64_t>::max() - std::uint64_t(i);
            indexOf.insert(QString::fromStdString(txs[std::size_t(i)].hash), i);
        }
        QCOMPARE(indexOf.size(), count); // unique hashes

        Stats producerStats;
        QCOMPARE(produceThreaded(c, producerStats, toBatches(txs, batchSize)), 0);
        QCOMPARE(producerStats.produced.load(), count);
        QCOMPARE(producerStats.produceErrors.load(), 0);
        QCOMPARE(producerStats.dropped.load(), 0);
        QCOMPARE(producerStats.produceQueue.load(), 0);
        QCOMPARE(producerStats.kafkaState.load(), int(ComponentState::Connected));

        Stats stats;
        KafkaConsumerOptions options;
        options.maxBatchMessages = 300;
        KafkaConsumer consumer(c, stats, m_clock, options);
        Received got;
        connect(&consumer, &KafkaConsumer::batchReady, this, [&](TxBatchPtr b) {
            for (const auto &t : b->transactions)
                got.txs.push_back(t);
            consumer.batchApplied(b);
        });
        consumer.start();
        QTRY_COMPARE_WITH_TIMEOUT(int(got.txs.size()), count, 60000);
        // Caught up: lag 0, and nothing beyond the N messages was consumed.
        QTRY_COMPARE_WITH_TIMEOUT(stats.consumerLag.load(), 0, 10000);
        QCOMPARE(stats.consumed.load(), count);
        QCOMPARE(int(got.txs.size()), count);

        QSet<QString> seen;
        for (const Transaction &t : got.txs) {
            const QString h = QString::fromStdString(t.hash);
            QVERIFY2(indexOf.contains(h), qPrintable(h));
            QVERIFY2(!seen.contains(h), qPrintable(QStringLiteral("duplicate %1").arg(h)));
            seen.insert(h);
            const Transaction &sent = txs[std::size_t(indexOf.value(h))];
            QCOMPARE(t.raw, sent.raw); // bytes intact
            QCOMPARE(t.receivedMs, sent.receivedMs); // CreateTime carries it exactly
            QCOMPARE(t.sequence, sent.sequence);     // and the "seq" header the sequence
        }
        QCOMPARE(seen.size(), count);
        QSignalSpy closed(&consumer, &KafkaConsumer::closed);
        consumer.close();
        QCOMPARE(closed.count(), 1);
        // Order per partition: a second group reads one message per batch, so each batch names its partition.
        QVERIFY(checkPerPartitionOrder(c, txs, indexOf));
    }

    void restartResumesFromCommittedOffsets()
    {
        const int count = 3000;
        const int ackFirst = 1200; // the first consumer applies about this many, then stops acknowledging
        const Config c = config(uniqueName("restart"));
        const std::vector<Transaction> txs = makeTransactions(count);
        Stats ps;
        QCOMPARE(produceThreaded(c, ps, toBatches(txs, 250)), 0);

        KafkaConsumerOptions options;
        options.maxBatchMessages = 100;
        options.maxInFlightBatches = 3;
        QSet<QString> appliedByFirst, unappliedByFirst;
        {
            Stats stats;
            KafkaConsumer first(c, stats, m_clock, options);
            connect(&first, &KafkaConsumer::batchReady, this, [&](TxBatchPtr b) {
                const bool apply = appliedByFirst.size() < ackFirst;
                for (const auto &t : b->transactions)
                    (apply ? appliedByFirst : unappliedByFirst).insert(QString::fromStdString(t.hash));
                if (apply)
                    first.batchApplied(b);
            });
            first.start();
            // Backpressure: with nothing acknowledged any more it stops at maxInFlightBatches.
            QTRY_COMPARE_WITH_TIMEOUT(first.inFlightBatches(), options.maxInFlightBatches, 60000);
            QVERIFY(appliedByFirst.size() >= ackFirst);
            QVERIFY(!unappliedByFirst.isEmpty());
            QVERIFY(unappliedByFirst.size() <= options.maxInFlightBatches * options.maxBatchMessages);
            first.close();
        }

        Stats stats;
        KafkaConsumer second(c, stats, m_clock, options);
        QSet<QString> bySecond;
        int duplicatesInSecond = 0;
        connect(&second, &KafkaConsumer::batchReady, this, [&](TxBatchPtr b) {
            for (const auto &t : b->transactions) {
                if (bySecond.contains(QString::fromStdString(t.hash)))
                    ++duplicatesInSecond;
                bySecond.insert(QString::fromStdString(t.hash));
            }
            second.batchApplied(b);
        });
        second.start();
        QTRY_COMPARE_WITH_TIMEOUT(int(bySecond.size()), count - int(appliedByFirst.size()), 60000);
        QTRY_COMPARE_WITH_TIMEOUT(stats.consumerLag.load(), 0, 10000);
        QCOMPARE(stats.consumed.load(), count - int(appliedByFirst.size())); // nothing applied is read again
        QCOMPARE(duplicatesInSecond, 0);
        QVERIFY(!bySecond.intersects(appliedByFirst));
        QVERIFY(bySecond.contains(unappliedByFirst)); // the unapplied batches are read again
        QCOMPARE(int((bySecond + appliedByFirst).size()), count);
        second.close();
    }

    void newGroupStartsAtWindow_data()
    {
        QTest::addColumn<qint64>("clockShiftMs");
        QTest::addColumn<bool>("expectOld");
        QTest::addColumn<bool>("expectRecent");
        QTest::newRow("now: only the last 3 h") << qint64(0) << false << true;
        QTest::newRow("clock 2.5 h behind: both") << -qint64(2.5 * kHourMs) << true << true;
        QTest::newRow("clock 4.5 h ahead: neither (end)") << qint64(4.5 * kHourMs) << false << false;
    }

    void newGroupStartsAtWindow()
    {
        QFETCH(qint64, clockShiftMs);
        QFETCH(bool, expectOld);
        QFETCH(bool, expectRecent);
        const int oldCount = 300, recentCount = 200;
        Config c = config(uniqueName("window"));
        c.kafkaRetentionMs = 24 * kHourMs; // keep the 5-hour-old messages
        std::vector<Transaction> txs = makeTransactions(oldCount + recentCount);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QSet<QString> oldHashes, recentHashes;
        for (int i = 0; i < oldCount + recentCount; ++i) {
            Transaction &t = txs[std::size_t(i)];
            const bool old = i < oldCount;
            t.receivedMs = old ? now - 5 * kHourMs + i : now - kHourMs + i; // becomes the message timestamp
            (old ? oldHashes : recentHashes).insert(QString::fromStdString(t.hash));
        }
        Stats ps;
        QCOMPARE(produceThreaded(c, ps, toBatches(txs, 100)), 0);

        ManualClock clock(now + clockShiftMs);
        Stats stats;
        KafkaConsumer consumer(c, stats, clock);
        QSet<QString> got;
        connect(&consumer, &KafkaConsumer::batchReady, this, [&](TxBatchPtr b) {
            for (const auto &t : b->transactions)
                got.insert(QString::fromStdString(t.hash));
            consumer.batchApplied(b);
        });
        QSignalSpy assigned(&consumer, &KafkaConsumer::partitionsAssigned);
        consumer.start();
        QTRY_VERIFY_WITH_TIMEOUT(assigned.count() > 0, 30000);
        const int expected = (expectOld ? oldCount : 0) + (expectRecent ? recentCount : 0);
        QTRY_COMPARE_WITH_TIMEOUT(int(got.size()), expected, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(stats.consumerLag.load(), 0, 10000);
        QCOMPARE(stats.consumed.load(), expected);
        QCOMPARE(got.intersects(oldHashes), expectOld);
        QCOMPARE(got.intersects(recentHashes), expectRecent);
        if (expectRecent)
            QVERIFY(got.contains(recentHashes));
        consumer.close();
    }

    void rejectedPropertyNamesKeyAndFile()
    {
        Config c = config(uniqueName("badprop"));
        c.configFile = QStringLiteral("/etc/txpulse/txpulse.conf");
        c.kafkaProperties.insert(QStringLiteral("no.such.property"), QStringLiteral("1"));
        Stats stats;
        KafkaProducer producer(c, stats);
        QSignalSpy fatal(&producer, &KafkaProducer::fatalError);
        producer.start();
        QCOMPARE(fatal.count(), 1);
        const QString message = fatal.first().first().toString();
        QVERIFY2(message.contains(QLatin1String("kafka.no.such.property")), qPrintable(message));
        QVERIFY2(message.contains(c.configFile), qPrintable(message));
        QCOMPARE(stats.kafkaState.load(), int(ComponentState::Down));

        Config s = config(uniqueName("secret"));
        s.kafkaProperties.insert(QStringLiteral("ssl.key.password"), QStringLiteral("hunter2-secret"));
        s.kafkaProperties.insert(QStringLiteral("security.protocol"), QStringLiteral("no-such-protocol"));
        KafkaProducer p2(s, stats);
        QSignalSpy fatal2(&p2, &KafkaProducer::fatalError);
        p2.start();
        QCOMPARE(fatal2.count(), 1);
        QVERIFY(fatal2.first().first().toString().contains(QLatin1String("kafka.security.protocol")));
        QVERIFY(!fatal2.first().first().toString().contains(QLatin1String("hunter2")));
    }

    bool checkPerPartitionOrder(const Config &c, const std::vector<Transaction> &txs, const QHash<QString, int> &indexOf)
    {
        // Re-read the topic with a fresh group, keeping each transaction's partition from the batch offsets: a
        // batch can span partitions, so read with one message per batch.
        Stats stats;
        KafkaConsumerOptions options;
        options.maxBatchMessages = 1;
        options.maxInFlightBatches = 1000000;
        Config c2 = c;
        c2.kafkaGroup = uniqueName("order");
        KafkaConsumer consumer(c2, stats, m_clock, options);
        std::map<int, int> last;
        int seen = 0;
        bool ok = true;
        connect(&consumer, &KafkaConsumer::batchReady, this, [&](TxBatchPtr b) {
            if (b->offsets.size() != 1 || b->transactions.size() != 1) {
                ok = false;
                return;
            }
            const int p = b->offsets.front().partition;
            const int idx = indexOf.value(QString::fromStdString(b->transactions.front().hash), -1);
            auto it = last.find(p);
            if (idx < 0 || (it != last.end() && idx <= it->second)) {
                qWarning() << "out of order in partition" << p << ": index" << idx << "after"
                           << (it != last.end() ? it->second : -1);
                ok = false;
            }
            last[p] = idx;
            ++seen;
            consumer.batchApplied(b);
        });
        // One message per batch means one poll per message: wait in an event loop that the last one ends,
        // not in qWaitFor, whose 10 ms naps would dominate.
        QEventLoop loop;
        connect(&consumer, &KafkaConsumer::batchReady, &loop, [&] {
            if (seen == int(txs.size()))
                loop.quit();
        });
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        consumer.start();
        loop.exec();
        if (seen != int(txs.size())) {
            qWarning() << "re-read" << seen << "of" << txs.size();
            consumer.close();
            return false;
        }
        consumer.close();
        return ok && last.size() == 3;
    }
};

QTEST_GUILESS_MAIN(TestKafkaRoundtrip)
#include "tst_kafka_roundtrip.moc"
