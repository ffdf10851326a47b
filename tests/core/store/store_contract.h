#pragma once

// The Store contract, run against every implementation: tst_memory_store (unit) and tst_redis_store
// (integration) derive from StoreContract and say how to make a fresh, empty store.

#include "support/clock.h"
#include "store/store.h"
#include "replay/synthetic_feed.h"
#include "model/transaction_parser.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTest>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace storetest {

using namespace txpulse;

// A fixed "now" in the middle of a minute, far from the epoch, so TTL arithmetic is realistic.
inline constexpr std::int64_t kBaseMinute = 28'333'334; // 2023-11-14T22:14Z
inline constexpr std::int64_t kBaseMs = kBaseMinute * 60'000 + 30'000;

inline std::string hashOf(const std::string &seed)
{
    return QCryptographicHash::hash(QByteArray::fromStdString(seed), QCryptographicHash::Sha256).toHex().toStdString();
}

struct Out {
    const char *address; // nullptr: OP_RETURN
    std::int64_t value;
};

inline Transaction makeTx(const std::string &seed, std::int64_t timeSeconds, std::initializer_list<Out> outs)
{
    Transaction tx;
    tx.hash = hashOf(seed);
    tx.time = timeSeconds;
    for (const Out &o : outs) {
        TxOutput out;
        if (o.address)
            out.address = std::string(o.address);
        out.value = o.value;
        tx.outputs.push_back(out);
        tx.totalOut += o.value;
    }
    tx.raw = QByteArray("{\"op\":\"utx\",\"x\":{\"hash\":\"") + QByteArray::fromStdString(tx.hash)
        + QByteArray("\",\"time\":") + QByteArray::number(timeSeconds) + QByteArray("}}");
    return tx;
}

inline std::int64_t secondsAt(std::int64_t minute, int second = 10)
{
    return minute * 60 + second;
}

inline QString describe(const std::vector<AddressTotal> &v)
{
    QStringList parts;
    for (const auto &a : v)
        parts << QStringLiteral("%1=%2").arg(QString::fromStdString(a.address)).arg(a.satoshis);
    return parts.join(QLatin1Char(' '));
}

// Brute force: remembers every accepted transaction and recomputes every query from scratch.
class Oracle {
public:
    explicit Oracle(int windowMinutes) : m_window(windowMinutes) {}

    ApplyResult apply(const std::vector<Transaction> &batch, std::int64_t nowMs)
    {
        const std::int64_t nowMinute = Transaction::floorDiv(nowMs, 60'000);
        const std::int64_t floor = nowMinute - m_window;
        ApplyResult r;
        for (const Transaction &tx : batch) {
            const bool future = tx.time > nowMs / 1000 + kFutureSkewSeconds;
            const std::int64_t minute = future ? nowMinute : tx.minute();
            if (minute <= floor) {
                ++r.late;
                continue;
            }
            std::string h = tx.hash;
            std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return char(std::tolower(c)); });
            if (!m_seen.insert(h).second) {
                ++r.duplicates;
                continue;
            }
            ++r.applied;
            r.future += future;
            m_accepted.push_back({minute, tx});
        }
        return r;
    }

    std::vector<std::int64_t> counts(std::int64_t nowMs, int minutes) const
    {
        const std::int64_t nowMinute = Transaction::floorDiv(nowMs, 60'000);
        std::vector<std::int64_t> out(std::size_t(minutes), 0);
        for (const auto &[minute, tx] : m_accepted) {
            const std::int64_t i = minute - (nowMinute - minutes + 1);
            if (minute > nowMinute - m_window && i >= 0 && i < minutes)
                ++out[std::size_t(i)];
        }
        return out;
    }

    std::vector<AddressTotal> ranking(std::int64_t nowMs) const
    {
        const std::int64_t floor = Transaction::floorDiv(nowMs, 60'000) - m_window;
        std::map<std::string, std::int64_t> sums;
        for (const auto &[minute, tx] : m_accepted)
            if (minute > floor)
                for (const TxOutput &o : tx.outputs)
                    if (o.address && o.value > 0)
                        sums[*o.address] += o.value;
        std::vector<AddressTotal> out;
        for (const auto &[a, v] : sums)
            out.push_back({a, v});
        std::stable_sort(out.begin(), out.end(),
                         [](const AddressTotal &x, const AddressTotal &y) { return x.satoshis > y.satoshis; });
        return out;
    }

    std::vector<QByteArray> latest() const
    {
        std::vector<QByteArray> out;
        for (auto it = m_accepted.rbegin(); it != m_accepted.rend() && out.size() < std::size_t(kLatestCount); ++it)
            out.push_back(it->second.raw);
        return out;
    }

private:
    int m_window;
    std::unordered_set<std::string> m_seen; // the stream repeats a hash only with the same time
    std::vector<std::pair<std::int64_t, Transaction>> m_accepted;
};

} // namespace storetest

class StoreContract : public QObject {
    Q_OBJECT

protected:
    // A fresh, empty store (its own key space) reading time from `clock`.
    virtual std::unique_ptr<txpulse::Store> makeStore(const txpulse::Clock &clock, txpulse::StoreOptions options) = 0;
    std::unique_ptr<txpulse::Store> makeStore(const txpulse::Clock &clock)
    {
        return makeStore(clock, txpulse::StoreOptions{});
    }

    static txpulse::StoreView readAll(txpulse::Store &store, int minutes = txpulse::kChartWindowMinutes)
    {
        txpulse::ReadRequest req;
        req.minutes = minutes;
        req.topN = 1'000'000;
        auto v = store.read(req);
        if (!v)
            qFatal("read failed: %s", qPrintable(v.error().message));
        return std::move(*v);
    }

    // The first n of the ranking (a short top-N takes another path in some stores than the whole ranking).
    static std::vector<txpulse::AddressTotal> readTop(txpulse::Store &store, int n)
    {
        txpulse::ReadRequest req;
        req.minutes = 1;
        req.topN = n;
        auto v = store.read(req);
        if (!v)
            qFatal("read failed: %s", qPrintable(v.error().message));
        return std::move(v->top);
    }

    static txpulse::ApplyResult applyOk(txpulse::Store &store, const std::vector<txpulse::Transaction> &batch)
    {
        auto r = store.apply(batch);
        if (!r)
            qFatal("apply failed: %s", qPrintable(r.error().message));
        return *r;
    }

    static void expireOk(txpulse::Store &store)
    {
        auto r = store.expire();
        if (!r)
            qFatal("expire failed: %s", qPrintable(r.error().message));
    }

    static std::int64_t totalOf(const txpulse::StoreView &v, const std::string &address)
    {
        for (const auto &a : v.top)
            if (a.address == address)
                return a.satoshis;
        return 0;
    }

private Q_SLOTS:
    void idempotentApply_data()
    {
        QTest::addColumn<bool>("uppercaseRedelivery");
        QTest::newRow("same hash") << false;
        QTest::newRow("same hash in upper case") << true;
    }
    void idempotentApply()
    {
        using namespace storetest;
        QFETCH(bool, uppercaseRedelivery);
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        const std::vector<txpulse::Transaction> batch{
            makeTx("a", secondsAt(kBaseMinute), {{"addrA", 100}, {"addrB", 5}}),
            makeTx("b", secondsAt(kBaseMinute), {{"addrA", 50}}),
            makeTx("a", secondsAt(kBaseMinute), {{"addrA", 100}, {"addrB", 5}}), // same batch
        };
        auto first = applyOk(*store, batch);
        QCOMPARE(first.applied, 2);
        QCOMPARE(first.duplicates, 1);

        auto again = batch;
        if (uppercaseRedelivery)
            for (auto &tx : again)
                std::transform(tx.hash.begin(), tx.hash.end(), tx.hash.begin(),
                               [](unsigned char c) { return char(std::toupper(c)); });
        auto second = applyOk(*store, again);
        QCOMPARE(second.applied, 0);
        QCOMPARE(second.duplicates, 3);

        const auto v = readAll(*store);
        QCOMPARE(v.minutes.back().count, 2);
        QCOMPARE(totalOf(v, "addrA"), 150);
        QCOMPARE(totalOf(v, "addrB"), 5);
        QCOMPARE(v.rankedSatoshis, 155);
        QCOMPARE(v.latest.size(), std::size_t(2));
    }

    void redeliveryInLaterBatch()
    {
        using namespace storetest;
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        const auto a = makeTx("a", secondsAt(kBaseMinute - 3), {{"addrA", 7}});
        const auto b = makeTx("b", secondsAt(kBaseMinute - 2), {{"addrA", 11}});
        const auto c = makeTx("c", secondsAt(kBaseMinute), {{"addrC", 13}});
        QCOMPARE(applyOk(*store, {a, b}).applied, 2);
        clock.advanceMs(45'000); // a later minute; the window still holds a and b
        auto r = applyOk(*store, {c, a, b});
        QCOMPARE(r.applied, 1);
        QCOMPARE(r.duplicates, 2);
        const auto v = readAll(*store, 60);
        QCOMPARE(totalOf(v, "addrA"), 18);
        QCOMPARE(totalOf(v, "addrC"), 13);
        std::int64_t sum = 0;
        for (const auto &m : v.minutes)
            sum += m.count;
        QCOMPARE(sum, 3);
    }

    void perMinuteCounts_data()
    {
        QTest::addColumn<QList<int>>("minutesAgo");
        QTest::addColumn<int>("requested");
        QTest::newRow("last hour") << QList<int>{0, 0, 1, 5, 5, 5, 59} << 60;
        QTest::newRow("chart, 3 hours") << QList<int>{0, 60, 120, 179, 179} << 180;
        QTest::newRow("older than requested") << QList<int>{0, 10, 30} << 20;
        QTest::newRow("over-long request is clamped") << QList<int>{0, 100} << 5000;
    }
    void perMinuteCounts()
    {
        using namespace storetest;
        QFETCH(QList<int>, minutesAgo);
        QFETCH(int, requested);
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        std::vector<txpulse::Transaction> batch;
        for (int i = 0; i < minutesAgo.size(); ++i)
            batch.push_back(makeTx("m" + std::to_string(i), secondsAt(kBaseMinute - minutesAgo[i], i % 60), {{"x", 1}}));
        QCOMPARE(applyOk(*store, batch).applied, minutesAgo.size());

        const int n = std::min(requested, txpulse::kChartWindowMinutes);
        const auto v = readAll(*store, requested);
        QCOMPARE(int(v.minutes.size()), n);
        QCOMPARE(v.minutes.back().minute, kBaseMinute);
        QCOMPARE(v.minutes.front().minute, kBaseMinute - n + 1);
        for (int i = 0; i < n; ++i) {
            const int ago = n - 1 - i;
            QCOMPARE(v.minutes[std::size_t(i)].count, std::int64_t(minutesAgo.count(ago)));
            QVERIFY(!v.minutes[std::size_t(i)].gap);
        }
    }

    void rankingOrderAndTies()
    {
        using namespace storetest;
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        applyOk(*store, {makeTx("1", secondsAt(kBaseMinute - 1), {{"addrD", 50}, {"addrC", 300}}),
                         makeTx("2", secondsAt(kBaseMinute), {{"addrB", 100}, {"addrA", 500}}),
                         makeTx("3", secondsAt(kBaseMinute - 30), {{"addrB", 120}, {"addrB", 80}})});
        txpulse::ReadRequest req;
        req.topN = 3;
        auto v = store->read(req);
        QVERIFY(v);
        QCOMPARE(describe(v->top), QStringLiteral("addrA=500 addrB=300 addrC=300"));
        QCOMPARE(v->rankedAddresses, 4);
        QCOMPARE(v->rankedSatoshis, 1150);
        req.topN = 0;
        v = store->read(req);
        QVERIFY(v);
        QVERIFY(v->top.empty());
        QCOMPARE(v->rankedAddresses, 4);
    }

    void opReturnOutputsExcludedFromRanking()
    {
        using namespace storetest;
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        QCOMPARE(applyOk(*store, {makeTx("op", secondsAt(kBaseMinute), {{nullptr, 1000}, {"addrX", 10}, {"addrZ", 0}}),
                                  makeTx("only-op", secondsAt(kBaseMinute), {{nullptr, 5}})})
                     .applied,
                 2);
        const auto v = readAll(*store);
        QCOMPARE(v.minutes.back().count, 2);
        QCOMPARE(describe(v.top), QStringLiteral("addrX=10"));
        QCOMPARE(v.rankedAddresses, 1);
        QCOMPARE(v.rankedSatoshis, 10);
    }

    void lateEventsCounted_data()
    {
        QTest::addColumn<int>("minutesAgo");
        QTest::addColumn<bool>("late");
        QTest::newRow("oldest minute of the window") << txpulse::kRankingWindowMinutes - 1 << false;
        QTest::newRow("just outside the window") << txpulse::kRankingWindowMinutes << true;
        QTest::newRow("a day old") << 24 * 60 << true;
    }
    void lateEventsCounted()
    {
        using namespace storetest;
        QFETCH(int, minutesAgo);
        QFETCH(bool, late);
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        const auto r = applyOk(*store, {makeTx("old", secondsAt(kBaseMinute - minutesAgo, 0), {{"addrL", 42}})});
        QCOMPARE(r.late, late ? 1 : 0);
        QCOMPARE(r.applied, late ? 0 : 1);
        // A late redelivery stays late, never a duplicate and never counted.
        const auto again = applyOk(*store, {makeTx("old", secondsAt(kBaseMinute - minutesAgo, 0), {{"addrL", 42}})});
        QCOMPARE(again.late, late ? 1 : 0);
        const auto v = readAll(*store);
        QCOMPARE(totalOf(v, "addrL"), late ? 0 : 42);
        QCOMPARE(v.latest.size(), std::size_t(late ? 0 : 1));
        std::int64_t sum = 0;
        for (const auto &m : v.minutes)
            sum += m.count;
        QCOMPARE(sum, late ? 0 : 1);
    }

    void futureEvents()
    {
        using namespace storetest;
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        const std::int64_t now = kBaseMs / 1000;
        auto r = applyOk(*store, {makeTx("soon", now + 60, {{"addrS", 1}}),   // within the skew: the next minute
                                  makeTx("far", now + 3600, {{"addrF", 2}})}); // beyond: the current minute
        QCOMPARE(r.applied, 2);
        QCOMPARE(r.future, 1);
        auto v = readAll(*store);
        QCOMPARE(v.minutes.back().count, 1);
        QCOMPARE(v.rankedSatoshis, 3);
        clock.advanceMs(60'000);
        v = readAll(*store);
        QCOMPARE(v.minutes.back().count, 1);
        QCOMPARE(v.minutes[v.minutes.size() - 2].count, 1);
    }

    // A future-dated transaction is counted in the minute it arrives, but its dedupe entry must last until its
    // own (later) minute leaves the window: redeliveries while it is still future (another "now" minute), once
    // it no longer is (aggregated in its own minute if new), and after its arrival minute has left the window
    // are all duplicates; only when its own minute has left is it late.
    void futureRedeliveryAcrossTheSkewBoundary()
    {
        using namespace storetest;
        const int w = txpulse::kRankingWindowMinutes;
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        const std::int64_t ownMinute = kBaseMinute + 60; // an hour ahead: beyond kFutureSkewSeconds
        const auto f = makeTx("future", secondsAt(ownMinute), {{"addrF", 40}});
        auto r = applyOk(*store, {f});
        QCOMPARE(r.applied, 1);
        QCOMPARE(r.future, 1);

        clock.advanceMs(5 * 60'000); // still future, another current minute
        expireOk(*store);
        r = applyOk(*store, {f});
        QCOMPARE(r.duplicates, 1);
        QCOMPARE(r.future, 0);

        clock.setMs(ownMinute * 60'000 + 30'000); // no longer future: its own minute is the current one
        expireOk(*store);
        r = applyOk(*store, {f, makeTx("now", secondsAt(ownMinute), {{"addrN", 2}})});
        QCOMPARE(r.duplicates, 1);
        QCOMPARE(r.applied, 1);
        auto v = readAll(*store);
        QCOMPARE(v.minutes.back().count, 1); // only "now": f stays counted in the minute it arrived in
        QCOMPARE(v.minutes[v.minutes.size() - 61].count, 1);
        QCOMPARE(describe(v.top), QStringLiteral("addrF=40 addrN=2"));

        // Its arrival minute leaves the window (its bucket is subtracted), its own minute has not.
        clock.setMs((kBaseMinute + w + 1) * 60'000 + 30'000);
        expireOk(*store);
        r = applyOk(*store, {f});
        QCOMPARE(r.duplicates, 1);
        QCOMPARE(r.late, 0);
        v = readAll(*store);
        QCOMPARE(describe(v.top), QStringLiteral("addrN=2"));

        // Its own minute leaves: a redelivery is late now, and nothing of it remains.
        clock.setMs((ownMinute + w) * 60'000 + 30'000);
        expireOk(*store);
        r = applyOk(*store, {f});
        QCOMPARE(r.late, 1);
        QCOMPARE(r.applied, 0);
        v = readAll(*store);
        QVERIFY2(v.top.empty(), qPrintable(describe(v.top)));
        QCOMPARE(v.rankedSatoshis, 0);
    }

    void windowSlidesExactlyOnce()
    {
        using namespace storetest;
        const int w = txpulse::kRankingWindowMinutes;
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        applyOk(*store, {makeTx("t0", secondsAt(kBaseMinute), {{"addrA", 100}, {"addrB", 1}})});
        clock.advanceMs(60'000);
        applyOk(*store, {makeTx("t1", secondsAt(kBaseMinute + 1), {{"addrA", 50}, {"addrC", 7}})});

        clock.setMs(kBaseMs + std::int64_t(w - 1) * 60'000); // t0's minute is the oldest of the window
        for (int i = 0; i < 3; ++i)
            expireOk(*store);
        auto v = readAll(*store);
        QCOMPARE(describe(v.top), QStringLiteral("addrA=150 addrC=7 addrB=1"));

        clock.setMs(kBaseMs + std::int64_t(w) * 60'000); // 3 h later: t0's minute has left
        for (int i = 0; i < 4; ++i)
            expireOk(*store);
        v = readAll(*store);
        QCOMPARE(describe(v.top), QStringLiteral("addrA=50 addrC=7"));
        QCOMPARE(v.rankedAddresses, 2);
        QCOMPARE(v.rankedSatoshis, 57);
        QCOMPARE(v.minutes.front().minute, kBaseMinute + 1);
        QCOMPARE(v.minutes.front().count, 1);
        // Its redelivery is now late, not a new transaction.
        QCOMPARE(applyOk(*store, {makeTx("t0", secondsAt(kBaseMinute), {{"addrA", 100}})}).late, 1);

        clock.advanceMs(61'000);
        expireOk(*store);
        expireOk(*store);
        v = readAll(*store);
        QVERIFY2(v.top.empty(), qPrintable(describe(v.top)));
        QCOMPARE(v.rankedAddresses, 0);
        QCOMPARE(v.rankedSatoshis, 0);
        for (const auto &m : v.minutes)
            QCOMPARE(m.count, 0);
    }

    void gapsMarked()
    {
        using namespace storetest;
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        const std::int64_t m = kBaseMinute;
        QVERIFY(store->recordGap({(m - 10) * 60'000 + 5'000, (m - 8) * 60'000 + 1'000}));
        QVERIFY(store->recordGap({(m - 2) * 60'000, 0})); // still open
        QVERIFY(store->recordGap({(m - 500) * 60'000, (m - 400) * 60'000})); // outside the chart
        applyOk(*store, {makeTx("in-gap", secondsAt(m - 9), {{"a", 1}})});

        auto v = readAll(*store, 60);
        auto minute = [&](std::int64_t ago) { return v.minutes[v.minutes.size() - 1 - std::size_t(ago)]; };
        QCOMPARE(v.gaps.size(), std::size_t(2));
        QCOMPARE(v.gaps[0].fromMs, (m - 10) * 60'000 + 5'000);
        QCOMPARE(v.gaps[1].toMs, 0);
        QVERIFY(!minute(11).gap);
        QVERIFY(minute(10).gap);
        QVERIFY(!minute(9).gap); // data arrived in it: a count, not a gap
        QCOMPARE(minute(9).count, 1);
        QVERIFY(minute(8).gap);
        QVERIFY(!minute(7).gap);
        QVERIFY(minute(2).gap && minute(1).gap && minute(0).gap);

        // Closing the open gap replaces it.
        QVERIFY(store->recordGap({(m - 2) * 60'000, (m - 1) * 60'000}));
        v = readAll(*store, 60);
        QCOMPARE(v.gaps.size(), std::size_t(2));
        QCOMPARE(v.gaps[1].toMs, (m - 1) * 60'000);
        QVERIFY(minute(2).gap);
        QVERIFY(!minute(1).gap && !minute(0).gap);
    }

    void latestNewestFirst()
    {
        using namespace storetest;
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        std::vector<txpulse::Transaction> all;
        for (int i = 0; i < 150; ++i)
            all.push_back(makeTx("l" + std::to_string(i), secondsAt(kBaseMinute - (i % 7)), {{"a", 1}}));
        for (int b = 0; b < 3; ++b)
            applyOk(*store, std::vector<txpulse::Transaction>(all.begin() + b * 50, all.begin() + (b + 1) * 50));
        // Redeliveries and late events do not enter the list.
        applyOk(*store, {all[3], makeTx("late", secondsAt(kBaseMinute - 1000), {{"a", 1}})});
        const auto v = readAll(*store);
        QCOMPARE(v.latest.size(), std::size_t(txpulse::kLatestCount));
        for (int i = 0; i < txpulse::kLatestCount; ++i)
            QCOMPARE(v.latest[std::size_t(i)], all[std::size_t(149 - i)].raw);
    }

    // "Latest" is by arrival (the Kafka timestamp, then the ingest's sequence), not by application: a consumer
    // applies the batches of three partitions in whatever order they come. Here partition 2's batches come first,
    // then 1's, then 0's, and ten transactions share each millisecond (a coalesced feed read).
    void latestByArrivalAcrossPartitions()
    {
        using namespace storetest;
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        constexpr int kCount = 600;
        std::vector<txpulse::Transaction> all;
        for (int i = 0; i < kCount; ++i) {
            auto tx = makeTx("arrival" + std::to_string(i), secondsAt(kBaseMinute), {{"a", 1}});
            tx.receivedMs = kBaseMs - 10'000 + i / 10;
            tx.sequence = std::uint64_t(1000 + i);
            all.push_back(std::move(tx));
        }
        for (int partition : {2, 1, 0}) {
            std::vector<txpulse::Transaction> stream;
            for (int i = partition; i < kCount; i += 3)
                stream.push_back(all[std::size_t(i)]);
            for (std::size_t at = 0; at < stream.size(); at += 37)
                applyOk(*store, std::vector<txpulse::Transaction>(stream.begin() + std::ptrdiff_t(at),
                                                                  stream.begin() + std::ptrdiff_t(std::min(at + 37, stream.size()))));
        }
        const auto v = readAll(*store);
        QCOMPARE(v.latest.size(), std::size_t(txpulse::kLatestCount));
        for (int i = 0; i < txpulse::kLatestCount; ++i)
            QCOMPARE(v.latest[std::size_t(i)], all[std::size_t(kCount - 1 - i)].raw);
        // An older transaction arriving now (a rebuild, a slow partition) does not displace a newer one.
        auto old = makeTx("arrival-old", secondsAt(kBaseMinute), {{"a", 1}});
        old.receivedMs = kBaseMs - 20'000;
        applyOk(*store, {old});
        QCOMPARE(readAll(*store).latest.front(), all.back().raw);
        QVERIFY(!readAll(*store).latest.empty() && readAll(*store).latest.back() == all[std::size_t(kCount - kLatestCount)].raw);
    }

    void oracle_data()
    {
        QTest::addColumn<quint64>("seed");
        QTest::addColumn<int>("maxBatch");
        QTest::newRow("seed 1, small batches") << quint64(1) << 7;
        QTest::newRow("seed 2, large batches") << quint64(2) << 200;
        QTest::newRow("seed 3, mixed") << quint64(3) << 40;
    }
    void oracle()
    {
        using namespace storetest;
        QFETCH(quint64, seed);
        QFETCH(int, maxBatch);
        const int w = txpulse::kRankingWindowMinutes;
        txpulse::ManualClock clock(kBaseMs);
        auto store = makeStore(clock);
        Oracle oracle(w);
        std::mt19937_64 rng(seed);
        auto uniform = [&](std::int64_t lo, std::int64_t hi) {
            return lo + std::int64_t(rng() % std::uint64_t(hi - lo + 1));
        };

        // Real fixtures first (retimed), then synthetic messages through the real parser.
        std::vector<QByteArray> fixtures;
        QFile f(QStringLiteral(TXPULSE_TEST_DATA "/blockchain_utx_sample.ndjson"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        while (!f.atEnd()) {
            const QByteArray line = f.readLine().trimmed();
            if (!line.isEmpty())
                fixtures.push_back(line);
        }
        txpulse::SyntheticFeed feed(txpulse::SyntheticFeed::Options{seed, 300, 0.5});
        txpulse::TransactionParser parser;
        std::vector<txpulse::Transaction> sent;
        const auto makeNext = [&](std::int64_t time) {
            const QByteArray raw = sent.size() < fixtures.size() ? fixtures[sent.size()] : feed.next(time);
            auto outcome = parser.parse(raw);
            if (outcome.kind != txpulse::ParseOutcome::Kind::Transaction)
                qFatal("fixture/synthetic message did not parse: %s", outcome.detail.c_str());
            outcome.tx.time = time; // fixtures are years old; their raw text is kept as received
            if (rng() % 20 == 0) { // an OP_RETURN output that carries value
                txpulse::TxOutput op;
                op.value = 1234;
                outcome.tx.outputs.push_back(op);
            }
            sent.push_back(outcome.tx);
            return outcome.tx;
        };

        const std::int64_t endMs = kBaseMs + std::int64_t(w + 75) * 60'000; // past the window: expiry runs
        int reads = 0;
        while (clock.nowMs() < endMs) {
            const std::int64_t nowS = clock.nowMs() / 1000;
            std::vector<txpulse::Transaction> batch;
            const int size = int(uniform(1, maxBatch));
            for (int i = 0; i < size; ++i) {
                const auto kind = uniform(0, 99);
                if (kind < 10 && !sent.empty()) { // redelivery of anything sent before
                    batch.push_back(sent[std::size_t(uniform(0, std::int64_t(sent.size()) - 1))]);
                } else if (kind < 15) { // late
                    batch.push_back(makeNext(nowS - w * 60 - uniform(0, 3000)));
                } else if (kind < 17) { // far future
                    batch.push_back(makeNext(nowS + uniform(kFutureSkewSeconds + 1, 7200)));
                } else { // out of order within a few minutes, a little ahead at most
                    batch.push_back(makeNext(nowS - uniform(-60, 400)));
                }
            }
            const auto expected = oracle.apply(batch, clock.nowMs());
            const auto got = applyOk(*store, batch);
            QCOMPARE(got.applied, expected.applied);
            QCOMPARE(got.duplicates, expected.duplicates);
            QCOMPARE(got.late, expected.late);
            QCOMPARE(got.future, expected.future);

            clock.advanceMs(uniform(0, std::int64_t(maxBatch) * 3000)); // about 0.7 tx/s of event time
            if (uniform(0, 2) == 0)
                expireOk(*store);
            if (uniform(0, 29) < std::max(1, maxBatch / 10) || clock.nowMs() >= endMs) {
                expireOk(*store);
                ++reads;
                const auto v = readAll(*store);
                const auto counts = oracle.counts(clock.nowMs(), txpulse::kChartWindowMinutes);
                QCOMPARE(v.minutes.size(), counts.size());
                for (std::size_t i = 0; i < counts.size(); ++i)
                    QCOMPARE(v.minutes[i].count, counts[i]);
                const auto ranking = oracle.ranking(clock.nowMs());
                QCOMPARE(describe(v.top), describe(ranking));
                for (const int n : {1, 10}) {
                    const std::vector<txpulse::AddressTotal> head(
                        ranking.begin(), ranking.begin() + std::ptrdiff_t(std::min(ranking.size(), std::size_t(n))));
                    QCOMPARE(describe(readTop(*store, n)), describe(head));
                }
                QCOMPARE(v.rankedAddresses, std::int64_t(ranking.size()));
                std::int64_t total = 0;
                for (const auto &a : ranking)
                    total += a.satoshis;
                QCOMPARE(v.rankedSatoshis, total);
                QVERIFY(v.latest == oracle.latest());
            }
        }
        QVERIFY(reads > 10);
        QVERIFY(sent.size() > 2000);
    }
};
