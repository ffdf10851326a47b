#pragma once

// Helpers for the integration tests that run the pipeline against the real broker of scripts/services.sh.

#include "kafka/kafka_producer.h"
#include "model/tx_batch.h"
#include "support/config.h"
#include "support/stats.h"

#include <QMetaObject>
#include <QRandomGenerator>
#include <QString>
#include <QThread>

#include <atomic>
#include <vector>

namespace txpulse::test {

// A topic or group name of its own for every test.
inline QString uniqueName(const char *what)
{
    return QStringLiteral("txpulse-test-%1-%2")
        .arg(QLatin1String(what))
        .arg(QRandomGenerator::global()->generate64(), 0, 36);
}

// Produces `batches` on the producer's own thread, the way the app runs it; returns what close() reported
// (messages not delivered).
inline int produceThreaded(const Config &c, Stats &stats, const std::vector<TxBatchPtr> &batches)
{
    QThread thread;
    thread.setObjectName(QStringLiteral("kafka-producer"));
    auto *producer = new KafkaProducer(c, stats);
    producer->moveToThread(&thread);
    QObject::connect(&thread, &QThread::finished, producer, &QObject::deleteLater);
    QObject::connect(&thread, &QThread::started, producer, &KafkaProducer::start);
    std::atomic<int> undelivered = -1; // written on the producer thread; constructed before it starts
    thread.start();
    // By name, not with a lambda: the batch then travels as a queued argument, copied in and destroyed by
    // Qt's meta-type functions on the producer's thread. A lambda's slot object is released by whichever
    // thread drops the last reference, sometimes this one after the producer thread ran it, inside Qt where
    // TSan cannot see the hand-over (a data race report on the captures in a clean run).
    for (const auto &b : batches)
        QMetaObject::invokeMethod(producer, "produce", Qt::QueuedConnection, Q_ARG(txpulse::TxBatchPtr, b));
    QMetaObject::invokeMethod(producer, [&] { undelivered = producer->close(30000); }, Qt::BlockingQueuedConnection);
    thread.quit();
    thread.wait();
    return undelivered.load();
}

} // namespace txpulse::test
