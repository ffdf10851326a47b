// Fault injection with librdkafka's in-process mock cluster: produce errors, disconnects, a broker going down
// and coming back, and delivery timeouts must neither lose nor duplicate a message (consumed back and compared).
// No real broker needed; the real-broker tests are in tests/integration/tst_kafka_roundtrip.cpp.

#include "support/clock.h"
#include "feed/flow_credit.h"
#include "kafka/kafka_consumer.h"
#include "kafka/kafka_handles.h"
#include "kafka/kafka_producer.h"
#include "support/stats.h"
#include "replay/synthetic_feed.h"
#include "model/transaction_parser.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <QDateTime>
#include <QHash>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace txpulse;

namespace {

enum class Fault { None, ProduceErrors, Disconnects, BrokersDownUp, DeliveryTimeout };

// Owns a mock cluster and the handle it is attached to (the cluster is destroyed first).
class MockCluster {
public:
    explicit MockCluster(int brokers)
    {
        char errstr[256];
        kafka::ConfPtr conf(rd_kafka_conf_new());
        rd_kafka_conf_set(conf.get(), "log_level", "0", errstr, sizeof errstr);
        m_owner.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr));
        if (m_owner) {
            conf.release();
            m_cluster = rd_kafka_mock_cluster_new(m_owner.get(), brokers);
        }
    }
    ~MockCluster()
    {
        if (m_cluster)
            rd_kafka_mock_cluster_destroy(m_cluster);
    }
    rd_kafka_mock_cluster_t *get() const { return m_cluster; }
    QString bootstraps() const { return QString::fromLatin1(rd_kafka_mock_cluster_bootstraps(m_cluster)); }

private:
    kafka::HandlePtr m_owner;
    rd_kafka_mock_cluster_t *m_cluster = nullptr;
};

// One mock broker with one single-partition topic, and a producer's config and options for it.
struct SingleBroker {
    MockCluster mock{1};
    Config config;
    KafkaProducerOptions options;
    bool ok = false;

    explicit SingleBroker(const char *topic)
    {
        if (!mock.get())
            return;
        ok = rd_kafka_mock_topic_create(mock.get(), topic, 1, 1) == RD_KAFKA_RESP_ERR_NO_ERROR;
        config.kafkaBrokers = mock.bootstraps();
        config.kafkaTopic = QString::fromLatin1(topic);
        options.ensureTopic = false; // the mock cluster has no admin API in librdkafka 2.0.2
    }
};

std::vector<TxBatchPtr> makeBatches(int count, int batchSize, std::uint64_t seed)
{
    std::vector<TxBatchPtr> batches;
    SyntheticFeed feed(SyntheticFeed::Options{seed, 500, 0.3});
    TransactionParser parser;
    auto batch = std::make_shared<TxBatch>();
    for (int i = 0; i < count;) {
        ParseOutcome o = parser.parse(feed.next(QDateTime::currentSecsSinceEpoch()));
        if (o.kind != ParseOutcome::Kind::Transaction)
            continue;
        batch->transactions.push_back(std::move(o.tx));
        ++i;
        if (int(batch->transactions.size()) == batchSize || i == count) {
            batch->sequence = batches.size() + 1;
            batches.push_back(std::move(batch));
            batch = std::make_shared<TxBatch>();
        }
    }
    return batches;
}

} // namespace

Q_DECLARE_METATYPE(Fault)

class TestKafkaMock : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<TxBatchPtr>(); }

    void errorTranslation_data()
    {
        QTest::addColumn<int>("err");
        QTest::addColumn<QString>("code");
        QTest::addColumn<bool>("retriable");
        QTest::newRow("transport") << int(RD_KAFKA_RESP_ERR__TRANSPORT) << "kafka.transport" << true;
        QTest::newRow("queue full") << int(RD_KAFKA_RESP_ERR__QUEUE_FULL) << "kafka.queue_full" << true;
        QTest::newRow("timed out msg") << int(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT) << "kafka.msg_timed_out" << true;
        QTest::newRow("not leader") << int(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION) << "kafka.not_leader_for_partition"
                                    << true;
        QTest::newRow("too large") << int(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) << "kafka.msg_size_too_large" << false;
        QTest::newRow("already exists") << int(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) << "kafka.topic_already_exists"
                                        << false;
        QTest::newRow("authorization") << int(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
                                       << "kafka.topic_authorization_failed" << false;
        QTest::newRow("fatal") << int(RD_KAFKA_RESP_ERR__FATAL) << "kafka.fatal" << false;
    }

    void errorTranslation()
    {
        QFETCH(int, err);
        QFETCH(QString, code);
        QFETCH(bool, retriable);
        const Error e = kafka::toError(static_cast<rd_kafka_resp_err_t>(err), QStringLiteral("ctx"));
        QCOMPARE(e.code, code);
        QCOMPARE(e.retriable, retriable);
        QVERIFY(e.message.startsWith(QLatin1String("ctx: ")));
        QVERIFY(e.message.size() > 6);
    }

    void faultsNeitherLoseNorDuplicate_data()
    {
        QTest::addColumn<Fault>("fault");
        QTest::newRow("no fault") << Fault::None;
        QTest::newRow("retriable produce errors") << Fault::ProduceErrors;
        QTest::newRow("disconnects on produce") << Fault::Disconnects;
        QTest::newRow("all brokers down, then up") << Fault::BrokersDownUp;
        QTest::newRow("delivery timeouts re-queued") << Fault::DeliveryTimeout;
    }

    void faultsNeitherLoseNorDuplicate()
    {
        QFETCH(Fault, fault);
        const int count = 2000;
        MockCluster mock(3);
        QVERIFY(mock.get());
        const QString topic = QStringLiteral("mocktopic");
        QCOMPARE(rd_kafka_mock_topic_create(mock.get(), topic.toUtf8().constData(), 3, 1), RD_KAFKA_RESP_ERR_NO_ERROR);

        Config c;
        c.kafkaBrokers = mock.bootstraps();
        c.kafkaTopic = topic;
        c.kafkaGroup = QStringLiteral("mockgroup");
        if (fault == Fault::DeliveryTimeout)
            c.kafkaProperties.insert(QStringLiteral("message.timeout.ms"), QStringLiteral("1500"));

        const auto batches = makeBatches(count, 100, 42 + std::uint64_t(fault));
        Stats ps;
        KafkaProducerOptions po;
        po.ensureTopic = false; // the mock cluster has no admin API in librdkafka 2.0.2
        KafkaProducer producer(c, ps, po);
        producer.start();
        const std::size_t half = batches.size() / 2;
        for (std::size_t i = 0; i < half; ++i)
            producer.produce(batches[i]);
        QTRY_COMPARE_WITH_TIMEOUT(ps.produced.load(), qint64(half * 100), 20000);
        QCOMPARE(ps.kafkaState.load(), int(ComponentState::Connected));

        switch (fault) {
        case Fault::None: break;
        case Fault::ProduceErrors:
            rd_kafka_mock_push_request_errors(mock.get(), 0 /* Produce */, 6, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                              RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                              RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
                                              RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
                                              RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
            break;
        case Fault::Disconnects:
            rd_kafka_mock_push_request_errors(mock.get(), 0 /* Produce */, 3, RD_KAFKA_RESP_ERR__TRANSPORT,
                                              RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TRANSPORT);
            break;
        case Fault::BrokersDownUp:
        case Fault::DeliveryTimeout:
            rd_kafka_mock_broker_set_down(mock.get(), -1);
            break;
        }
        for (std::size_t i = half; i < batches.size(); ++i)
            producer.produce(batches[i]);

        if (fault == Fault::BrokersDownUp) {
            QTRY_VERIFY_WITH_TIMEOUT(ps.kafkaState.load() != int(ComponentState::Connected), 20000);
            QVERIFY(producer.queueDepth() > 0);
            QVERIFY(ps.produceQueue.load() > 0);
            rd_kafka_mock_broker_set_up(mock.get(), -1);
        } else if (fault == Fault::DeliveryTimeout) {
            // Deliveries time out while the cluster is down; they are counted and queued again, not lost.
            QTRY_VERIFY_WITH_TIMEOUT(ps.produceErrors.load() > 0, 20000);
            rd_kafka_mock_broker_set_up(mock.get(), -1);
        }
        QCOMPARE(producer.close(30000), 0);
        QCOMPARE(ps.produced.load(), qint64(count));
        QCOMPARE(ps.dropped.load(), 0);
        QCOMPARE(ps.kafkaState.load(), int(ComponentState::Connected));

        // Consume everything back and compare.
        QHash<QString, QByteArray> sent;
        for (const auto &b : batches) {
            for (const auto &t : b->transactions)
                sent.insert(QString::fromStdString(t.hash), t.raw);
        }
        QCOMPARE(sent.size(), count);
        Stats cs;
        ManualClock clock(QDateTime::currentMSecsSinceEpoch());
        KafkaConsumerOptions co;
        co.ensureTopic = false;
        co.startBackMs = -1; // the mock's ListOffsets has no timestamp lookup: read from the beginning
        KafkaConsumer consumer(c, cs, clock, co);
        QHash<QString, int> seen;
        bool bytesIntact = true;
        connect(&consumer, &KafkaConsumer::batchReady, this, [&](TxBatchPtr b) {
            for (const auto &t : b->transactions) {
                const QString h = QString::fromStdString(t.hash);
                seen[h] += 1;
                bytesIntact = bytesIntact && sent.value(h) == t.raw;
            }
            consumer.batchApplied(b);
        });
        consumer.start();
        QTRY_COMPARE_WITH_TIMEOUT(seen.size(), count, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(cs.consumerLag.load(), 0, 10000);
        QCOMPARE(cs.consumed.load(), qint64(count)); // no duplicates in the log
        QVERIFY(bytesIntact);
        for (auto it = seen.cbegin(); it != seen.cend(); ++it)
            QVERIFY2(it.value() == 1 && sent.contains(it.key()), qPrintable(it.key()));
        consumer.close();
    }

    void pendingBufferWhenQueueIsFull()
    {
        // librdkafka's queue holds 50 messages; the rest wait in our pending buffer and still get through.
        SingleBroker broker("small");
        QVERIFY(broker.ok);
        Stats ps;
        broker.options.queueMaxMessages = 50;
        broker.options.pendingMaxMessages = 400;
        KafkaProducer producer(broker.config, ps, broker.options);
        const auto batches = makeBatches(500, 500, 7);
        producer.produce(batches.front());
        // 50 in librdkafka, 400 pending, 50 beyond both bounds: counted, never silent.
        QCOMPARE(ps.dropped.load(), 50);
        QVERIFY(producer.queueDepth() >= 400);
        QTRY_COMPARE_WITH_TIMEOUT(ps.produced.load(), 450, 20000);
        QCOMPARE(producer.close(5000), 0);
        QCOMPARE(ps.produceQueue.load(), 0);
    }

    void feedCreditHeldUntilDelivery()
    {
        // A batch's feed credit comes back when the cluster has acknowledged its messages, not when librdkafka's
        // queue took them (a feed faster than the cluster used to fill that queue: ~100 MB in the benchmark);
        // while the cluster is down it comes back at once, so an outage never pauses the feed.
        SingleBroker broker("credit");
        QVERIFY(broker.ok);
        rd_kafka_mock_cluster_t *mock = broker.mock.get();
        Stats ps;
        FlowCredit credit(ps, 1000, 500);
        KafkaProducer producer(broker.config, ps, broker.options);
        auto batches = makeBatches(300, 100, 11);

        // Slow acknowledgements: the credit is still out after produce() returned and the batch is gone, from
        // the first batch on (the state is still Connecting then).
        QCOMPARE(rd_kafka_mock_broker_set_rtt(mock, -1, 1500), RD_KAFKA_RESP_ERR_NO_ERROR);
        for (int i = 0; i < 2; ++i) {
            credit.acquire(100);
            auto leased = std::make_shared<TxBatch>(*batches[std::size_t(i)]);
            leased->credit = credit.lease(100);
            producer.produce(std::move(leased));
            QCOMPARE(credit.inFlight(), 100);
            QTest::qWait(300);
            QCOMPARE(ps.produced.load(), 100 * i);
            QCOMPARE(credit.inFlight(), 100);
            QTRY_COMPARE_WITH_TIMEOUT(ps.produced.load(), 100 * (i + 1), 20000);
            QCOMPARE(credit.inFlight(), 0);
            QCOMPARE(ps.kafkaState.load(), int(ComponentState::Connected));
        }
        QCOMPARE(rd_kafka_mock_broker_set_rtt(mock, -1, 0), RD_KAFKA_RESP_ERR_NO_ERROR);

        // Cluster down: the messages stay queued for it, their credit does not.
        rd_kafka_mock_broker_set_down(mock, -1);
        credit.acquire(100);
        auto leased2 = std::make_shared<TxBatch>(*batches[2]);
        leased2->credit = credit.lease(100);
        producer.produce(std::move(leased2));
        QTRY_VERIFY_WITH_TIMEOUT(ps.kafkaState.load() != int(ComponentState::Connected), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(credit.inFlight(), 0, 5000);
        QCOMPARE(ps.produced.load(), 200);
        QVERIFY(producer.queueDepth() > 0);
        rd_kafka_mock_broker_set_up(mock, -1);
        QCOMPARE(producer.close(30000), 0);
        QCOMPARE(ps.produced.load(), 300);
        QCOMPARE(ps.dropped.load(), 0);
    }
};

QTEST_GUILESS_MAIN(TestKafkaMock)
#include "tst_kafka_mock.moc"
