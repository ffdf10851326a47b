#pragma once

#include "model/transaction.h"

#include <QByteArray>

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>
#include <vector>

namespace txpulse {

// The latest `capacity` transactions by arrival, each hash once: what the ingest role, which keeps no window,
// serves as /show_transactions and /api/v1/transactions. A hash already listed keeps its first arrival (as in
// the stores, where a redelivery is a duplicate); one that has left the list may come back.
//
// A plain value type, not thread-safe: it belongs to one worker (IngestView). Memory is bounded by `capacity`
// transactions, whatever arrives: add() copies only the transactions that stay.
class LatestRing {
public:
    explicit LatestRing(std::size_t capacity);

    // `arrived` in arrival order, oldest first (a TxBatch's order).
    void add(const std::vector<Transaction> &arrived);

    std::size_t size() const { return m_items.size(); }
    std::size_t capacity() const { return m_capacity; }
    std::vector<Transaction> newestFirst() const;
    std::vector<QByteArray> rawNewestFirst() const; // the feed messages as received

private:
    std::size_t m_capacity;
    std::deque<Transaction> m_items;            // oldest first
    std::unordered_set<std::string> m_hashes;   // of m_items
};

} // namespace txpulse
