#pragma once

#include <QtGlobal>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

namespace txpulse {

class Stats;

// Backpressure between the feed and the first bounded place that holds its messages.
//
// The feed client acquires one credit per message it hands off; whoever takes the message into a bounded
// structure releases it: the ingest worker for messages that are not transactions (ignored, rejected), and for
// transactions whoever drops the last reference to their TxBatch (see lease()): the producer once the cluster
// has acknowledged them, or once they leave librdkafka for its pending buffer or the spool, or at once while
// the cluster is unreachable (pipeline); the aggregator once its store has applied them (standalone).
// (The ingest role's IngestView copies the latest transactions out of a batch and never holds the batch.) So inFlight() is what sits in queued Qt events, in the ingest worker's open batch
// and in librdkafka's queue on its way to a reachable cluster: the parts that used to grow without bound.
//
// When inFlight() reaches highWater the feed stops reading (waitForRoom()) until it is back at lowWater; the
// TCP receive window then fills and the sender is throttled by TCP flow control, nothing is dropped.
//
// Thread-safe: acquire() on the feed thread, release() on any worker thread, waitForRoom() on the feed thread.
// Owned by the composition root, which outlives every user. The counts live in Stats (feedInFlight,
// feedInFlightPeak), where /metrics and the UI read them: one FlowCredit per Stats.
class FlowCredit {
public:
    FlowCredit(Stats &stats, qint64 highWater, qint64 lowWater);

    qint64 highWater() const { return m_high; }
    qint64 lowWater() const { return m_low; }
    qint64 inFlight() const;
    qint64 peak() const;
    bool isFull() const { return inFlight() >= m_high; }

    void acquire(qint64 n);
    void release(qint64 n);

    // A token that releases n credits when the last copy of it is destroyed (attached to a TxBatch, it is
    // released when every receiver of the batch is done with it). n <= 0: nullptr.
    std::shared_ptr<const void> lease(qint64 n);

    // Waits at most timeoutMs for inFlight() <= lowWater; true when there is room again. Callers loop on it
    // with short timeouts so that they notice a stop request in between.
    bool waitForRoom(int timeoutMs);

private:
    Stats &m_stats;
    const qint64 m_high;
    const qint64 m_low;
    std::atomic<bool> m_waiting{false};
    std::mutex m_mutex;
    std::condition_variable m_roomAvailable;
};

} // namespace txpulse
