// Kafka throughput against a real broker (scripts/services.sh): KafkaProducer and KafkaConsumer with the
// settings the app uses, plus a raw librdkafka produce loop ("the limit" for the end-to-end benchmark).
//
//   eval "$(scripts/services.sh start)"
//   build/bench/bench_kafka [--messages N] [--runs R] [--brokers HOST:PORT]
//   build/bench/bench_kafka --raw-produce N [--runs R]
//
// Messages are realistic blockchain.com utx messages from SyntheticFeed, each with a unique hash.
// Each run uses a fresh topic (3 partitions) and group. Medians are printed last.

#include "support/clock.h"
#include "kafka/kafka_admin.h"
#include "kafka/kafka_consumer.h"
#include "kafka/kafka_handles.h"
#include "kafka/kafka_producer.h"
#include "support/stats.h"
#include "replay/synthetic_feed.h"
#include "model/transaction_parser.h"

#include <librdkafka/rdkafka.h>

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace txpulse;

namespace {

struct Result {
    double msgsPerSec = 0;
    double mbPerSec = 0;
};

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

QString uniqueTopic()
{
    return QStringLiteral("txpulse-bench-%1").arg(QRandomGenerator::global()->generate64(), 0, 36);
}

Result produceRun(const Config &c, const std::vector<TxBatchPtr> &batches, qint64 count, qint64 bytes)
{
    Stats stats;
    QThread thread;
    auto *producer = new KafkaProducer(c, stats);
    producer->moveToThread(&thread);
    QObject::connect(&thread, &QThread::finished, producer, &QObject::deleteLater);
    thread.start();
    QMetaObject::invokeMethod(producer, [producer] { producer->start(); }, Qt::BlockingQueuedConnection); // topic
    QElapsedTimer t;
    t.start();
    for (const auto &b : batches)
        QMetaObject::invokeMethod(producer, [producer, b] { producer->produce(b); }, Qt::QueuedConnection);
    int left = -1;
    QMetaObject::invokeMethod(producer, [&] { left = producer->close(120000); }, Qt::BlockingQueuedConnection);
    const double secs = double(t.nsecsElapsed()) / 1e9;
    thread.quit();
    thread.wait();
    if (left != 0 || stats.produced.load() != count)
        std::fprintf(stderr, "  warning: %d undelivered, %lld produced\n", left, static_cast<long long>(stats.produced.load()));
    return {double(count) / secs, double(bytes) / secs / 1e6};
}

Result consumeRun(const Config &c, qint64 count, qint64 bytes, double *joinSecs)
{
    Stats stats;
    WallClock clock;
    KafkaConsumerOptions options;
    options.startBackMs = -1;
    options.maxBatchMessages = 1000;
    KafkaConsumer consumer(c, stats, clock, options);
    qint64 got = 0;
    QElapsedTimer sinceStart, sinceFirst;
    QObject::connect(&consumer, &KafkaConsumer::batchReady, &consumer, [&](TxBatchPtr b) {
        if (!sinceFirst.isValid()) {
            sinceFirst.start();
            *joinSecs = double(sinceStart.nsecsElapsed()) / 1e9;
        }
        got += qint64(b->transactions.size());
        consumer.batchApplied(b); // an aggregator that applies instantly: the consumer's own cost
    });
    sinceStart.start();
    consumer.start();
    while (got < count && sinceStart.elapsed() < 300000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const double secs = double(sinceFirst.nsecsElapsed()) / 1e9;
    consumer.close();
    if (got != count)
        std::fprintf(stderr, "  warning: consumed %lld of %lld\n", static_cast<long long>(got), static_cast<long long>(count));
    return {double(got) / secs, double(bytes) / secs / 1e6};
}

// librdkafka alone, same settings as KafkaProducer, no parsing, no Qt: what the machine and broker can do.
Result rawProduceRun(const QString &brokers, const QString &topic, const std::vector<std::pair<std::string, QByteArray>> &msgs,
                     qint64 bytes)
{
    char errstr[512];
    kafka::ConfPtr conf(rd_kafka_conf_new());
    const std::pair<const char *, QByteArray> settings[] = {
        {"bootstrap.servers", brokers.toUtf8()}, {"enable.idempotence", "true"}, {"compression.type", "zstd"},
        {"compression.level", "1"}, {"linger.ms", "25"}, {"batch.num.messages", "10000"}, {"batch.size", "1000000"},
        {"queue.buffering.max.messages", "100000"}, {"queue.buffering.max.kbytes", "262144"},
    };
    for (const auto &[k, v] : settings) {
        if (rd_kafka_conf_set(conf.get(), k, v.constData(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            std::fprintf(stderr, "%s\n", errstr);
            return {};
        }
    }
    kafka::HandlePtr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr));
    if (!rk)
        return {};
    conf.release();
    kafka::TopicPtr rkt(rd_kafka_topic_new(rk.get(), topic.toUtf8().constData(), nullptr));
    QElapsedTimer t;
    t.start();
    for (const auto &[key, value] : msgs) {
        while (rd_kafka_produce(rkt.get(), RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char *>(value.constData()),
                                size_t(value.size()), key.data(), key.size(), nullptr)
               == -1) {
            if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                std::fprintf(stderr, "produce: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
                return {};
            }
            rd_kafka_poll(rk.get(), 10);
        }
        rd_kafka_poll(rk.get(), 0);
    }
    rd_kafka_flush(rk.get(), 120000);
    const double secs = double(t.nsecsElapsed()) / 1e9;
    if (rd_kafka_outq_len(rk.get()) > 0)
        std::fprintf(stderr, "  warning: %d not flushed\n", rd_kafka_outq_len(rk.get()));
    rkt.reset();
    return {double(msgs.size()) / secs, double(bytes) / secs / 1e6};
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    qRegisterMetaType<TxBatchPtr>();
    const QStringList args = app.arguments();
    auto value = [&](const QString &flag, const QString &def) {
        const int i = args.indexOf(flag);
        return i >= 0 && i + 1 < args.size() ? args.at(i + 1) : def;
    };
    const QString brokers = value(QStringLiteral("--brokers"), qEnvironmentVariable("TXPULSE_TEST_KAFKA"));
    if (brokers.isEmpty()) {
        std::fprintf(stderr, "no broker: run `eval \"$(scripts/services.sh start)\"` or pass --brokers HOST:PORT\n");
        return 2;
    }
    const bool raw = args.contains(QStringLiteral("--raw-produce"));
    const qint64 count = value(raw ? QStringLiteral("--raw-produce") : QStringLiteral("--messages"), QStringLiteral("200000")).toLongLong();
    const int runs = value(QStringLiteral("--runs"), QStringLiteral("5")).toInt();

    // Realistic messages, unique hashes, generated before timing.
    SyntheticFeed feed(SyntheticFeed::Options{20261128, 1000, 0.3});
    TransactionParser parser;
    std::vector<Transaction> txs;
    txs.reserve(std::size_t(count));
    qint64 bytes = 0;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    while (qint64(txs.size()) < count) {
        ParseOutcome o = parser.parse(feed.next(now));
        if (o.kind != ParseOutcome::Kind::Transaction)
            continue;
        bytes += o.tx.raw.size();
        txs.push_back(std::move(o.tx));
    }
    std::printf("%lld messages, mean %.0f bytes; broker %s; zstd level 1, idempotent, linger.ms=25, batch.num.messages=10000, "
                "batch.size=1000000, 3 partitions\n",
                static_cast<long long>(count), double(bytes) / double(count), qPrintable(brokers));

    std::vector<double> pm, pb, cm, cb, joins;
    for (int r = 0; r < runs; ++r) {
        Config c;
        c.kafkaBrokers = brokers;
        c.kafkaTopic = uniqueTopic();
        c.kafkaGroup = c.kafkaTopic + QStringLiteral("-group");
        Result p;
        if (raw) {
            std::vector<std::pair<std::string, QByteArray>> msgs;
            msgs.reserve(txs.size());
            for (const auto &t : txs)
                msgs.emplace_back(t.hash, t.raw);
            if (auto admin = KafkaAdmin::create(c); admin)
                (void)(*admin)->ensureTopic();
            p = rawProduceRun(brokers, c.kafkaTopic, msgs, bytes);
            std::printf("run %d: raw librdkafka produce %.0f msg/s, %.1f MB/s\n", r + 1, p.msgsPerSec, p.mbPerSec);
        } else {
            std::vector<TxBatchPtr> batches;
            for (std::size_t i = 0; i < txs.size(); i += 512) { // IngestWorker's default batch size
                auto b = std::make_shared<TxBatch>();
                b->transactions.assign(txs.begin() + qsizetype(i), txs.begin() + qsizetype(std::min(txs.size(), i + 512)));
                batches.push_back(std::move(b));
            }
            p = produceRun(c, batches, count, bytes);
            double join = 0;
            const Result cr = consumeRun(c, count, bytes, &join);
            std::printf("run %d: KafkaProducer %.0f msg/s, %.1f MB/s; KafkaConsumer (parse + commit) %.0f msg/s, %.1f MB/s "
                        "(group join %.2f s, excluded)\n",
                        r + 1, p.msgsPerSec, p.mbPerSec, cr.msgsPerSec, cr.mbPerSec, join);
            cm.push_back(cr.msgsPerSec);
            cb.push_back(cr.mbPerSec);
            joins.push_back(join);
        }
        pm.push_back(p.msgsPerSec);
        pb.push_back(p.mbPerSec);
        if (auto admin = KafkaAdmin::create(c); admin)
            (void)(*admin)->deleteTopic(c.kafkaTopic);
        std::fflush(stdout);
    }
    std::printf("median of %d: %s produce %.0f msg/s, %.1f MB/s", runs, raw ? "raw librdkafka" : "KafkaProducer",
                median(pm), median(pb));
    if (!raw)
        std::printf("; KafkaConsumer %.0f msg/s, %.1f MB/s", median(cm), median(cb));
    std::printf("\n");
    return 0;
}
