// libFuzzer entry point for TransactionParser: any input must be parsed without crashing, throwing,
// leaking or touching memory it does not own (ASan/UBSan), and whatever is accepted must satisfy the
// invariants the rest of the pipeline relies on. A violated invariant aborts, which libFuzzer reports.

#include "model/transaction_parser.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using txpulse::ParseOutcome;

namespace {

#define require(cond) check((cond), #cond)

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

bool isHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    static txpulse::TransactionParser parser; // reused, as in production
    const QByteArrayView message(data, static_cast<qsizetype>(size));
    const ParseOutcome r = parser.parse(message);
    switch (r.kind) {
    case ParseOutcome::Kind::Transaction: {
        const txpulse::Transaction &tx = r.tx;
        require(r.op == "utx");
        require(tx.hash.size() == 64);
        for (const char c : tx.hash)
            require(isHex(c));
        require(tx.time > 0);
        require(tx.size >= 0);
        require(!tx.outputs.empty());
        require(tx.outputs.size() <= txpulse::TransactionParser::kMaxItems);
        require(tx.inputs.size() <= txpulse::TransactionParser::kMaxItems);
        std::int64_t out = 0;
        for (const auto &o : tx.outputs) {
            require(o.value >= 0 && o.value <= txpulse::kMaxSatoshis);
            out += o.value;
        }
        require(out == tx.totalOut && out <= txpulse::kMaxSatoshis);
        std::int64_t in = 0;
        bool all = !tx.inputs.empty();
        for (const auto &i : tx.inputs) {
            all = all && i.value.has_value();
            if (i.value) {
                require(*i.value >= 0 && *i.value <= txpulse::kMaxSatoshis);
                in += *i.value;
            }
        }
        require(in == tx.totalIn);
        if (tx.fee)
            require(all && *tx.fee == in - out && *tx.fee >= 0);
        require(tx.raw == message);
        break;
    }
    case ParseOutcome::Kind::Ignored:
        require(r.op != "utx");
        break;
    case ParseOutcome::Kind::Rejected:
        require(!r.detail.empty());
        break;
    }
    return 0;
}
