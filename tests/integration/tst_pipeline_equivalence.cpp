// One stream, two modes, one answer. The recorded real messages (tests/data, retimed into the window) and
// synthetic ones (with a few redeliveries and some older than the window) go through
//   standalone: IngestWorker -> Aggregator(MemoryStore)
//   pipeline:   IngestWorker -> KafkaProducer -> topic -> KafkaConsumer -> Aggregator(RedisStore)
// against the real Kafka and Redis of scripts/services.sh, and the two snapshots must be identical: per-minute
// counts, the address ranking, the latest transactions with their fee fields. So must the transactions each
// store is handed, inputs and fee included: an aggregate that needs the inputs (the fee) sees the same data in
// both modes.
//
// The topic has 3 partitions (the default): the consumer applies the partitions' batches in whatever order they
// come, and the latest list must still be the standalone one (ordered by arrival, not by application).

#include "kafka/kafka_consumer.h"
#include "feed/ingest_worker.h"
#include "model/transaction_parser.h"
#include "pipeline_test_support.h"
#include "replay/replay_server.h"
#include "replay/synthetic_feed.h"
#include "store/aggregator.h"
#include "store/memory_store.h"
#include "store/redis_connection.h"
#include "store/redis_store.h"
#include "support/clock.h"
#include "support/stats.h"

#include <QDateTime>
#include <QFile>
#include <QRandomGenerator>
#include <QTest>

#include <map>
#include <memory>
#include <optional>
#include <set>

using namespace txpulse;

namespace {

constexpr int kSyntheticCount = 4000;
constexpr int kRedelivered = 150; // the first synthetic messages again, as after a feed reconnect
constexpr int kTooOld = 40;       // synthetic messages older than the 3-hour window (late)

// What a store was handed for one transaction: what the aggregates can take from it.
struct Handed {
    std::int64_t time = 0;
    std::size_t inputs = 0;
    std::size_t outputs = 0;
    std::int64_t totalIn = 0;
    std::int64_t totalOut = 0;
    std::optional<std::int64_t> fee;
    bool operator==(const Handed &) const = default;
};

void record(std::map<std::string, Handed> &into, const TxBatch &batch)
{
    for (const Transaction &t : batch.transactions)
        into.insert_or_assign(t.hash,
                              Handed{t.time, t.inputs.size(), t.outputs.size(), t.totalIn, t.totalOut, t.fee});
}

QString describe(const std::optional<std::int64_t> &v)
{
    return v ? QString::number(*v) : QStringLiteral("null");
}

} // namespace

class TestPipelineEquivalence : public QObject {
    Q_OBJECT

private:
    QString m_brokers;
    QString m_redisUrl;
    QString m_prefix;

    // The stream as the feed client hands it over, every `time` at or before nowSeconds.
    static QList<QByteArray> stream(std::int64_t nowSeconds)
    {
        QList<QByteArray> messages;
        QFile fixtures(QStringLiteral(TXPULSE_TEST_DATA "/blockchain_utx_sample.ndjson"));
        if (!fixtures.open(QIODevice::ReadOnly))
            qFatal("cannot read %s", qPrintable(fixtures.fileName()));
        int i = 0;
        for (const QByteArray &line : fixtures.readAll().split('\n')) {
            if (!line.trimmed().isEmpty()) // recorded years ago: moved into the window, a minute apart
                messages << ReplayServer::retimed(line.trimmed(), nowSeconds - 60 * (++i) - 7);
        }
        SyntheticFeed feed(SyntheticFeed::Options{20261206, 500, 0.4});
        for (int n = 0; n < kSyntheticCount; ++n) {
            // Oldest first over the last 170 minutes, as a live feed would send them; then some late ones.
            const std::int64_t t = n < kSyntheticCount - kTooOld
                                       ? nowSeconds - 170 * 60 + std::int64_t(n) * 170 * 60 / kSyntheticCount
                                       : nowSeconds - 4 * 3600 - n;
            messages << feed.next(t);
        }
        const qsizetype firstSynthetic = messages.size() - kSyntheticCount;
        for (int n = 0; n < kRedelivered; ++n) // every other one of the first synthetic messages
            messages << messages[firstSynthetic + 2 * n];
        return messages;
    }

    // The IngestWorker's batches for `messages` (on this thread: batchReady is a direct call).
    static std::vector<TxBatchPtr> ingest(const QList<QByteArray> &messages, Stats &stats, const Clock &clock,
                                          std::int64_t receivedMs)
    {
        std::vector<TxBatchPtr> batches;
        IngestWorker worker(stats, clock);
        QObject::connect(&worker, &IngestWorker::batchReady, &worker,
                         [&batches](const TxBatchPtr &b) { batches.push_back(b); });
        for (qsizetype i = 0; i < messages.size(); i += 97)
            worker.handleMessages(messages.mid(i, 97), receivedMs);
        worker.flush();
        return batches;
    }

    static Aggregator::Options aggregatorOptions(Mode mode)
    {
        Aggregator::Options o;
        o.mode = mode;
        o.snapshotIntervalMs = 3600 * 1000; // refreshed by the test, not by the timer
        o.topN = 1000;
        return o;
    }

private Q_SLOTS:
    void initTestCase()
    {
        qRegisterMetaType<TxBatchPtr>();
        m_brokers = qEnvironmentVariable("TXPULSE_TEST_KAFKA");
        m_redisUrl = qEnvironmentVariable("TXPULSE_TEST_REDIS");
        if (m_brokers.isEmpty() || m_redisUrl.isEmpty())
            QFAIL("TXPULSE_TEST_KAFKA or TXPULSE_TEST_REDIS is not set: start the services with "
                  "`eval \"$(scripts/services.sh start)\"`");
        m_prefix = QStringLiteral("txpulse-test:%1:").arg(QRandomGenerator::global()->generate64(), 0, 16);
    }

    void cleanupTestCase()
    {
        auto url = RedisUrl::parse(m_redisUrl);
        auto c = url ? RedisConnection::open(*url) : Expected<RedisConnection>(url.error());
        if (!c)
            return;
        QByteArray cursor = "0";
        do {
            RedisCommand scan{"SCAN"};
            scan.arg(cursor).arg("MATCH").arg(m_prefix.toUtf8() + '*').arg("COUNT").arg("1000");
            auto r = c->command(scan);
            if (!r || r->elements.size() != 2)
                return;
            cursor = r->elements[0].str;
            RedisCommand del{"DEL"};
            for (const RedisReply &key : r->elements[1].elements)
                del.arg(key.str);
            if (del.size() > 1)
                (void)c->command(del);
        } while (cursor != "0");
    }

    void standaloneAndPipelineAgree()
    {
        const std::int64_t nowMs = QDateTime::currentMSecsSinceEpoch() / 60'000 * 60'000 + 30'000;
        ManualClock clock(nowMs);
        const QList<QByteArray> messages = stream(nowMs / 1000);

        Stats ingestStats;
        const std::vector<TxBatchPtr> batches = ingest(messages, ingestStats, clock, nowMs - 1000);
        const std::int64_t accepted = ingestStats.feedTransactions.load();
        QCOMPARE(accepted, qint64(messages.size())); // every message is a transaction

        // Standalone: the ingest's batches straight into the in-memory store.
        std::map<std::string, Handed> handedStandalone;
        SnapshotHub standaloneHub;
        Stats standaloneStats;
        Aggregator standalone(
            [&clock] { return Expected<std::unique_ptr<Store>>(std::make_unique<MemoryStore>(clock)); },
            standaloneHub, standaloneStats, aggregatorOptions(Mode::Standalone));
        standalone.start();
        for (const TxBatchPtr &b : batches) {
            record(handedStandalone, *b);
            standalone.apply(b);
        }
        QCOMPARE(standalone.queuedBatches(), 0);
        QCOMPARE(standaloneStats.applied.load() + standaloneStats.duplicates.load() + standaloneStats.late.load(),
                 accepted);

        // Pipeline: the same batches through Kafka and the consumer into Redis.
        Config config;
        config.kafkaBrokers = m_brokers;
        config.kafkaTopic = test::uniqueName("equivalence");
        config.kafkaGroup = test::uniqueName("group");
        config.kafkaPartitions = 3; // as by default: batches of the partitions interleave
        Stats producerStats;
        QCOMPARE(test::produceThreaded(config, producerStats, batches), 0);
        QCOMPARE(producerStats.produced.load(), accepted);

        std::map<std::string, Handed> handedPipeline;
        SnapshotHub pipelineHub;
        Stats pipelineStats;
        const QString url = m_redisUrl;
        const StoreOptions storeOptions{m_prefix, kRankingWindowMinutes};
        Aggregator pipeline(
            [&clock, url, storeOptions]() -> Expected<std::unique_ptr<Store>> {
                auto store = RedisStore::open(url, clock, storeOptions);
                if (!store)
                    return store.error();
                return std::unique_ptr<Store>(std::move(*store));
            },
            pipelineHub, pipelineStats, aggregatorOptions(Mode::Pipeline));
        KafkaConsumerOptions consumerOptions;
        consumerOptions.startBackMs = -1; // the whole topic, whatever the message timestamps
        KafkaConsumer consumer(config, pipelineStats, clock, consumerOptions);
        connect(&consumer, &KafkaConsumer::batchReady, this, [&handedPipeline](const TxBatchPtr &b) {
            record(handedPipeline, *b);
        });
        connect(&consumer, &KafkaConsumer::batchReady, &pipeline, &Aggregator::apply);
        connect(&pipeline, &Aggregator::batchApplied, &consumer, &KafkaConsumer::batchApplied);
        pipeline.start();
        consumer.start();
        QTRY_COMPARE_WITH_TIMEOUT(pipelineStats.consumed.load(), accepted, 60000);
        QTRY_COMPARE_WITH_TIMEOUT(pipeline.queuedBatches(), 0, 10000);
        QCOMPARE(pipelineStats.applied.load(), standaloneStats.applied.load());
        QCOMPARE(pipelineStats.duplicates.load(), standaloneStats.duplicates.load());
        QCOMPARE(pipelineStats.late.load(), standaloneStats.late.load());
        consumer.close();

        // What each store was handed: the same transactions, inputs and fee included.
        QCOMPARE(handedPipeline.size(), handedStandalone.size());
        int knownFees = 0;
        for (const auto &[hash, s] : handedStandalone) {
            const auto it = handedPipeline.find(hash);
            QVERIFY2(it != handedPipeline.end(), hash.c_str());
            const Handed &p = it->second;
            QVERIFY2(p == s, qPrintable(QStringLiteral("%1: inputs %2/%3, total in %4/%5, fee %6/%7 (pipeline/standalone)")
                                            .arg(QString::fromStdString(hash))
                                            .arg(p.inputs).arg(s.inputs).arg(p.totalIn).arg(s.totalIn)
                                            .arg(describe(p.fee), describe(s.fee))));
            knownFees += s.fee.has_value();
        }
        QVERIFY(knownFees > kSyntheticCount / 2); // the comparison covers real fees, not only unknown ones

        // The snapshots.
        standalone.refreshSnapshot();
        pipeline.refreshSnapshot();
        const SnapshotPtr a = standaloneHub.load();
        const SnapshotPtr b = pipelineHub.load();
        QVERIFY(a->ready);
        QVERIFY2(b->ready, qPrintable(b->lastError));
        QCOMPARE(b->view.nowMs, a->view.nowMs);

        QCOMPARE(b->view.minutes.size(), a->view.minutes.size());
        std::int64_t counted = 0;
        for (std::size_t i = 0; i < a->view.minutes.size(); ++i) {
            const MinuteBucket &x = a->view.minutes[i];
            const MinuteBucket &y = b->view.minutes[i];
            QCOMPARE(y.minute, x.minute);
            QCOMPARE(y.count, x.count);
            QCOMPARE(y.gap, x.gap);
            counted += x.count;
        }
        QCOMPARE(counted, standaloneStats.applied.load());

        QCOMPARE(b->view.rankedAddresses, a->view.rankedAddresses);
        QCOMPARE(b->view.rankedSatoshis, a->view.rankedSatoshis);
        QCOMPARE(b->view.top.size(), a->view.top.size());
        QVERIFY(a->view.top.size() > 100);
        for (std::size_t i = 0; i < a->view.top.size(); ++i) {
            QCOMPARE(b->view.top[i].address, a->view.top[i].address);
            QCOMPARE(b->view.top[i].satoshis, a->view.top[i].satoshis);
        }

        // Exactly the latest 100 counted, newest first, worked out from the stream itself: its messages in the
        // order sent, without redeliveries (a hash already sent) and late ones (older than the window).
        std::vector<QByteArray> expectedLatest;
        {
            TransactionParser parser;
            std::set<std::string> sent;
            std::vector<QByteArray> countedRaw;
            for (const QByteArray &m : messages) {
                const ParseOutcome o = parser.parse(m);
                const bool late = o.tx.time < nowMs / 1000 - std::int64_t(kRankingWindowMinutes) * 60;
                if (sent.insert(o.tx.hash).second && !late)
                    countedRaw.push_back(o.tx.raw);
            }
            expectedLatest.assign(countedRaw.rbegin(), countedRaw.rbegin() + kLatestCount);
        }
        QCOMPARE(a->view.latest.size(), std::size_t(kLatestCount));
        QVERIFY(a->view.latest == expectedLatest);
        QVERIFY(b->view.latest == expectedLatest); // over 3 partitions applied in whatever order they came
        QCOMPARE(b->view.latest, a->view.latest);
        QCOMPARE(b->latest.size(), a->latest.size());
        for (std::size_t i = 0; i < a->latest.size(); ++i) {
            const Transaction &x = a->latest[i];
            const Transaction &y = b->latest[i];
            QCOMPARE(y.hash, x.hash);
            QCOMPARE(y.fee, x.fee);
            QCOMPARE(y.totalIn, x.totalIn);
            QCOMPARE(y.totalOut, x.totalOut);
        }
        standalone.stop();
        pipeline.stop();
    }
};

QTEST_GUILESS_MAIN(TestPipelineEquivalence)
#include "tst_pipeline_equivalence.moc"
