#pragma once

#include "model/transaction.h"

#include <QMetaType>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

namespace txpulse {

// Where a consumed batch ends in one partition: committing `nextOffset` says everything before it has been
// applied to the store.
struct PartitionOffset {
    QString topic;
    std::int32_t partition = 0;
    std::int64_t nextOffset = 0;
};

// A batch of transactions moving between workers (ingest -> producer or aggregator, consumer -> aggregator).
// Immutable once sent: it crosses threads as shared_ptr<const TxBatch>.
struct TxBatch {
    std::vector<Transaction> transactions;
    std::vector<PartitionOffset> offsets; // empty unless the batch came from Kafka
    std::uint64_t sequence = 0;           // the sender's running number, for acknowledgements
    // Feed backpressure (FlowCredit::lease()): releases the batch's credits when the last receiver drops it.
    std::shared_ptr<const void> credit;
};

using TxBatchPtr = std::shared_ptr<const TxBatch>;

} // namespace txpulse

Q_DECLARE_METATYPE(txpulse::TxBatchPtr)
