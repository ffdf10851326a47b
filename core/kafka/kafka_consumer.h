#pragma once

#include "support/config.h"
#include "support/stats.h"
#include "model/tx_batch.h"

#include <QObject>
#include <QString>

#include <cstdint>
#include <memory>

namespace txpulse {

class Clock;

struct KafkaConsumerOptions {
    int pollTimeoutMs = 100;                        // longest a poll slot blocks (stop requests get through)
    int maxBatchMessages = 1000;                    // messages per batchReady
    int maxInFlightBatches = 4;                     // emitted but not yet applied; then partitions are paused
    std::int64_t startBackMs = 3LL * 3600 * 1000;   // a group without committed offsets starts at now - this;
                                                    // negative: at the earliest retained offset
    int revokeWaitMs = 5000;                        // on revoke, wait this long for in-flight batches
    int lagIntervalMs = 1000;
    int commitTimeoutMs = 5000;                     // rd_kafka_committed / offsets-for-times lookups
    bool ensureTopic = true;                        // create the topic at start() when it is missing
};

// Reads the Kafka log as a member of consumer group config.kafkaGroup and emits batches of parsed
// transactions (batchReady) whose `offsets` say where each partition's batch ends. Offsets are committed only
// when batchApplied() returns that batch, i.e. after the store applied it (never auto-commit). A group with
// no committed offset for a partition starts at the offset for clock.now - startBackMs (offsets-for-times),
// else resumes from its committed offset. At most maxInFlightBatches batches are unacknowledged; beyond that
// the partitions are paused. On revoke it waits up to revokeWaitMs for in-flight batches (committing them as
// they are applied), then lets the partitions go. Messages whose value does not parse are counted, logged and
// skipped; their offsets still advance. Stats: consumed, consumerLag (~1/s), kafkaState.
//
// Thread affinity: its own QThread. The composition root creates it without a parent, moveToThread()s it,
// connects QThread::started to start(), batchReady to the aggregator and the aggregator's acknowledgement to
// batchApplied() (all queued). Polling is one short poll per slot call, re-queued on the event loop, never a
// loop inside a slot. Stats and Clock are borrowed and must outlive it. Teardown: invoke close() on its thread
// (blocking-queued), then quit() and wait() the thread; the destructor closes as a fallback and logs.
class KafkaConsumer : public QObject {
    Q_OBJECT

public:
    KafkaConsumer(const Config &config, Stats &stats, const Clock &clock, KafkaConsumerOptions options = {},
                  QObject *parent = nullptr);
    ~KafkaConsumer() override;

    int inFlightBatches() const;
    bool isClosed() const;

public Q_SLOTS:
    // Creates the handle, ensures the topic, subscribes and starts polling.
    void start();
    // The batch (as emitted by batchReady) has been applied to the store: commit its offsets.
    void batchApplied(txpulse::TxBatchPtr batch);
    // The store lost its data (Redis restarted empty or was flushed): every assigned partition is read again
    // from now - startBackMs (a partition assigned later starts there too, once), so the aggregates are rebuilt
    // from the log; the store's dedupe makes re-applying what it still holds harmless.
    void rewindToWindow();
    // Commits what is applied, leaves the group (rd_kafka_consumer_close) and stops polling. Idempotent.
    void close();

Q_SIGNALS:
    void started();
    void batchReady(txpulse::TxBatchPtr batch);
    void partitionsAssigned(int count);
    void partitionsRevoked(int count);
    void offsetsCommitted(int partitions);
    void fatalError(const QString &message);
    void closed();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace txpulse
