#pragma once

#include "support/config.h"
#include "support/stats.h"
#include "model/tx_batch.h"

#include <QObject>
#include <QString>

#include <memory>

namespace txpulse {

struct KafkaProducerOptions {
    int pollIntervalMs = 20;            // delivery reports, retries of the pending buffer
    int lingerMs = 25;                  // librdkafka batching delay (adds at most this much latency)
    int queueMaxMessages = 100000;      // librdkafka's bounded queue (queue.buffering.max.messages)
    int pendingMaxMessages = 200000;    // our overflow buffer while librdkafka's queue is full
    bool ensureTopic = true;            // create the topic at start() when it is missing
    int adminTimeoutMs = 10000;
};

// Writes transactions to the Kafka log: key = tx.hash, value = tx.raw exactly as received, message timestamp
// (CreateTime) = tx.receivedMs, or now when unknown. (Releases before 2026-11-29 also sent that instant as a
// "received_ms" header; the timestamp alone carries it now, without three allocations per message.)
// Idempotent producer (enable.idempotence=true), zstd compression, batching tuned for throughput.
// Delivery reports are served every pollIntervalMs and counted into Stats::produced / produceErrors;
// Stats::produceQueue is librdkafka's queue plus our pending buffer. When librdkafka's queue is full the rest
// waits in a bounded pending buffer, then in the on-disk spool (DiskSpool, config.kafkaSpoolDir/<topic>, capped
// at config.kafkaSpoolMaxBytes; Stats::spooled). A failed delivery report (e.g. message.timeout.ms exceeded
// while the broker is down) sends the message to the spool; spooled messages are sent again, oldest first,
// once the cluster answers, and close() spools what is still undelivered for the next start. Only what neither
// memory nor the spool can keep is counted in Stats::dropped (and logged). Nothing is dropped silently.
// Feed backpressure: a batch's FlowCredit lease (TxBatch::credit) is held by its messages until the cluster
// acknowledges them, so a source faster than the cluster is paused rather than buffered here; messages that
// go to the pending buffer or the spool, and everything while the cluster is unreachable, hold none.
//
// Thread affinity: its own QThread. The composition root creates it without a parent, moveToThread()s it,
// connects QThread::started to start() and IngestWorker::batchReady to produce() (queued). Stats is borrowed
// and must outlive it. Teardown: invoke close(timeoutMs) on its thread (blocking-queued), then quit() and
// wait() the thread; the destructor closes as a fallback and logs when it has to. start() is optional:
// produce() starts lazily.
class KafkaProducer : public QObject {
    Q_OBJECT

public:
    KafkaProducer(const Config &config, Stats &stats, KafkaProducerOptions options = {}, QObject *parent = nullptr);
    ~KafkaProducer() override;

    // Messages not yet acknowledged by the broker: librdkafka's queue plus our pending buffer.
    qint64 queueDepth() const;
    bool isClosed() const;

public Q_SLOTS:
    // Creates the librdkafka handle, ensures the topic exists, starts the delivery-report timer.
    void start();
    void produce(txpulse::TxBatchPtr batch);
    // Flushes for up to timeoutMs and spools what is left; returns how many messages could be neither delivered
    // nor spooled (logged and counted in Stats::dropped). Idempotent: a second call returns 0.
    int close(int timeoutMs = 10000);

Q_SIGNALS:
    void started();
    // The producer cannot work: invalid configuration (a kafka.* key is named) or a fatal librdkafka error.
    void fatalError(const QString &message);
    void closed(int undelivered);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace txpulse
