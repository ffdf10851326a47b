#include "store/aggregator.h"

#include "support/logging.h"
#include "model/transaction_parser.h"

#include <QDateTime>

#include <algorithm>
#include <chrono>

namespace txpulse {

Aggregator::Aggregator(StoreFactory factory, SnapshotHub &hub, Stats &stats, Options options, QObject *parent)
    : QObject(parent), m_factory(std::move(factory)), m_hub(hub), m_stats(stats), m_options(options),
      m_snapshotTimer(this), m_retryTimer(this), m_parser(std::make_unique<TransactionParser>())
{
    m_snapshotTimer.setInterval(std::max(10, m_options.snapshotIntervalMs));
    m_retryTimer.setSingleShot(true);
    connect(&m_snapshotTimer, &QTimer::timeout, this, &Aggregator::refreshSnapshot);
    connect(&m_retryTimer, &QTimer::timeout, this, &Aggregator::drain);
}

Aggregator::~Aggregator()
{
    if (!m_queue.empty())
        qCWarning(lcStore) << m_queue.size() << "batches were not applied at shutdown (their offsets stay "
                                                "uncommitted and Kafka redelivers them)";
}

void Aggregator::start()
{
    m_stopped = false;
    m_elapsed.start();
    if (m_options.mode == Mode::Pipeline)
        m_stats.setRedisState(ComponentState::Connecting);
    if (!ensureStore())
        scheduleRetry();
    refreshSnapshot();
    m_snapshotTimer.start();
    if (!m_retryTimer.isActive())
        drain();
}

void Aggregator::stop()
{
    m_stopped = true;
    m_snapshotTimer.stop();
    m_retryTimer.stop();
    m_store.reset();
    if (m_options.mode == Mode::Pipeline)
        m_stats.setRedisState(ComponentState::Disabled);
    Q_EMIT finished();
}

bool Aggregator::ensureStore()
{
    if (m_store)
        return true;
    auto created = m_factory();
    if (!created) {
        failed(created.error(), "opening the store");
        return false;
    }
    m_store = std::move(*created);
    qCInfo(lcStore) << "store" << m_store->describe() << "ready";
    succeeded();
    return true;
}

void Aggregator::apply(TxBatchPtr batch)
{
    if (!batch)
        return;
    m_queue.push_back(std::move(batch));
    if (int(m_queue.size()) == m_options.queueWarnBatches + 1)
        qCWarning(lcStore) << m_queue.size() << "batches waiting for the store";
    if (!m_retryTimer.isActive())
        drain();
}

void Aggregator::recordGap(Gap gap)
{
    m_gaps.push_back(gap);
    if (!m_retryTimer.isActive())
        drain();
}

void Aggregator::drain()
{
    if (m_stopped || !ensureStore()) {
        if (!m_stopped)
            scheduleRetry();
        return;
    }
    while (!m_gaps.empty()) {
        auto r = m_store->recordGap(m_gaps.front());
        if (!r) {
            failed(r.error(), "recording a gap");
            scheduleRetry();
            return;
        }
        m_gaps.pop_front();
    }
    while (!m_queue.empty()) {
        const TxBatchPtr batch = m_queue.front();
        const auto t0 = std::chrono::steady_clock::now();
        auto r = m_store->apply(batch->transactions);
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
        if (!r) {
            failed(r.error(), "applying a batch");
            scheduleRetry();
            return;
        }
        m_queue.pop_front();
        constexpr auto rel = std::memory_order_relaxed;
        m_stats.applied.fetch_add(r->applied, rel);
        m_stats.duplicates.fetch_add(r->duplicates, rel);
        m_stats.late.fetch_add(r->late, rel);
        m_stats.storeBatches.fetch_add(1, rel);
        m_stats.storeLastBatchUs.store(us.count(), rel);
        m_appliedTotal += r->applied;
        if (r->future > 0)
            qCDebug(lcStore) << r->future << "transactions more than" << kFutureSkewSeconds
                             << "s in the future were counted in the current minute";
        succeeded();
        Q_EMIT batchApplied(batch);
    }
}

void Aggregator::failed(const Error &error, const char *what)
{
    m_stats.storeErrors.fetch_add(1, std::memory_order_relaxed);
    if (m_options.mode == Mode::Pipeline)
        m_stats.setRedisState(m_everConnected ? ComponentState::Reconnecting : ComponentState::Down);
    const QString message = QStringLiteral("%1: %2").arg(QLatin1String(what), error.message);
    if (message != m_lastError) // once per distinct error, not once per retry
        qCWarning(lcStore).noquote() << message << (error.retriable ? "(retrying)" : "(retrying, but this looks permanent)");
    m_lastError = message;
}

void Aggregator::succeeded()
{
    m_everConnected = true;
    m_retryDelayMs = 0;
    if (m_options.mode == Mode::Pipeline)
        m_stats.setRedisState(ComponentState::Connected);
    if (!m_lastError.isEmpty() && !m_retryTimer.isActive())
        qCInfo(lcStore) << "store recovered";
    m_lastError.clear();
}

void Aggregator::scheduleRetry()
{
    if (m_retryTimer.isActive())
        return;
    m_retryDelayMs = m_retryDelayMs == 0 ? m_options.retryInitialMs : std::min(m_retryDelayMs * 2, m_options.retryMaxMs);
    m_retryTimer.start(m_retryDelayMs);
}

void Aggregator::refreshSnapshot()
{
    if (m_stopped)
        return;
    QString error;
    if (m_store || (!m_retryTimer.isActive() && ensureStore())) {
        if (!m_options.readOnly) {
            if (auto lost = m_store->checkDataLost(); !lost) {
                failed(lost.error(), "checking the store's epoch");
                error = m_lastError;
            } else if (*lost) {
                qCInfo(lcStore) << "the store holds none of the window: rebuilding it from the log";
                Q_EMIT storeDataLost();
            }
            auto e = m_store->expire();
            if (!e) {
                failed(e.error(), "expiring the window");
                error = m_lastError;
            }
        }
        ReadRequest request;
        request.minutes = kChartWindowMinutes;
        request.topN = m_options.topN;
        auto view = m_store->read(request);
        if (view) {
            if (view->latest != m_view.latest) {
                m_parsed.clear();
                m_parsed.reserve(view->latest.size());
                for (const QByteArray &raw : view->latest) {
                    ParseOutcome o = m_parser->parse(raw);
                    if (o.kind == ParseOutcome::Kind::Transaction)
                        m_parsed.push_back(std::move(o.tx));
                }
            }
            m_view = std::move(*view);
            m_ready = true;
            if (error.isEmpty() && m_queue.empty() && m_gaps.empty())
                succeeded();
        } else {
            failed(view.error(), "reading the store");
        }
    }

    auto s = std::make_shared<Snapshot>();
    s->generatedMs = m_ready ? m_view.nowMs : QDateTime::currentMSecsSinceEpoch();
    s->mode = m_options.mode;
    s->role = m_options.role;
    s->ready = m_ready;
    s->view = m_view;
    s->latest = m_parsed;
    s->stats = m_stats.sample();
    s->txPerSecond = m_rate.sample(m_elapsed.isValid() ? m_elapsed.elapsed() : 0, m_appliedTotal);
    s->lastError = m_lastError;
    m_hub.publish(std::move(s));
    Q_EMIT snapshotPublished();
}

} // namespace txpulse
