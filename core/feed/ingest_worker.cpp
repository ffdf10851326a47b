#include "feed/ingest_worker.h"

#include "feed/feed_recorder.h"
#include "feed/flow_credit.h"
#include "support/logging.h"

#include <QTimer>

namespace txpulse {

IngestWorker::IngestWorker(Stats &stats, const Clock &clock, IngestOptions options, QObject *parent)
    : QObject(parent)
    , m_stats(stats)
    , m_options(std::move(options))
    , m_rejectLog(clock)
    , m_batchTimer(new QTimer(this))
{
    m_options.batchMaxCount = std::max(1, m_options.batchMaxCount);
    m_batchTimer->setSingleShot(true);
    m_batchTimer->setInterval(std::max(0, m_options.batchMaxDelayMs));
    connect(m_batchTimer, &QTimer::timeout, this, &IngestWorker::emitBatch);

    if (!m_options.recordFile.isEmpty()) {
        // Opened now so a bad path shows in the log at start-up; the recorder is our child and moves with us.
        m_recorder = new FeedRecorder(this);
        m_recorder->open(m_options.recordFile);
    }
}

IngestWorker::~IngestWorker() = default;

bool IngestWorker::isRecording() const
{
    return m_recorder && m_recorder->isRecording();
}

void IngestWorker::handleMessage(const QByteArray &raw, qint64 receivedMs)
{
    if (m_recorder)
        m_recorder->append(raw);

    ParseOutcome outcome = m_parser.parse(raw);
    switch (outcome.kind) {
    case ParseOutcome::Kind::Transaction:
        m_stats.feedTransactions.fetch_add(1, std::memory_order_relaxed);
        outcome.tx.receivedMs = receivedMs; // travels to Kafka as the message timestamp
        outcome.tx.sequence = ++m_txSequence; // and this as its "seq" header: arrival order within a millisecond
        if (!m_pending) {
            m_pending = std::make_shared<TxBatch>();
            m_pending->transactions.reserve(std::size_t(m_options.batchMaxCount));
            m_batchTimer->start();
        }
        m_pending->transactions.push_back(std::move(outcome.tx));
        if (m_pending->transactions.size() >= std::size_t(m_options.batchMaxCount))
            emitBatch();
        break;
    case ParseOutcome::Kind::Ignored:
        m_stats.feedIgnored.fetch_add(1, std::memory_order_relaxed);
        break;
    case ParseOutcome::Kind::Rejected:
        m_stats.countReject(outcome.error);
        m_rejectLog.note(outcome.error, outcome.detail, raw);
        break;
    }
    // A transaction's credit travels with its batch (emitBatch()); anything else ends here.
    if (outcome.kind != ParseOutcome::Kind::Transaction && m_credit)
        m_credit->release(1);
}

void IngestWorker::handleMessages(const QList<QByteArray> &raws, qint64 receivedMs)
{
    for (const QByteArray &raw : raws)
        handleMessage(raw, receivedMs);
}

void IngestWorker::flush()
{
    emitBatch();
    if (m_recorder)
        m_recorder->flush();
}

void IngestWorker::emitBatch()
{
    m_batchTimer->stop();
    if (!m_pending || m_pending->transactions.empty())
        return;
    m_pending->sequence = ++m_sequence;
    if (m_credit)
        m_pending->credit = m_credit->lease(qint64(m_pending->transactions.size()));
    TxBatchPtr batch = std::move(m_pending);
    m_pending.reset();
    Q_EMIT batchReady(batch);
}

} // namespace txpulse
