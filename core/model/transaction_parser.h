#pragma once

#include "model/parse_error.h"
#include "model/transaction.h"

#include <QByteArrayView>

#include <memory>
#include <string>

namespace txpulse {

// The result of parsing one feed message.
struct ParseOutcome {
    enum class Kind { Transaction, Ignored, Rejected };
    Kind kind = Kind::Rejected;
    Transaction tx;          // Kind::Transaction only; tx.raw is the message as given
    std::string op;          // the "op" value when known (Ignored: what was ignored, e.g. "pong", "block")
    ParseError error = ParseError::InvalidJson; // Kind::Rejected only
    std::string detail;      // Kind::Rejected: a short human reason ("inputs[3].prev_out.value is negative")
};

// Parses blockchain.com {"op":"utx"} messages with simdjson On-Demand. Tolerant where real data varies
// (legacy format, null or missing addr, lock_time as a string, missing ver/n/script/sequence, extra fields),
// strict where it matters (hash, values, array sizes). Never throws, never crashes on any input.
//
// Holds a reusable simdjson parser and padded buffer: one TransactionParser per thread, not shared.
class TransactionParser {
public:
    static constexpr qsizetype kMaxMessageBytes = 4 * 1024 * 1024; // far above the largest real message
    static constexpr std::size_t kMaxItems = 20000;                // inputs or outputs per transaction

    TransactionParser();
    ~TransactionParser();
    TransactionParser(const TransactionParser &) = delete;
    TransactionParser &operator=(const TransactionParser &) = delete;

    // `message` is one text frame as received. `raw`, when given, is stored in the Transaction as-is
    // (pass the QByteArray you already hold to share it instead of copying).
    ParseOutcome parse(QByteArrayView message);
    ParseOutcome parse(const QByteArray &raw) { return parse(QByteArrayView(raw), raw); }
    ParseOutcome parse(QByteArrayView message, const QByteArray &raw);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace txpulse
