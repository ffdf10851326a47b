#include "feed/ingest_view.h"

#include "support/clock.h"

#include <algorithm>

namespace txpulse {

IngestView::IngestView(SnapshotHub &hub, Stats &stats, const Clock &clock, Options options, QObject *parent)
    : QObject(parent), m_hub(hub), m_stats(stats), m_clock(clock), m_options(options), m_timer(this),
      m_latest(kLatestCount)
{
    m_timer.setInterval(std::max(10, m_options.snapshotIntervalMs));
    connect(&m_timer, &QTimer::timeout, this, &IngestView::publish);
}

void IngestView::start()
{
    m_elapsed.start();
    publish();
    m_timer.start();
}

void IngestView::add(TxBatchPtr batch)
{
    if (!batch || batch->transactions.empty())
        return;
    m_latest.add(batch->transactions);
    m_added += std::int64_t(batch->transactions.size());
    m_changed = true;
}

void IngestView::publish()
{
    if (m_changed) {
        m_raw = m_latest.rawNewestFirst();
        m_parsed = m_latest.newestFirst();
        m_changed = false;
    }
    auto s = std::make_shared<Snapshot>();
    s->generatedMs = m_clock.nowMs();
    s->mode = m_options.mode;
    s->role = Role::Ingest;
    s->ready = true; // nothing to read first: the counters and the ring are here
    s->view.nowMs = s->generatedMs;
    s->view.latest = m_raw;
    s->latest = m_parsed;
    s->stats = m_stats.sample();
    s->txPerSecond = m_rate.sample(m_elapsed.isValid() ? m_elapsed.elapsed() : 0, m_added);
    m_hub.publish(std::move(s));
    Q_EMIT snapshotPublished();
}

} // namespace txpulse
