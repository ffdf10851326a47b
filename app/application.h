#pragma once

#include "support/clock.h"
#include "support/config.h"
#include "support/error.h"
#include "store/snapshot.h"
#include "support/stats.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <memory>

class QSocketNotifier;

namespace txpulse {

class Aggregator;
class FeedClient;
class FlowCredit;
class HttpApi;
class IngestView;
class IngestWorker;
class KafkaConsumer;
class KafkaProducer;
namespace ui {
class MainWindow;
}

// The composition root: creates the services a Config asks for, moves the workers onto their threads,
// connects them, and owns the shutdown order. No business logic lives here.
//
//   standalone  FeedClient -> IngestWorker -> Aggregator(MemoryStore)
//   pipeline    FeedClient -> IngestWorker -> KafkaProducer ... KafkaConsumer -> Aggregator(RedisStore)
//   roles       ingest: the first half only, no window (an IngestView keeps the latest transactions);
//               aggregate: the second half; view: Aggregator read-only
//   views       Aggregator (IngestView for role ingest) publishes Snapshots into the SnapshotHub; MainWindow and
//               HttpApi read them
//
// Backpressure: a FlowCredit bounds what the feed has handed off and nothing bounded holds yet (queued events
// to the ingest worker and on to the producer, or to the aggregator in standalone mode); the FeedClient runs
// on its own thread because it stops reading by waiting there (see FeedClient).
//
// Lives on the main thread. Shutdown: stop the feed, flush ingest, close the producer (flush with a
// timeout), close the consumer, stop the aggregator, then quit and join every thread.
class Application : public QObject {
    Q_OBJECT

public:
    explicit Application(Config config, QObject *parent = nullptr);
    ~Application() override;

    Expected<void> start();
    void shutdown();

    SnapshotHub &snapshots() { return m_hub; }
    Stats &stats() { return m_stats; }
    quint16 httpPort() const;

private:
    void startWorkerThread(QThread &thread, const char *name, QObject *worker);
    void watchUnixSignals();
    void applySettings(const Config &config);
    void createAggregator(Mode mode, Role role);
    FeedClient *createFeedClient();
    void stopFeed();

    Config m_config;
    std::unique_ptr<Clock> m_clock;
    EventClock *m_eventClock = nullptr; // m_clock when --clock replay
    Stats m_stats;
    SnapshotHub m_hub;
    std::unique_ptr<FlowCredit> m_credit; // before the threads: batches dying with them release into it

    QThread m_feedThread;
    QThread m_ingestThread;
    QThread m_producerThread;
    QThread m_consumerThread;
    QThread m_aggregatorThread;

    QPointer<FeedClient> m_feed;
    QPointer<IngestWorker> m_ingest;
    QPointer<IngestView> m_ingestView; // role ingest: the latest transactions and the counters, no window
    QPointer<KafkaProducer> m_producer;
    QPointer<KafkaConsumer> m_consumer;
    QPointer<Aggregator> m_aggregator;
    std::unique_ptr<HttpApi> m_api;
    std::unique_ptr<ui::MainWindow> m_window;
    QSocketNotifier *m_signalNotifier = nullptr;
    bool m_shutDown = false;
};

} // namespace txpulse
