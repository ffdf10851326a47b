#pragma once

#include <QByteArray>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace txpulse {

// Generates realistic-looking blockchain.com {"op":"utx"} messages in the current format, for benchmarks,
// offline demos and tests that need 100k+ transactions. Address types in realistic proportions (P2WPKH
// bc1q ~50%, P2TR bc1p ~20%, P2PKH 1... ~15%, P2SH 3... ~13%, OP_RETURN outputs with "addr":null ~2%) with
// valid bech32/bech32m/base58check checksums; mostly 1-2 inputs and 2 outputs with a long tail up to dozens;
// log-normal values; x.size consistent with the counts and script types; inputs cover outputs plus a fee.
// A pool of recurring addresses (Zipf-like popularity) gives the address ranking heavy hitters.
//
// Deterministic: the same seed gives the same sequence of messages for the same times (it uses its own
// transforms over mt19937_64, not the implementation-defined std distributions). Hashes are unique within a
// sequence and, with overwhelming probability, across seeds. A plain value type; not thread-safe.
class SyntheticFeed {
public:
    struct Options {
        std::uint64_t seed = 1;
        int addressPoolSize = 1000;    // recurring addresses; 0 = every address fresh
        double poolShare = 0.3;        // share of addresses drawn from the pool
    };

    SyntheticFeed() : SyntheticFeed(Options{}) {}
    explicit SyntheticFeed(const Options &options);

    // The next message, with x.time = timeSeconds.
    QByteArray next(std::int64_t timeSeconds);
    // Messages produced so far.
    std::int64_t produced() const { return m_produced; }

private:
    enum class AddrType { P2WPKH, P2TR, P2PKH, P2SH };
    struct Address {
        AddrType type;
        std::string addr;
        std::string script; // scriptPubKey hex
    };

    double uniform();
    double normal();
    AddrType pickType();
    Address makeAddress(AddrType type);
    const Address &pickAddress(Address &scratch);
    int pickInputCount();
    int pickOutputCount();
    std::int64_t logNormalValue(double median, double sigma, std::int64_t lo, std::int64_t hi);
    std::string randomHex(std::size_t bytes);

    Options m_options;
    std::mt19937_64 m_rng;
    std::vector<Address> m_pool;
    std::int64_t m_produced = 0;
};

} // namespace txpulse
