#pragma once

// Realistic synthetic snapshots for the UI tests and the screenshot/stall demo: 180 minutes of counts with
// a feed gap, the top 100 addresses of a long-tailed ranking and the latest 100 transactions with raw
// blockchain.com-style messages. Deterministic for a given seed.

#include "store/snapshot.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <random>

namespace txpulse::test {

struct SyntheticOptions {
    std::int64_t nowMs = 1'764'331'230'000; // 2025-11-28 12:00:30 UTC: 30 s into the current minute
    unsigned seed = 42;
    int minutes = kChartWindowMinutes;
    int gapFrom = 150;        // minute indexes (0 = oldest) of a feed gap; -1 for none
    int gapTo = 156;          // exclusive
    int addresses = 100;
    int transactions = 100;
    double txPerSecond = 6.5;
    Mode mode = Mode::Standalone;
    QString lastError;
};

inline std::string randomText(std::mt19937 &rng, const char *alphabet, int length)
{
    const std::string a(alphabet);
    std::uniform_int_distribution<std::size_t> pick(0, a.size() - 1);
    std::string s;
    for (int i = 0; i < length; ++i)
        s += a[pick(rng)];
    return s;
}

inline std::string randomAddress(std::mt19937 &rng)
{
    static const char *bech32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    static const char *base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    switch (std::uniform_int_distribution<int>(0, 9)(rng)) {
    case 0:
    case 1: return "1" + randomText(rng, base58, 33);
    case 2:
    case 3: return "3" + randomText(rng, base58, 33);
    case 4: return "bc1p" + randomText(rng, bech32, 58);
    default: return "bc1q" + randomText(rng, bech32, 38);
    }
}

inline Transaction syntheticTransaction(std::mt19937 &rng, std::int64_t time)
{
    Transaction tx;
    tx.hash = randomText(rng, "0123456789abcdef", 64);
    tx.time = time;
    const int nIn = std::uniform_int_distribution<int>(1, 4)(rng) + (std::uniform_int_distribution<int>(0, 19)(rng) == 0 ? 30 : 0);
    const int nOut = std::uniform_int_distribution<int>(1, 3)(rng) + (std::uniform_int_distribution<int>(0, 24)(rng) == 0 ? 40 : 0);
    std::lognormal_distribution<double> value(15.0, 2.2);
    QJsonArray inputs;
    for (int i = 0; i < nIn; ++i) {
        TxInput in;
        in.address = randomAddress(rng);
        in.value = std::min<std::int64_t>(static_cast<std::int64_t>(value(rng)), 5'000'000'000'000);
        tx.totalIn += *in.value;
        inputs.append(QJsonObject{{QStringLiteral("sequence"), 4294967293.0},
                                  {QStringLiteral("prev_out"),
                                   QJsonObject{{QStringLiteral("spent"), true},
                                               {QStringLiteral("addr"), QString::fromStdString(*in.address)},
                                               {QStringLiteral("value"), static_cast<double>(*in.value)},
                                               {QStringLiteral("type"), 0}}},
                                  {QStringLiteral("script"), QStringLiteral("")}});
        tx.inputs.push_back(in);
    }
    const std::int64_t fee = std::min<std::int64_t>(tx.totalIn / 50, 200 + std::uniform_int_distribution<int>(0, 40000)(rng));
    std::int64_t remaining = tx.totalIn - fee;
    QJsonArray outs;
    for (int i = 0; i < nOut; ++i) {
        TxOutput out;
        const bool opReturn = i == 0 && nOut > 1 && std::uniform_int_distribution<int>(0, 14)(rng) == 0;
        if (!opReturn) {
            out.value = i + 1 == nOut ? remaining : remaining / 2;
            out.address = randomAddress(rng);
        }
        remaining -= out.value;
        tx.totalOut += out.value;
        outs.append(QJsonObject{{QStringLiteral("spent"), false},
                                {QStringLiteral("addr"), out.address ? QJsonValue(QString::fromStdString(*out.address))
                                                                     : QJsonValue(QJsonValue::Null)},
                                {QStringLiteral("value"), static_cast<double>(out.value)},
                                {QStringLiteral("n"), i},
                                {QStringLiteral("type"), 0}});
        tx.outputs.push_back(out);
    }
    tx.fee = tx.totalIn - tx.totalOut;
    tx.size = 110 + 68 * nIn + 34 * nOut;
    const QJsonObject x{{QStringLiteral("lock_time"), 0},
                        {QStringLiteral("ver"), 2},
                        {QStringLiteral("size"), static_cast<double>(tx.size)},
                        {QStringLiteral("inputs"), inputs},
                        {QStringLiteral("time"), static_cast<double>(time)},
                        {QStringLiteral("tx_index"), 0},
                        {QStringLiteral("vin_sz"), nIn},
                        {QStringLiteral("hash"), QString::fromStdString(tx.hash)},
                        {QStringLiteral("vout_sz"), nOut},
                        {QStringLiteral("relayed_by"), QStringLiteral("0.0.0.0")},
                        {QStringLiteral("out"), outs}};
    tx.raw = QJsonDocument(QJsonObject{{QStringLiteral("op"), QStringLiteral("utx")}, {QStringLiteral("x"), x}})
                 .toJson(QJsonDocument::Compact);
    return tx;
}

inline std::shared_ptr<Snapshot> syntheticSnapshot(const SyntheticOptions &o = {})
{
    std::mt19937 rng(o.seed);
    auto s = std::make_shared<Snapshot>();
    s->generatedMs = o.nowMs;
    s->mode = o.mode;
    s->ready = true;
    s->txPerSecond = o.txPerSecond;
    s->lastError = o.lastError;
    StoreView &v = s->view;
    v.nowMs = o.nowMs;
    const std::int64_t nowMinute = Transaction::floorDiv(o.nowMs, 60'000);
    std::normal_distribution<double> noise(0, 28);
    for (int i = 0; i < o.minutes; ++i) {
        MinuteBucket b;
        b.minute = nowMinute - (o.minutes - 1) + i;
        const double base = 360 + 110 * std::sin(i / 23.0) + 45 * std::sin(i / 7.0);
        b.count = std::max<std::int64_t>(0, std::llround(base + noise(rng)));
        if (i >= o.gapFrom && i < o.gapTo) {
            b.count = 0;
            b.gap = true;
        }
        if (i == o.minutes - 1) // the current minute, half through
            b.count = b.count * (o.nowMs % 60'000) / 60'000;
        v.minutes.push_back(b);
    }
    if (o.gapFrom >= 0 && o.gapFrom < o.minutes)
        v.gaps.push_back(Gap{(nowMinute - (o.minutes - 1) + o.gapFrom) * 60'000,
                             (nowMinute - (o.minutes - 1) + o.gapTo) * 60'000});

    // A long tail: a few addresses (exchanges, consolidations) receive most of the value.
    double top = 1.8e10 + std::uniform_real_distribution<double>(0, 4e9)(rng);
    for (int i = 0; i < o.addresses; ++i) {
        v.top.push_back(AddressTotal{randomAddress(rng), static_cast<std::int64_t>(top)});
        top *= std::uniform_real_distribution<double>(0.80, 0.985)(rng);
    }
    v.rankedAddresses = 48'213 + o.addresses;
    v.rankedSatoshis = 0;
    for (const AddressTotal &a : v.top)
        v.rankedSatoshis += a.satoshis;
    v.rankedSatoshis = v.rankedSatoshis * 3; // the long tail below the top 100

    const std::int64_t nowSeconds = o.nowMs / 1000;
    for (int i = 0; i < o.transactions; ++i) {
        Transaction tx = syntheticTransaction(rng, nowSeconds - i / 6);
        v.latest.push_back(tx.raw);
        s->latest.push_back(std::move(tx));
    }

    StatsSample &st = s->stats;
    st.feedState = ComponentState::Connected;
    st.kafkaState = o.mode == Mode::Pipeline ? ComponentState::Connected : ComponentState::Disabled;
    st.redisState = o.mode == Mode::Pipeline ? ComponentState::Connected : ComponentState::Disabled;
    st.feedConnectedSinceMs = o.nowMs - 24 * 60'000;
    st.feedMessages = 61'234;
    st.feedTransactions = 61'190;
    st.feedRejected = 3;
    st.feedReconnects = 1;
    st.applied = 61'160;
    st.duplicates = 30;
    return s;
}

} // namespace txpulse::test
