#pragma once

#include <QByteArray>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace txpulse {

// Bitcoin's supply cap in satoshis; no single value in a message may exceed it.
inline constexpr std::int64_t kMaxSatoshis = 2'100'000'000'000'000;

struct TxInput {
    std::optional<std::string> address; // prev_out.addr; absent for some script types
    std::optional<std::int64_t> value;  // prev_out.value in satoshis; absent in a few legacy messages
};

struct TxOutput {
    std::optional<std::string> address; // null or missing for OP_RETURN and other address-less outputs
    std::int64_t value = 0;             // satoshis
};

// One unconfirmed transaction as announced by the feed ({"op":"utx"}).
// A plain value: cheap to move, safe to copy across threads. `raw` is the feed message exactly as received
// (implicitly shared), which is what Kafka stores and what /show_transactions serves.
struct Transaction {
    std::string hash;       // 64 lowercase or uppercase hex characters, as received
    std::int64_t time = 0;  // x.time: Unix seconds (UTC) when blockchain.com saw it; the event time
    std::int64_t size = 0;  // x.size in bytes
    std::vector<TxInput> inputs;
    std::vector<TxOutput> outputs;
    std::int64_t totalIn = 0;          // sum of inputs[].prev_out.value that are present
    std::int64_t totalOut = 0;         // sum of out[].value
    std::optional<std::int64_t> fee;   // totalIn - totalOut when every input carries a value
    QByteArray raw;
    std::int64_t receivedMs = 0;       // wall-clock ms when our feed client received it (0: unknown);
                                       // travels as the Kafka message's timestamp (CreateTime)
    std::uint64_t sequence = 0;        // its running number in the ingest process that received it (0:
                                       // unknown): arrival order among messages of the same millisecond;
                                       // travels as the Kafka header "seq" (decimal)

    std::int64_t minute() const { return floorDiv(time, 60); }

    static constexpr std::int64_t floorDiv(std::int64_t a, std::int64_t b)
    {
        return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
    }
};

} // namespace txpulse
