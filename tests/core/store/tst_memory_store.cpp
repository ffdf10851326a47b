#include "store/memory_store.h"
#include "store_contract.h"

#include <QTest>

using namespace txpulse;

// The Store contract on MemoryStore, plus what only the in-memory store can show: its memory is bounded by
// the window (dedupe entries and minutes are pruned when their minute leaves).
class tst_MemoryStore : public StoreContract {
    Q_OBJECT

protected:
    std::unique_ptr<Store> makeStore(const Clock &clock, StoreOptions options) override
    {
        return std::make_unique<MemoryStore>(clock, std::move(options));
    }

private Q_SLOTS:
    void memoryBoundedByWindow()
    {
        using namespace storetest;
        ManualClock clock(kBaseMs);
        MemoryStore store(clock);
        const int w = kRankingWindowMinutes;
        // Five hours of traffic, 10 transactions a minute, expire() on the app's cadence.
        for (int minute = 0; minute < 5 * 60; ++minute) {
            std::vector<Transaction> batch;
            for (int i = 0; i < 10; ++i)
                batch.push_back(makeTx(std::to_string(minute) + "/" + std::to_string(i),
                                       secondsAt(kBaseMinute + minute, i), {{"addr", 1}}));
            QCOMPARE(applyOk(store, batch).applied, 10);
            QVERIFY(store.expire());
            QVERIFY(store.dedupeEntries() <= std::size_t(10 * w));
            QVERIFY(store.minuteEntries() <= std::size_t(w));
            clock.advanceMs(60'000);
        }
        const auto v = readAll(store);
        QCOMPARE(v.rankedSatoshis, std::int64_t(10 * w));
    }
};

QTEST_GUILESS_MAIN(tst_MemoryStore)
#include "tst_memory_store.moc"
