#include "application.h"

#include "store/aggregator.h"
#include "feed/feed_client.h"
#include "feed/flow_credit.h"
#include "http/http_api.h"
#include "feed/ingest_view.h"
#include "feed/ingest_worker.h"
#include "kafka/kafka_consumer.h"
#include "kafka/kafka_producer.h"
#include "support/logging.h"
#include "main_window.h"
#include "store/memory_store.h"
#include "store/redis_store.h"

#include <QApplication>
#include <QSettings>
#include <QStandardPaths>
#include <QSocketNotifier>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace txpulse {

namespace {

// Feed backpressure (FlowCredit): the feed stops reading at kInFlightHigh messages handed off and not yet
// delivered to Kafka (pipeline) or applied (standalone), and reads again at kInFlightLow. 8 ingest batches (~8 MB
// of messages with their copies); at 30,000 msg/s that is ~130 ms of feed, enough to keep every stage busy
// while the bound holds (a delivery takes linger.ms plus a round trip). With the real feed (a few messages a
// second) it is many minutes of feed.
constexpr qint64 kInFlightHigh = 4096;
constexpr qint64 kInFlightLow = 2048;

// SIGINT/SIGTERM arrive on an arbitrary thread in async-signal context: the handler only writes a byte to
// a socket pair, and a QSocketNotifier on the main thread turns it into an orderly quit.
int g_signalFds[2] = {-1, -1};

void onUnixSignal(int)
{
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(g_signalFds[0], &byte, 1);
}

template<typename Worker, typename Method, typename... Args>
auto callBlocking(Worker *worker, Method method, Args &&...args)
{
    // Used during shutdown only: the GUI thread waits for a worker to finish closing its client.
    using R = decltype((worker->*method)(std::forward<Args>(args)...));
    if constexpr (std::is_void_v<R>) {
        QMetaObject::invokeMethod(worker, [&] { (worker->*method)(std::forward<Args>(args)...); },
                                  Qt::BlockingQueuedConnection);
    } else {
        R result{};
        QMetaObject::invokeMethod(worker, [&] { result = (worker->*method)(std::forward<Args>(args)...); },
                                  Qt::BlockingQueuedConnection);
        return result;
    }
}

// --clock replay: `clock` follows the event times of every batch `source` emits. Direct: it runs on the
// source's thread as the batch is emitted, before anyone aggregates it.
template<typename Source>
void observeEventTimes(Source *source, EventClock *clock)
{
    QObject::connect(source, &Source::batchReady, source, [clock](const TxBatchPtr &batch) {
        for (const Transaction &tx : batch->transactions)
            clock->observe(tx.time * 1000);
    }, Qt::DirectConnection);
}

} // namespace

Application::Application(Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    qRegisterMetaType<TxBatchPtr>();
    qRegisterMetaType<Gap>();
    if (m_config.clock == QLatin1String("replay")) {
        auto clock = std::make_unique<EventClock>();
        m_eventClock = clock.get();
        m_clock = std::move(clock);
    } else {
        m_clock = std::make_unique<WallClock>();
    }
}

Application::~Application()
{
    shutdown();
}

quint16 Application::httpPort() const
{
    return m_api ? m_api->port() : 0;
}

void Application::startWorkerThread(QThread &thread, const char *name, QObject *worker)
{
    thread.setObjectName(QLatin1String(name));
    worker->moveToThread(&thread);
    connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
    thread.start();
}

Expected<void> Application::start()
{
    const Mode mode = m_config.mode();
    const Role role = m_config.role;
    qCInfo(lcApp).noquote() << "starting" << describeConfig(m_config);

    const bool hasFeed = role == Role::All || role == Role::Ingest;
    const bool produces = hasFeed && mode == Mode::Pipeline;
    const bool consumes = mode == Mode::Pipeline && (role == Role::All || role == Role::Aggregate);

    if (role == Role::Ingest) {
        // Feed -> Kafka only: no window, no store. Its own API serves the counters and the latest transactions.
        IngestView::Options viewOptions;
        viewOptions.mode = mode;
        viewOptions.snapshotIntervalMs = m_config.snapshotIntervalMs;
        m_ingestView = new IngestView(m_hub, m_stats, *m_clock, viewOptions);
        connect(&m_ingestThread, &QThread::started, m_ingestView, &IngestView::start);
    } else {
        createAggregator(mode, role);
    }

    if (hasFeed) {
        IngestOptions ingestOptions;
        ingestOptions.recordFile = m_config.recordFile;
        m_ingest = new IngestWorker(m_stats, *m_clock, ingestOptions);
        m_credit = std::make_unique<FlowCredit>(m_stats, kInFlightHigh, kInFlightLow);
        m_ingest->setFlowCredit(m_credit.get());
        m_feed = createFeedClient();
        if (m_eventClock)
            observeEventTimes(m_ingest.data(), m_eventClock);
        if (m_ingestView) // moved onto the ingest thread below: a direct call as each batch goes out
            connect(m_ingest, &IngestWorker::batchReady, m_ingestView, &IngestView::add);
        else if (!produces)
            connect(m_ingest, &IngestWorker::batchReady, m_aggregator, &Aggregator::apply);
    }

    if (produces) {
        Config producerConfig = m_config;
        if (producerConfig.kafkaSpoolDir.isEmpty()) // created only when something has to be spooled
            producerConfig.kafkaSpoolDir =
                QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/spool");
        m_producer = new KafkaProducer(producerConfig, m_stats);
        connect(&m_producerThread, &QThread::started, m_producer, &KafkaProducer::start);
        connect(m_ingest, &IngestWorker::batchReady, m_producer, &KafkaProducer::produce);
        connect(m_producer, &KafkaProducer::fatalError, this, [](const QString &message) {
            qCCritical(lcKafka).noquote() << "producer:" << message;
        });
    }
    if (consumes) {
        m_consumer = new KafkaConsumer(m_config, m_stats, *m_clock);
        connect(&m_consumerThread, &QThread::started, m_consumer, &KafkaConsumer::start);
        if (m_eventClock)
            observeEventTimes(m_consumer.data(), m_eventClock);
        connect(m_consumer, &KafkaConsumer::batchReady, m_aggregator, &Aggregator::apply);
        connect(m_aggregator, &Aggregator::batchApplied, m_consumer, &KafkaConsumer::batchApplied);
        connect(m_aggregator, &Aggregator::storeDataLost, m_consumer, &KafkaConsumer::rewindToWindow);
        connect(m_consumer, &KafkaConsumer::fatalError, this, [](const QString &message) {
            qCCritical(lcKafka).noquote() << "consumer:" << message;
        });
    }

    // Views: they only ever read the SnapshotHub.
    if (m_config.httpPort >= 0) {
        m_api = std::make_unique<HttpApi>(m_config, m_hub);
        if (auto listening = m_api->start(); !listening) {
            m_api.reset();
            shutdown();
            return listening.error();
        }
        qCInfo(lcApp).noquote() << QStringLiteral("REST API on http://%1:%2/")
                                       .arg(m_config.httpHost.contains(QLatin1Char(':'))
                                                ? QLatin1Char('[') + m_config.httpHost + QLatin1Char(']')
                                                : m_config.httpHost)
                                       .arg(m_api->port());
    }
    if (!m_config.headless) {
        static QSettings settings; // organisation/application names are set in main()
        m_window = std::make_unique<ui::MainWindow>(m_hub, settings);
        m_window->setConfig(m_config);
        connect(m_window.get(), &ui::MainWindow::settingsApplied, this, &Application::applySettings);
        m_window->show();
    }

    if (m_aggregator)
        startWorkerThread(m_aggregatorThread, "txpulse-aggregator", m_aggregator);
    if (m_ingestView) {
        m_ingestView->moveToThread(&m_ingestThread);
        connect(&m_ingestThread, &QThread::finished, m_ingestView, &QObject::deleteLater);
    }
    if (m_ingest)
        startWorkerThread(m_ingestThread, "txpulse-ingest", m_ingest);
    if (m_producer)
        startWorkerThread(m_producerThread, "txpulse-producer", m_producer);
    if (m_consumer)
        startWorkerThread(m_consumerThread, "txpulse-consumer", m_consumer);
    if (m_feed) {
        startWorkerThread(m_feedThread, "txpulse-feed", m_feed);
        QMetaObject::invokeMethod(m_feed, &FeedClient::start, Qt::QueuedConnection);
    }

    watchUnixSignals();
    connect(qApp, &QCoreApplication::aboutToQuit, this, &Application::shutdown);
    return {};
}

void Application::createAggregator(Mode mode, Role role)
{
    // The store lives on the aggregator's thread (hiredis blocks there, never here).
    Aggregator::Options aggregatorOptions;
    aggregatorOptions.mode = mode;
    aggregatorOptions.role = role;
    aggregatorOptions.snapshotIntervalMs = m_config.snapshotIntervalMs;
    aggregatorOptions.topN = m_config.topN;
    aggregatorOptions.readOnly = role == Role::View;
    StoreOptions storeOptions;
    storeOptions.prefix = m_config.redisPrefix;
    Aggregator::StoreFactory factory;
    const Clock &clock = *m_clock;
    if (mode == Mode::Standalone) {
        factory = [&clock, storeOptions]() -> Expected<std::unique_ptr<Store>> {
            return std::unique_ptr<Store>(std::make_unique<MemoryStore>(clock, storeOptions));
        };
    } else {
        const QString url = m_config.redisUrl;
        factory = [&clock, url, storeOptions]() -> Expected<std::unique_ptr<Store>> {
            auto store = RedisStore::open(url, clock, storeOptions);
            if (!store)
                return store.error();
            return std::unique_ptr<Store>(std::move(*store));
        };
    }
    m_aggregator = new Aggregator(std::move(factory), m_hub, m_stats, aggregatorOptions);
    connect(&m_aggregatorThread, &QThread::started, m_aggregator, &Aggregator::start);
    if (mode == Mode::Standalone) {
        // A fresh in-memory store knows nothing about the hours before this process started: those minutes
        // are "no data", not zero transactions. (A Redis store keeps what other runs recorded.)
        const std::int64_t startMs = m_clock->nowMs();
        const Gap beforeStart{startMs - std::int64_t(kChartWindowMinutes) * 60'000, startMs};
        QMetaObject::invokeMethod(m_aggregator, [aggregator = m_aggregator.data(), beforeStart] {
            aggregator->recordGap(beforeStart);
        }, Qt::QueuedConnection);
    }
}

FeedClient *Application::createFeedClient()
{
    // Coalesced: one queued hand-off per event-loop turn instead of one per message, which measured about
    // 20% less GUI-thread time at 20k msg/s and nearly twice the ceiling (bench/bench_feed.cpp).
    FeedOptions options = FeedOptions::fromConfig(m_config);
    options.coalesce = true;
    auto *feed = new FeedClient(options, m_stats, *m_clock); // moved to m_feedThread by the caller
    feed->setFlowCredit(m_credit.get());
    connect(feed, &FeedClient::messagesReceived, m_ingest, &IngestWorker::handleMessages);
    if (m_aggregator) // the ingest role keeps no window, so no gaps either
        connect(feed, &FeedClient::gapClosed, m_aggregator, &Aggregator::recordGap);
    return feed;
}

void Application::stopFeed()
{
    if (!m_feed)
        return;
    // A paused feed waits on its thread; the request makes it return within a pause slice to run stop().
    m_feed->requestStop();
    if (m_feedThread.isRunning() && m_feed->thread() == &m_feedThread)
        callBlocking(m_feed.data(), &FeedClient::stop);
    else if (m_feed->thread() == thread())
        m_feed->stop();
}

void Application::applySettings(const Config &config)
{
    // The feed and the API can change while running; Kafka and Redis changes apply at the next start
    // (the settings dialog says so).
    if (m_feed && config.feedUrl != m_config.feedUrl) {
        qCInfo(lcApp).noquote() << "feed URL changed to" << config.feedUrl.toString();
        m_config.feedUrl = config.feedUrl;
        FeedClient *old = m_feed;
        stopFeed();
        old->deleteLater();
        m_feed = createFeedClient();
        m_feed->moveToThread(&m_feedThread);
        QMetaObject::invokeMethod(m_feed, &FeedClient::start, Qt::QueuedConnection);
    }
    const bool httpChanged = config.httpHost != m_config.httpHost || config.httpPort != m_config.httpPort
        || config.httpToken != m_config.httpToken;
    if (httpChanged) {
        Config next = m_config;
        next.httpHost = config.httpHost;
        next.httpPort = config.httpPort;
        next.httpToken = config.httpToken;
        if (m_api)
            m_api->stop();
        m_api.reset();
        if (next.httpPort >= 0) {
            auto api = std::make_unique<HttpApi>(next, m_hub);
            if (auto listening = api->start(); !listening) {
                qCWarning(lcApp).noquote() << "REST API not restarted:" << listening.error().message;
            } else {
                m_api = std::move(api);
                qCInfo(lcApp) << "REST API now on port" << m_api->port();
            }
        }
        m_config.httpHost = next.httpHost;
        m_config.httpPort = next.httpPort;
        m_config.httpToken = next.httpToken;
    }
    if (m_window)
        m_window->setConfig(m_config);
}

void Application::watchUnixSignals()
{
    if (g_signalFds[0] >= 0 || ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalFds) != 0)
        return;
    m_signalNotifier = new QSocketNotifier(g_signalFds[1], QSocketNotifier::Read, this);
    connect(m_signalNotifier, &QSocketNotifier::activated, this, [] {
        char byte;
        [[maybe_unused]] const auto n = ::read(g_signalFds[1], &byte, 1);
        qCInfo(lcApp) << "signal received, shutting down";
        QCoreApplication::quit();
    });
    struct sigaction action = {};
    action.sa_handler = onUnixSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

void Application::shutdown()
{
    if (m_shutDown)
        return;
    m_shutDown = true;

    // Producers before consumers, inputs before outputs, so that nothing accepted is left behind.
    stopFeed();
    m_feedThread.quit();
    m_feedThread.wait();
    if (m_ingest && m_ingestThread.isRunning())
        callBlocking(m_ingest.data(), &IngestWorker::flush);
    if (m_producer && m_producerThread.isRunning()) {
        const int left = callBlocking(m_producer.data(), &KafkaProducer::close, 10000);
        if (left > 0)
            qCWarning(lcApp) << left << "messages were not delivered to Kafka before shutdown";
    }
    if (m_consumer && m_consumerThread.isRunning())
        callBlocking(m_consumer.data(), &KafkaConsumer::close);
    if (m_aggregator && m_aggregatorThread.isRunning())
        callBlocking(m_aggregator.data(), &Aggregator::stop);
    if (m_api)
        m_api->stop();
    if (m_window)
        m_window->close();

    for (QThread *thread : {&m_ingestThread, &m_producerThread, &m_consumerThread, &m_aggregatorThread}) {
        thread->quit();
        thread->wait();
    }
    // Workers whose thread never started (start() failed half-way) were never moved: still ours to delete.
    for (QObject *orphan :
         std::initializer_list<QObject *>{m_feed, m_ingest, m_ingestView, m_producer, m_consumer, m_aggregator})
        if (orphan && orphan->thread() == thread())
            delete orphan;
    m_window.reset();
    m_api.reset();
    qCInfo(lcApp) << "stopped";
}

} // namespace txpulse
