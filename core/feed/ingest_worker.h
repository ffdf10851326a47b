#pragma once

#include "feed/reject_log.h"
#include "support/stats.h"
#include "model/transaction_parser.h"
#include "model/tx_batch.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

class QTimer;

namespace txpulse {

class Clock;
class FeedRecorder;
class FlowCredit;

struct IngestOptions {
    QString recordFile;        // non-empty: append every raw message here (see FeedRecorder)
    int batchMaxCount = 512;   // emit a batch when this many transactions are pending...
    int batchMaxDelayMs = 20;  // ...or this long after the first pending one, whichever comes first
};

// Turns raw feed messages into batches of Transactions: parses each with its own TransactionParser, counts
// accepted, ignored (pong, block, ...) and rejected messages (by reason) in the shared Stats, logs rejects
// at a bounded rate, optionally records every raw message, and emits accepted transactions as
// batchReady(TxBatchPtr) in batches of at most batchMaxCount, at most batchMaxDelayMs after the first one.
//
// Thread affinity: its own QThread. The composition root creates it without a parent, moveToThread()s it
// and connects FeedClient::messageReceived to handleMessage (queued). Stats and Clock are borrowed and must
// outlive it. Teardown: invoke flush() (queued, or blocking-queued) so the last partial batch goes out and
// the record file is flushed, then quit the thread; the destructor closes the record file.
class IngestWorker : public QObject {
    Q_OBJECT

public:
    IngestWorker(Stats &stats, const Clock &clock, IngestOptions options = {}, QObject *parent = nullptr);
    ~IngestWorker() override;

    bool isRecording() const;
    // Before the first message. Gives back the feed's credit (FlowCredit) of a message that is not a
    // transaction once it is parsed, and attaches a lease for the transactions to every batch (TxBatch::credit).
    void setFlowCredit(FlowCredit *credit) { m_credit = credit; }

public Q_SLOTS:
    void handleMessage(const QByteArray &raw, qint64 receivedMs);
    void handleMessages(const QList<QByteArray> &raws, qint64 receivedMs);
    void flush();

Q_SIGNALS:
    void batchReady(txpulse::TxBatchPtr batch);

private:
    void emitBatch();

    Stats &m_stats;
    IngestOptions m_options;
    TransactionParser m_parser;
    RejectLog m_rejectLog;
    FeedRecorder *m_recorder = nullptr;
    FlowCredit *m_credit = nullptr;
    QTimer *m_batchTimer;
    std::shared_ptr<TxBatch> m_pending;
    std::uint64_t m_sequence = 0;   // batches emitted
    std::uint64_t m_txSequence = 0; // transactions accepted (Transaction::sequence)
};

} // namespace txpulse
