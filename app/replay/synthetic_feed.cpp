#include "replay/synthetic_feed.h"

#include <QCryptographicHash>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <numbers>

namespace txpulse {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void appendHex(std::string &out, const std::uint8_t *data, std::size_t n)
{
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(kHexDigits[data[i] >> 4]);
        out.push_back(kHexDigits[data[i] & 0xf]);
    }
}

// BIP 173 / BIP 350 segwit addresses.
// The generator terms of the BCH checksum, combined for each of the 32 values of the top 5 bits: one lookup per
// character instead of five data-dependent branches, which the CPU mispredicts half the time on random
// programs (bech32Polymod was ~20 % of generating a synthetic message in perf).
constexpr std::array<std::uint32_t, 32> kPolymodTerms = [] {
    constexpr std::array<std::uint32_t, 5> gen = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    std::array<std::uint32_t, 32> terms{};
    for (std::size_t top = 0; top < 32; ++top) {
        for (std::size_t i = 0; i < 5; ++i) {
            if ((top >> i) & 1)
                terms[top] ^= gen[i];
        }
    }
    return terms;
}();

std::uint32_t bech32Polymod(const std::vector<std::uint8_t> &values)
{
    std::uint32_t chk = 1;
    for (const std::uint8_t v : values) {
        const std::uint32_t top = chk >> 25;
        chk = (((chk & 0x1ffffff) << 5) ^ v) ^ kPolymodTerms[top];
    }
    return chk;
}

std::string segwitAddress(int version, const std::uint8_t *program, std::size_t n)
{
    static constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    std::vector<std::uint8_t> data{static_cast<std::uint8_t>(version)};
    int acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        acc = ((acc << 8) | program[i]) & 0xfff;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            data.push_back(static_cast<std::uint8_t>((acc >> bits) & 31));
        }
    }
    if (bits > 0)
        data.push_back(static_cast<std::uint8_t>((acc << (5 - bits)) & 31));

    std::vector<std::uint8_t> values{3, 3, 0, 2, 3}; // "bc" expanded: high bits, 0, low bits
    values.insert(values.end(), data.begin(), data.end());
    values.resize(values.size() + 6, 0);
    const std::uint32_t constant = version == 0 ? 1 : 0x2bc830a3;
    const std::uint32_t mod = bech32Polymod(values) ^ constant;

    std::string out = "bc1";
    for (const std::uint8_t d : data)
        out.push_back(kCharset[d]);
    for (int i = 0; i < 6; ++i)
        out.push_back(kCharset[(mod >> (5 * (5 - i))) & 31]);
    return out;
}

std::string base58Check(std::uint8_t version, const std::uint8_t *payload, std::size_t n)
{
    static constexpr char kAlphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    QByteArray bytes(1, static_cast<char>(version));
    bytes.append(reinterpret_cast<const char *>(payload), static_cast<qsizetype>(n));
    const QByteArray check = QCryptographicHash::hash(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256),
                                                      QCryptographicHash::Sha256);
    bytes.append(check.left(4));

    std::vector<std::uint8_t> digits; // base 58, least significant first
    for (const char c : bytes) {
        int carry = static_cast<std::uint8_t>(c);
        for (std::uint8_t &d : digits) {
            carry += 256 * d;
            d = static_cast<std::uint8_t>(carry % 58);
            carry /= 58;
        }
        while (carry > 0) {
            digits.push_back(static_cast<std::uint8_t>(carry % 58));
            carry /= 58;
        }
    }
    std::string out;
    for (const char c : bytes) {
        if (c != 0)
            break;
        out.push_back('1');
    }
    for (auto it = digits.rbegin(); it != digits.rend(); ++it)
        out.push_back(kAlphabet[*it]);
    return out;
}

void appendInt(std::string &out, std::int64_t v)
{
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v); // the digits of "%lld", without printf's parsing
    out.append(buf, r.ptr);
}

} // namespace

SyntheticFeed::SyntheticFeed(const Options &options) : m_options(options), m_rng(options.seed)
{
    m_pool.reserve(static_cast<std::size_t>(std::max(0, options.addressPoolSize)));
    for (int i = 0; i < options.addressPoolSize; ++i)
        m_pool.push_back(makeAddress(pickType()));
}

double SyntheticFeed::uniform()
{
    // 53 random bits in [0, 1): identical on every platform, unlike std::uniform_real_distribution.
    return static_cast<double>(m_rng() >> 11) * 0x1.0p-53;
}

double SyntheticFeed::normal()
{
    // Box-Muller; the second variate is dropped to keep the state simple.
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

SyntheticFeed::AddrType SyntheticFeed::pickType()
{
    // Among addressed outputs: 51% P2WPKH, 20.5% P2TR, 15.3% P2PKH, 13.2% P2SH (OP_RETURN is the other 2%).
    const double u = uniform();
    if (u < 0.51)
        return AddrType::P2WPKH;
    if (u < 0.715)
        return AddrType::P2TR;
    if (u < 0.868)
        return AddrType::P2PKH;
    return AddrType::P2SH;
}

SyntheticFeed::Address SyntheticFeed::makeAddress(AddrType type)
{
    std::array<std::uint8_t, 32> program{};
    for (auto &b : program)
        b = static_cast<std::uint8_t>(m_rng());
    Address a{type, {}, {}};
    switch (type) {
    case AddrType::P2WPKH:
        a.addr = segwitAddress(0, program.data(), 20);
        a.script = "0014";
        appendHex(a.script, program.data(), 20);
        break;
    case AddrType::P2TR:
        a.addr = segwitAddress(1, program.data(), 32);
        a.script = "5120";
        appendHex(a.script, program.data(), 32);
        break;
    case AddrType::P2PKH:
        a.addr = base58Check(0x00, program.data(), 20);
        a.script = "76a914";
        appendHex(a.script, program.data(), 20);
        a.script += "88ac";
        break;
    case AddrType::P2SH:
        a.addr = base58Check(0x05, program.data(), 20);
        a.script = "a914";
        appendHex(a.script, program.data(), 20);
        a.script += "87";
        break;
    }
    return a;
}

const SyntheticFeed::Address &SyntheticFeed::pickAddress(Address &scratch)
{
    if (!m_pool.empty() && uniform() < m_options.poolShare) {
        // Zipf-like popularity: a few pool addresses take most of the pool's share.
        const double u = uniform();
        const auto i = static_cast<std::size_t>(static_cast<double>(m_pool.size()) * u * u * u);
        return m_pool[std::min(i, m_pool.size() - 1)];
    }
    scratch = makeAddress(pickType());
    return scratch;
}

int SyntheticFeed::pickInputCount()
{
    const double u = uniform();
    if (u < 0.62)
        return 1;
    if (u < 0.82)
        return 2;
    if (u < 0.89)
        return 3;
    if (u < 0.97)
        return 4 + static_cast<int>(uniform() * 7); // 4..10
    return 11 + static_cast<int>(uniform() * uniform() * 50); // long tail up to 60
}

int SyntheticFeed::pickOutputCount()
{
    const double u = uniform();
    if (u < 0.14)
        return 1;
    if (u < 0.80)
        return 2;
    if (u < 0.92)
        return 3 + static_cast<int>(uniform() * 3); // 3..5
    if (u < 0.985)
        return 6 + static_cast<int>(uniform() * 15); // 6..20
    return 21 + static_cast<int>(uniform() * uniform() * 80); // long tail up to 100 (batched payouts)
}

std::int64_t SyntheticFeed::logNormalValue(double median, double sigma, std::int64_t lo, std::int64_t hi)
{
    const double v = median * std::exp(sigma * normal());
    return std::clamp(static_cast<std::int64_t>(v), lo, hi);
}

std::string SyntheticFeed::randomHex(std::size_t bytes)
{
    std::string out;
    out.reserve(bytes * 2);
    for (std::size_t i = 0; i < bytes; i += 8) {
        std::uint64_t r = m_rng();
        const std::size_t n = std::min<std::size_t>(8, bytes - i);
        for (std::size_t k = 0; k < n; ++k, r >>= 8) {
            out.push_back(kHexDigits[(r >> 4) & 0xf]);
            out.push_back(kHexDigits[r & 0xf]);
        }
    }
    return out;
}

QByteArray SyntheticFeed::next(std::int64_t timeSeconds)
{
    struct Out {
        const Address *address; // null for OP_RETURN
        std::string opReturnScript;
        std::int64_t value;
    };
    struct In {
        Address address;
        std::int64_t value;
    };

    // Outputs first: their sum plus a fee decides what the inputs carry.
    const int nOut = pickOutputCount();
    std::vector<Address> outScratch(static_cast<std::size_t>(nOut));
    std::vector<Out> outs;
    outs.reserve(static_cast<std::size_t>(nOut));
    std::int64_t totalOut = 0;
    std::int64_t baseSize = 10;   // version, counts, lock_time
    std::int64_t witnessSize = 0; // bytes that do not count fully towards vsize
    for (int i = 0; i < nOut; ++i) {
        if (uniform() < 0.02) {
            std::string script = "6a24";
            script += randomHex(36);
            outs.push_back({nullptr, std::move(script), 0});
            baseSize += 8 + 1 + 38;
            continue;
        }
        const Address &a = pickAddress(outScratch[static_cast<std::size_t>(i)]);
        const std::int64_t value = logNormalValue(150'000, 2.2, 546, 50'000'000'000);
        totalOut += value;
        outs.push_back({&a, {}, value});
        baseSize += 8 + 1 + static_cast<std::int64_t>(a.script.size() / 2);
    }

    const int nIn = pickInputCount();
    std::vector<In> ins;
    ins.reserve(static_cast<std::size_t>(nIn));
    for (int i = 0; i < nIn; ++i) {
        Address scratch;
        const Address &a = pickAddress(scratch);
        ins.push_back({a, 0});
        baseSize += 41; // outpoint, script length, sequence
        switch (a.type) {
        case AddrType::P2WPKH: witnessSize += 108; break;
        case AddrType::P2TR: witnessSize += 66; break;
        case AddrType::P2PKH: baseSize += 107; break;
        case AddrType::P2SH: baseSize += 23; witnessSize += 108; break; // P2SH-wrapped P2WPKH
        }
    }
    if (witnessSize > 0)
        witnessSize += 2; // segwit marker and flag
    const std::int64_t size = baseSize + witnessSize;
    const std::int64_t vsize = (4 * baseSize + witnessSize + 3) / 4;
    const std::int64_t fee = vsize * logNormalValue(4, 0.9, 1, 500);

    // Split total in = out + fee across the inputs in random proportions.
    std::int64_t totalIn = totalOut + fee;
    std::vector<double> weights(static_cast<std::size_t>(nIn));
    double weightSum = 0;
    for (double &w : weights) {
        w = 0.1 + uniform();
        weightSum += w;
    }
    std::int64_t assigned = 0;
    for (int i = 0; i < nIn; ++i) {
        const auto idx = static_cast<std::size_t>(i);
        const std::int64_t v = i + 1 == nIn ? totalIn - assigned
                                            : static_cast<std::int64_t>(static_cast<double>(totalIn) * weights[idx] / weightSum);
        ins[idx].value = v;
        assigned += v;
    }

    const std::string hash = randomHex(32);
    const bool v2 = uniform() < 0.85;
    const std::int64_t lockTime = uniform() < 0.6 ? 0 : 870'000 + static_cast<std::int64_t>(uniform() * 50'000);

    std::string json;
    json.reserve(static_cast<std::size_t>(300 + 330 * nIn + 200 * nOut));
    json += R"({"op":"utx","x":{"lock_time":)";
    appendInt(json, lockTime);
    json += v2 ? R"(,"ver":2,"size":)" : R"(,"ver":1,"size":)";
    appendInt(json, size);
    json += R"(,"inputs":[)";
    for (int i = 0; i < nIn; ++i) {
        const In &in = ins[static_cast<std::size_t>(i)];
        if (i > 0)
            json += ',';
        json += uniform() < 0.7 ? R"({"sequence":4294967293,)" : R"({"sequence":4294967295,)";
        json += R"("prev_out":{"spent":true,"tx_index":0,"type":0,"addr":")";
        json += in.address.addr;
        json += R"(","value":)";
        appendInt(json, in.value);
        json += R"(,"n":)";
        appendInt(json, static_cast<std::int64_t>(uniform() * uniform() * 8));
        json += R"(,"script":")";
        json += in.address.script;
        json += R"("},"script":")";
        if (in.address.type == AddrType::P2PKH)
            json += randomHex(107);
        else if (in.address.type == AddrType::P2SH)
            json += "160014" + randomHex(20);
        json += R"("})";
    }
    json += R"(],"time":)";
    appendInt(json, timeSeconds);
    json += R"(,"tx_index":0,"vin_sz":)";
    appendInt(json, nIn);
    json += R"(,"hash":")";
    json += hash;
    json += R"(","vout_sz":)";
    appendInt(json, nOut);
    json += R"(,"relayed_by":"0.0.0.0","out":[)";
    for (int i = 0; i < nOut; ++i) {
        const Out &o = outs[static_cast<std::size_t>(i)];
        if (i > 0)
            json += ',';
        json += R"({"spent":false,"tx_index":0,"type":0,"addr":)";
        if (o.address) {
            json += '"';
            json += o.address->addr;
            json += '"';
        } else {
            json += "null";
        }
        json += R"(,"value":)";
        appendInt(json, o.value);
        json += R"(,"n":)";
        appendInt(json, i);
        json += R"(,"script":")";
        json += o.address ? o.address->script : o.opReturnScript;
        json += R"("})";
    }
    json += "]}}";
    ++m_produced;
    return QByteArray(json.data(), static_cast<qsizetype>(json.size()));
}

} // namespace txpulse
