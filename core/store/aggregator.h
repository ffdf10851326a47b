#pragma once

#include "support/error.h"
#include "support/rate_meter.h"
#include "store/snapshot.h"
#include "support/stats.h"
#include "store/store.h"
#include "model/tx_batch.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

namespace txpulse {

class TransactionParser;

// Applies transaction batches to a Store and publishes Snapshots. The store is created by `factory` when
// start() runs, i.e. on the aggregator's own thread (hiredis connects and blocks there, never on the GUI
// thread). Batches are applied strictly in order; batchApplied() follows each success (the Kafka consumer
// commits offsets on it). A failing store keeps the batch: it is retried with back-off (100 ms doubling to
// 5 s) and later batches queue behind it: nothing is ever dropped; the consumer bounds batches in flight.
// Every snapshotIntervalMs a timer calls expire() (unless read-only, the view role) and read(), and
// publishes an immutable Snapshot to the hub, also while the store is down (with the last good view, the
// error and the live counters). On the same cadence (unless read-only) it asks the store whether its data was
// lost and emits storeDataLost() when so.
//
// Thread affinity: a worker QObject. Create it without parent, moveToThread(), connect QThread::started
// to start() and finished() to QThread::quit; stop() (queued) stops the timers and destroys the store on
// the worker thread. `hub` and `stats` are owned by the composition root and must outlive it.
class Aggregator : public QObject {
    Q_OBJECT
public:
    using StoreFactory = std::function<Expected<std::unique_ptr<Store>>()>;

    struct Options {
        Mode mode = Mode::Standalone; // Pipeline: the store is Redis, reported as Stats::redisState
        Role role = Role::All;
        int snapshotIntervalMs = 250;
        int topN = 100;
        bool readOnly = false;        // view role: read() only, never expire() (or apply)
        int retryInitialMs = 100;
        int retryMaxMs = 5000;
        int queueWarnBatches = 64;    // log when more batches than this wait behind a failing store
    };

    Aggregator(StoreFactory factory, SnapshotHub &hub, Stats &stats, Options options, QObject *parent = nullptr);
    ~Aggregator() override;

    int queuedBatches() const { return int(m_queue.size()); }

public Q_SLOTS:
    void start();
    void apply(txpulse::TxBatchPtr batch);
    void recordGap(txpulse::Gap gap);
    void stop();
    void refreshSnapshot(); // the timer's work; public so tests and the composition root can force one

Q_SIGNALS:
    void batchApplied(txpulse::TxBatchPtr batch);
    // The store's data is gone (Redis restarted empty or flushed) or was never there: the aggregates must be
    // rebuilt from the log (the composition root connects it to KafkaConsumer::rewindToWindow).
    void storeDataLost();
    void snapshotPublished();
    void finished();

private:
    bool ensureStore();
    void drain();
    void failed(const Error &error, const char *what);
    void succeeded();
    void scheduleRetry();

    StoreFactory m_factory;
    SnapshotHub &m_hub;
    Stats &m_stats;
    Options m_options;

    std::deque<TxBatchPtr> m_queue;
    std::deque<Gap> m_gaps;
    QTimer m_snapshotTimer;
    QTimer m_retryTimer;
    int m_retryDelayMs = 0;
    bool m_everConnected = false;
    bool m_stopped = false;
    QString m_lastError;

    bool m_ready = false;
    StoreView m_view;                   // last good read
    std::vector<Transaction> m_parsed;  // m_view.latest parsed
    std::unique_ptr<TransactionParser> m_parser;

    std::int64_t m_appliedTotal = 0;
    QElapsedTimer m_elapsed;
    RateMeter m_rate;                   // of m_appliedTotal

    std::unique_ptr<Store> m_store; // last: destroyed first
};

} // namespace txpulse

