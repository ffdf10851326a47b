#pragma once

#include "feed/latest_ring.h"
#include "model/tx_batch.h"
#include "store/snapshot.h"
#include "support/rate_meter.h"
#include "support/stats.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <memory>

namespace txpulse {

class Clock;

// The ingest role's view. That role keeps no window (no store, no aggregates): it publishes Snapshots with the
// live counters (feed, Kafka: /health, /api/v1/stats, /metrics) and the latest transactions it handed to Kafka
// (a LatestRing of kLatestCount, newest first: /show_transactions, /api/v1/transactions). Its
// snapshots are ready from the start and carry no minutes, ranking or gaps; the API answers the routes that need
// the window with 503 for this role (http::roleKeepsWindow).
//
// Thread affinity: a worker QObject; the composition root moves it onto the ingest thread (add() is then a
// direct call from IngestWorker::batchReady) and connects QThread::started to start(). It copies transactions
// out of the batches and never holds a batch, so the feed's credit (FlowCredit) is not held back. `hub`, `stats`
// and `clock` are borrowed and must outlive it. Teardown: the thread's finished() deletes it.
class IngestView : public QObject {
    Q_OBJECT

public:
    struct Options {
        Mode mode = Mode::Pipeline;
        int snapshotIntervalMs = 250;
    };

    IngestView(SnapshotHub &hub, Stats &stats, const Clock &clock, Options options, QObject *parent = nullptr);

    const LatestRing &latest() const { return m_latest; }

public Q_SLOTS:
    void start(); // publishes one snapshot now, then every snapshotIntervalMs
    void add(txpulse::TxBatchPtr batch);
    void publish();

Q_SIGNALS:
    void snapshotPublished();

private:
    SnapshotHub &m_hub;
    Stats &m_stats;
    const Clock &m_clock;
    Options m_options;
    QTimer m_timer;
    LatestRing m_latest;
    bool m_changed = true;
    std::vector<QByteArray> m_raw;     // m_latest as of the last snapshot
    std::vector<Transaction> m_parsed;
    std::int64_t m_added = 0;          // transactions handed over, for the rate
    QElapsedTimer m_elapsed;
    RateMeter m_rate;
};

} // namespace txpulse
