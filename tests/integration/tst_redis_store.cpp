#include "store/redis_connection.h"
#include "store/redis_store.h"
#include "core/store/store_contract.h"

#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

#include <thread>
#include <type_traits>

using namespace txpulse;

// The Store contract on RedisStore against the real Redis of scripts/services.sh (TXPULSE_TEST_REDIS), plus
// what only Redis has: keys, TTLs, two processes sharing one prefix, reconnects. Every store of this run lives
// under its own random prefix; cleanupTestCase deletes that prefix and nothing else.
class tst_RedisStore : public StoreContract {
    Q_OBJECT

public:
    tst_RedisStore()
        : m_runPrefix(QStringLiteral("txpulse-test:%1:").arg(QRandomGenerator::global()->generate64(), 0, 16))
    {
    }

protected:
    std::unique_ptr<Store> makeStore(const Clock &clock, StoreOptions options) override
    {
        options.prefix = freshPrefix();
        return openStore(clock, options);
    }

private:
    QString m_url;
    QString m_runPrefix;
    int m_stores = 0;

    QString freshPrefix() { return m_runPrefix + QString::number(++m_stores) + QLatin1Char(':'); }

    std::unique_ptr<RedisStore> openStore(const Clock &clock, const StoreOptions &options)
    {
        auto s = RedisStore::open(m_url, clock, options);
        if (!s)
            qFatal("cannot open RedisStore: %s", qPrintable(s.error().message));
        return std::move(*s);
    }

    static RedisConnection connect(const QString &url)
    {
        auto parsed = RedisUrl::parse(url);
        if (!parsed)
            qFatal("%s", qPrintable(parsed.error().message));
        auto c = RedisConnection::open(*parsed);
        if (!c)
            qFatal("%s", qPrintable(c.error().message));
        return std::move(*c);
    }

    // A store on `prefix` with the default 3-hour window (tests that also touch its keys directly).
    std::unique_ptr<RedisStore> openDefault(const Clock &clock, const QString &prefix)
    {
        return openStore(clock, StoreOptions{prefix, kRankingWindowMinutes});
    }

    // The prefix as a release before layout versions left it: no `layout` key and no `rank:minutes`. A new store
    // (what starting the new release does) converts it once, before its first batch or expire.
    std::unique_ptr<RedisStore> asReleaseBeforeLayouts(std::unique_ptr<RedisStore> store, const Clock &clock,
                                                       const QString &prefix)
    {
        RedisCommand del{"DEL"};
        del.arg(prefix.toUtf8() + "layout").arg(prefix.toUtf8() + "rank:minutes");
        if (!store->connection().command(del))
            qFatal("DEL layout failed");
        store.reset();
        return openDefault(clock, prefix);
    }

    // One command on a key of `prefix` (given relative to it: "rank"), through the store's own connection; any
    // further arguments are strings or integers.
    template <typename... Args>
    static Expected<RedisReply> onKey(RedisStore &store, const QString &prefix, const char *command, const char *key,
                                      const Args &...args)
    {
        RedisCommand cmd{command};
        cmd.arg(prefix.toUtf8() + key);
        [[maybe_unused]] const auto add = [&cmd](const auto &a) {
            if constexpr (std::is_integral_v<std::decay_t<decltype(a)>>)
                cmd.argInt(a);
            else
                cmd.arg(a);
        };
        (add(args), ...);
        return store.connection().command(cmd);
    }

    static std::vector<QByteArray> scanKeys(RedisConnection &c, const QString &prefix)
    {
        std::vector<QByteArray> keys;
        QByteArray cursor = "0";
        do {
            RedisCommand scan{"SCAN"};
            scan.arg(cursor).arg("MATCH").arg(prefix.toUtf8() + '*').arg("COUNT").arg("1000");
            auto r = c.command(scan);
            if (!r || r->elements.size() != 2)
                qFatal("SCAN failed");
            cursor = r->elements[0].str;
            for (const auto &k : r->elements[1].elements)
                keys.push_back(k.str);
        } while (cursor != "0");
        return keys;
    }

    static std::int64_t ttlOf(RedisConnection &c, const QByteArray &key)
    {
        RedisCommand ttl{"TTL"};
        ttl.arg(key);
        auto r = c.command(ttl);
        return r ? r->integer : -3;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_url = qEnvironmentVariable("TXPULSE_TEST_REDIS");
        if (m_url.isEmpty())
            QFAIL("TXPULSE_TEST_REDIS is not set: start Redis with  eval \"$(scripts/services.sh start)\"");
        auto parsed = RedisUrl::parse(m_url);
        QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
        auto c = RedisConnection::open(*parsed);
        QVERIFY2(c, qPrintable(c ? QString() : c.error().message + QStringLiteral(
                                                   " (is Redis running? eval \"$(scripts/services.sh start)\")")));
    }

    void cleanupTestCase()
    {
        if (m_url.isEmpty())
            return;
        auto c = connect(m_url);
        for (const QByteArray &key : scanKeys(c, m_runPrefix)) {
            RedisCommand del{"DEL"};
            del.arg(key);
            QVERIFY(c.command(del));
        }
        QVERIFY(scanKeys(c, m_runPrefix).empty());
    }

    // Issue 2's first integration check: a key written and read back through our own Redis wrapper.
    void connectionWritesAndReadsAKey()
    {
        ManualClock clock(storetest::kBaseMs);
        auto store = openStore(clock, StoreOptions{freshPrefix(), kRankingWindowMinutes});
        QVERIFY(store->describe().startsWith(QLatin1String("redis://")));
        const QByteArray key = m_runPrefix.toUtf8() + "hello";
        const QByteArray value("w\0rld \xff binary-safe", 20);
        RedisCommand set{"SET"};
        set.arg(key).arg(value).arg("EX").arg("60");
        auto ok = store->connection().command(set);
        QVERIFY2(ok, qPrintable(ok ? QString() : ok.error().message));
        QCOMPARE(ok->str, QByteArray("OK"));
        RedisCommand get{"GET"};
        get.arg(key);
        auto got = store->connection().command(get);
        QVERIFY(got);
        QCOMPARE(got->type, RedisReply::Type::String);
        QCOMPARE(got->str, value);
        // An error reply is an Error value, not a crash or an exception.
        auto wrong = store->connection().command(RedisCommand{"HGET", key.constData(), "field"});
        QVERIFY(!wrong);
        QVERIFY(wrong.error().message.contains(QLatin1String("WRONGTYPE")));
        QVERIFY(!wrong.error().retriable);
    }

    void everyKeyHasATtlBoundedByTheWindow()
    {
        using namespace storetest;
        const int w = kRankingWindowMinutes;
        ManualClock clock(kBaseMs);
        const QString prefix = freshPrefix();
        auto store = openStore(clock, StoreOptions{prefix, w});
        QVERIFY(store->recordGap({kBaseMs - 600'000, kBaseMs - 300'000}));
        std::map<std::int64_t, std::int64_t> lastWrite; // minute -> store clock (s) of its last write
        // Four hours, one batch a minute, expire() as the aggregator does.
        for (int minute = 0; minute < 4 * 60; ++minute) {
            std::vector<Transaction> batch;
            for (int i = 0; i < 5; ++i) {
                batch.push_back(makeTx(std::to_string(minute) + "/" + std::to_string(i),
                                       secondsAt(kBaseMinute + minute - i * 7, i), {{"addrT", 3}, {nullptr, 1}}));
            }
            applyOk(*store, batch);
            for (const auto &tx : batch)
                lastWrite[tx.minute()] = clock.nowMs() / 1000;
            expireOk(*store);
            if (minute % 60 == 0) {
                // Every key expires, and no later than its minute + window + margin: a TTL is set from the
                // store clock at the write, and Redis counts it down in real seconds (which hardly pass here).
                for (const QByteArray &key : scanKeys(store->connection(), prefix)) {
                    const std::int64_t ttl = ttlOf(store->connection(), key);
                    QVERIFY2(ttl > 0, key.constData());
                    const QByteArray name = key.mid(prefix.toUtf8().size());
                    const std::int64_t keyTtl = std::int64_t(w) * 60 + 600;
                    std::int64_t bound = keyTtl + 60;
                    if (name.startsWith("c:") || name.startsWith("b:"))
                        bound = (name.mid(2).toLongLong() + w) * 60 + 600 - lastWrite[name.mid(2).toLongLong()];
                    else if (name.startsWith("s:")) // a backstop: one key TTL past the minute's own
                        bound = name.mid(2).toLongLong() * 60 + 2 * keyTtl - lastWrite[name.mid(2).toLongLong()];
                    QVERIFY2(ttl <= bound, qPrintable(QStringLiteral("%1 ttl %2 > %3").arg(QString::fromLatin1(name.toHex())).arg(ttl).arg(bound)));
                }
            }
            clock.advanceMs(60'000);
        }
        // After the window: only what the window needs. Count and bucket keys exist for in-window minutes
        // only, and the dedupe set holds only hashes of in-window minutes.
        expireOk(*store);
        const std::int64_t nowMinute = clock.nowMs() / 60'000;
        std::int64_t minuteKeys = 0;
        std::int64_t ackKeys = 0;
        for (const QByteArray &key : scanKeys(store->connection(), prefix)) {
            const QByteArray name = key.mid(prefix.toUtf8().size());
            if (name.startsWith("c:") || name.startsWith("b:") || name.startsWith("s:")) {
                QVERIFY2(name.mid(2).toLongLong() > nowMinute - w, name.constData());
                ++minuteKeys;
            } else if (name.startsWith("ack:")) {
                ++ackKeys; // one per writer, and this is the only one
            } else {
                QVERIFY2(QList<QByteArray>({"rank", "rank:sum", "rank:total", "rank:floor", "rank:minutes", "minutes",
                                            "expired", "latest", "latest:n", "gaps", "layout",
                                            "seen", "seen:minutes"})
                             .contains(name),
                         name.constData());
            }
        }
        QVERIFY(minuteKeys <= 3 * w);
        QCOMPARE(ackKeys, 1);
        // The dedupe set holds exactly the hashes whose minute is still in the window.
        std::int64_t expectedSeen = 0;
        for (int minute = 0; minute < 4 * 60; ++minute)
            for (int i = 0; i < 5; ++i)
                expectedSeen += kBaseMinute + minute - i * 7 > nowMinute - w ? 1 : 0;
        RedisCommand card{"SCARD"};
        card.arg(prefix.toUtf8() + "seen");
        auto seen = store->connection().command(card);
        QVERIFY(seen);
        QVERIFY(expectedSeen > 0);
        QCOMPARE(seen->integer, expectedSeen);
        auto v = readAll(*store);
        std::int64_t inWindow = 0;
        for (const auto &m : v.minutes)
            inWindow += m.count;
        QCOMPARE(v.rankedSatoshis, 3 * inWindow);
        QVERIFY(v.gaps.empty()); // the old gap was pruned with its minutes
    }

    // Layout 1 kept `seen` as a ZSET dedupe key -> minute. The layout script converts it in place, once: the
    // hashes it holds stay duplicates, and they leave with their minute as before.
    void oldSeenZsetIsConverted()
    {
        using namespace storetest;
        ManualClock clock(kBaseMs);
        const QString prefix = freshPrefix();
        const QByteArray p = prefix.toUtf8();
        auto store = openDefault(clock, prefix);
        const auto a = makeTx("old-a", secondsAt(kBaseMinute - 2), {{"addrA", 5}});
        const auto b = makeTx("old-b", secondsAt(kBaseMinute + 60), {{"addrB", 6}}); // future: kept by its own minute
        QCOMPARE(applyOk(*store, {a, b}).applied, 2);
        // Rewrite the dedupe state as layout 1 had it.
        for (const QByteArray &key : scanKeys(store->connection(), prefix)) {
            const QByteArray name = key.mid(p.size());
            if (name == "seen" || name == "seen:minutes" || name.startsWith("s:")) {
                RedisCommand del{"DEL"};
                del.arg(key);
                QVERIFY(store->connection().command(del));
            }
        }
        RedisCommand zadd{"ZADD"};
        zadd.arg(p + "seen").argInt(kBaseMinute - 2).arg(QByteArray::fromHex(QByteArray::fromStdString(a.hash)));
        zadd.argInt(kBaseMinute + 60).arg(QByteArray::fromHex(QByteArray::fromStdString(b.hash)));
        QVERIFY(store->connection().command(zadd));
        store = asReleaseBeforeLayouts(std::move(store), clock, prefix);

        auto r = applyOk(*store, {a, b, makeTx("new-c", secondsAt(kBaseMinute), {{"addrC", 7}})});
        QCOMPARE(r.duplicates, 2);
        QCOMPARE(r.applied, 1);
        auto type = onKey(*store, prefix, "TYPE", "seen");
        QVERIFY(type);
        QCOMPARE(type->str, QByteArray("set"));
        const auto scard = [&] {
            auto n = onKey(*store, prefix, "SCARD", "seen");
            return n ? n->integer : -1;
        };
        QCOMPARE(scard(), 3);

        // a's minute leaves: its hash leaves `seen` with its list; b (its own minute an hour later) stays.
        clock.setMs(kBaseMs + std::int64_t(kRankingWindowMinutes - 1) * 60'000);
        expireOk(*store);
        QCOMPARE(scard(), 2);
        RedisCommand exists{"EXISTS"};
        exists.arg(p + "s:" + QByteArray::number(kBaseMinute - 2)).arg(p + "s:" + QByteArray::number(kBaseMinute + 60));
        auto lists = store->connection().command(exists);
        QVERIFY(lists);
        QCOMPARE(lists->integer, 1);
        QCOMPARE(applyOk(*store, {b}).duplicates, 1);
        QCOMPARE(applyOk(*store, {a}).late, 1);
        const auto v = readAll(*store);
        QCOMPARE(describe(v.top), QStringLiteral("addrC=7 addrB=6"));

        clock.setMs(kBaseMs + std::int64_t(kRankingWindowMinutes + 61) * 60'000);
        expireOk(*store);
        QCOMPARE(scard(), 0);
    }

    // The ranking's two tiers: `rank:sum` holds every address, `rank` only those with at least the floor
    // (0.1 BTC). Addresses cross the floor both ways, and a top-N longer than `rank` still comes out whole.
    void rankingTiersAroundTheFloor()
    {
        using namespace storetest;
        constexpr std::int64_t floor = RedisStore::kRankFloorSatoshis;
        const auto at = [](const char *address, std::int64_t satoshis) {
            return QStringLiteral("%1=%2").arg(QLatin1String(address)).arg(satoshis);
        };
        ManualClock clock(kBaseMs);
        const QString prefix = freshPrefix();
        auto store = openDefault(clock, prefix);
        const auto count = [&](const char *cmd, const char *key) {
            auto n = onKey(*store, prefix, cmd, key);
            return n ? n->integer : -1;
        };
        applyOk(*store, {makeTx("t1", secondsAt(kBaseMinute), {{"big", floor}, {"small", floor - 1}, {"tiny", 5}})});
        QCOMPARE(count("ZCARD", "rank"), 1);
        QCOMPARE(count("HLEN", "rank:sum"), 3);
        const QString all3 = at("big", floor) + ' ' + at("small", floor - 1) + QStringLiteral(" tiny=5");
        QCOMPARE(describe(readTop(*store, 1)), at("big", floor));
        QCOMPARE(describe(readTop(*store, 3)), all3);
        QCOMPARE(describe(readTop(*store, 10)), all3);

        clock.setMs(kBaseMs + 10 * 60'000);
        applyOk(*store, {makeTx("t2", secondsAt(kBaseMinute + 10), {{"small", 2}})});
        QCOMPARE(count("ZCARD", "rank"), 2);
        QCOMPARE(describe(readTop(*store, 2)), at("small", floor + 1) + ' ' + at("big", floor));

        // The first minute leaves: big falls to nothing (gone from both), small to 2 (below the floor).
        clock.setMs(kBaseMs + std::int64_t(kRankingWindowMinutes + 1) * 60'000);
        expireOk(*store);
        QCOMPARE(count("ZCARD", "rank"), 0);
        QCOMPARE(count("HLEN", "rank:sum"), 1);
        QCOMPARE(describe(readTop(*store, 3)), QStringLiteral("small=2"));
        const auto v = readAll(*store);
        QCOMPARE(v.rankedAddresses, 1);
        QCOMPARE(v.rankedSatoshis, 2);
    }

    // Layout 2 kept every address in the `rank` ZSET. The layout script fills `rank:sum` from it, keeps only the
    // members at or above the floor in `rank` and lists the minutes with a bucket in `rank:minutes`, once.
    void oldRankingZsetIsConverted()
    {
        using namespace storetest;
        ManualClock clock(kBaseMs);
        const QString prefix = freshPrefix();
        auto store = openDefault(clock, prefix);
        applyOk(*store, {makeTx("m1", secondsAt(kBaseMinute), {{"big", 30'000'000}, {"mid", 10'000'000}, {"small", 7}})});
        QVERIFY(onKey(*store, prefix, "DEL", "rank", prefix.toUtf8() + "rank:sum"));
        QVERIFY(onKey(*store, prefix, "ZADD", "rank", "-30000000", "big", "-10000000", "mid", "-7", "small"));
        store = asReleaseBeforeLayouts(std::move(store), clock, prefix);

        QCOMPARE(applyOk(*store, {makeTx("m2", secondsAt(kBaseMinute), {{"small", 1}})}).applied, 1);
        QCOMPARE(onKey(*store, prefix, "HLEN", "rank:sum")->integer, 3);
        QCOMPARE(onKey(*store, prefix, "ZCARD", "rank")->integer, 2);
        QCOMPARE(describe(readTop(*store, 1)), QStringLiteral("big=30000000"));
        QCOMPARE(describe(readTop(*store, 3)), QStringLiteral("big=30000000 mid=10000000 small=8"));

        // The window moves past both minutes: everything leaves both tiers exactly.
        clock.setMs(kBaseMs + std::int64_t(kRankingWindowMinutes + 1) * 60'000);
        expireOk(*store);
        QCOMPARE(readAll(*store).rankedAddresses, 0);
        QCOMPARE(onKey(*store, prefix, "ZCARD", "rank")->integer, 0);
    }

    void twoProcessesShareOnePrefixExactly()
    {
        using namespace storetest;
        ManualClock clock(kBaseMs);
        const StoreOptions options{freshPrefix(), kRankingWindowMinutes};
        auto a = openStore(clock, options);
        auto b = openStore(clock, options);
        std::vector<Transaction> all;
        for (int i = 0; i < 2000; ++i)
            all.push_back(makeTx("p" + std::to_string(i), secondsAt(kBaseMinute - i % 100), {{i % 2 ? "odd" : "even", 1}}));
        // Both apply everything, in different batch splits, at the same time.
        std::int64_t appliedA = 0, appliedB = 0;
        auto run = [&](RedisStore &store, std::size_t split, std::int64_t &applied) {
            for (std::size_t i = 0; i < all.size(); i += split) {
                const auto end = all.begin() + std::ptrdiff_t(std::min(all.size(), i + split));
                auto r = store.apply(std::vector<Transaction>(all.begin() + std::ptrdiff_t(i), end));
                if (r)
                    applied += r->applied;
            }
        };
        std::thread ta(run, std::ref(*a), 37, std::ref(appliedA));
        std::thread tb(run, std::ref(*b), 101, std::ref(appliedB));
        ta.join();
        tb.join();
        QCOMPARE(appliedA + appliedB, std::int64_t(all.size()));
        auto v = readAll(*a);
        QCOMPARE(describe(v.top), QStringLiteral("even=1000 odd=1000"));

        // Both expire when the window has passed the oldest minutes: each minute is subtracted once.
        clock.setMs(kBaseMs + std::int64_t(kRankingWindowMinutes - 50) * 60'000);
        std::thread ea([&] { for (int i = 0; i < 20; ++i) (void)a->expire(); });
        std::thread eb([&] { for (int i = 0; i < 20; ++i) (void)b->expire(); });
        ea.join();
        eb.join();
        v = readAll(*b);
        QCOMPARE(describe(v.top), QStringLiteral("even=500 odd=500")); // minutes -99..-50 have left
    }

    // apply() classifies "late" itself against the window floor it assumes; when another process (with a
    // clock ahead) has moved the expiry marker, the script refuses and apply() classifies again.
    void applyFollowsAMarkerMovedByAnotherProcess()
    {
        using namespace storetest;
        ManualClock behind(kBaseMs);
        ManualClock ahead(kBaseMs + 10 * 60'000);
        const StoreOptions options{freshPrefix(), kRankingWindowMinutes};
        auto a = openStore(behind, options);
        auto b = openStore(ahead, options);
        const std::int64_t oldMinute = kBaseMinute - kRankingWindowMinutes + 5; // inside a's window only
        auto r = a->apply({makeTx("m1", secondsAt(oldMinute), {{"old", 3}})});
        QVERIFY(r);
        QCOMPARE(r->applied, 1);
        QVERIFY(b->expire()); // the marker moves past oldMinute

        r = a->apply({makeTx("m2", secondsAt(oldMinute), {{"old", 5}}), makeTx("m3", secondsAt(kBaseMinute), {{"new", 7}}),
                      makeTx("m1", secondsAt(oldMinute), {{"old", 3}})});
        QVERIFY(r);
        QCOMPARE(r->late, 2);
        QCOMPARE(r->applied, 1);
        QCOMPARE(r->duplicates, 0);
        const auto v = readAll(*a);
        QCOMPARE(describe(v.top), QStringLiteral("new=7"));
        QCOMPARE(v.latest.size(), std::size_t(2));
    }

    // `rank:floor` records the floor `rank` was built with. Missing (the first two-tier release, 0.01 BTC): the
    // members below this release's floor leave `rank`. Higher (a release with a higher floor wrote last): the
    // addresses between the two join `rank` from `rank:sum`. Either way top-N comes out exact from the ZSET path.
    void rankFloorChangesAreConverted()
    {
        using namespace storetest;
        constexpr std::int64_t floor = RedisStore::kRankFloorSatoshis;
        ManualClock clock(kBaseMs);
        const QString prefix = freshPrefix();
        auto store = openDefault(clock, prefix);
        const auto zcard = [&] { return onKey(*store, prefix, "ZCARD", "rank")->integer; };
        const auto storedFloor = [&] { return onKey(*store, prefix, "GET", "rank:floor")->str; };
        applyOk(*store, {makeTx("f1", secondsAt(kBaseMinute), {{"a", 3 * floor}, {"b", floor}, {"c", floor / 2}, {"d", 7}})});
        QCOMPARE(zcard(), 2);

        // As the 0.01 BTC release left it: c (0.05 BTC) in `rank` too, no `rank:floor`.
        QVERIFY(onKey(*store, prefix, "ZADD", "rank", -floor / 2, "c"));
        QVERIFY(onKey(*store, prefix, "DEL", "rank:floor"));
        store = asReleaseBeforeLayouts(std::move(store), clock, prefix);
        QCOMPARE(zcard(), 3);
        applyOk(*store, {makeTx("f2", secondsAt(kBaseMinute), {{"d", 1}})});
        QCOMPARE(zcard(), 2);
        QCOMPARE(storedFloor(), QByteArray::number(qlonglong(floor)));
        QCOMPARE(describe(readTop(*store, 2)), QStringLiteral("a=%1 b=%2").arg(3 * floor).arg(floor));

        // As a release with a 10 BTC floor would leave it: only a in `rank`.
        QVERIFY(onKey(*store, prefix, "ZREM", "rank", "b"));
        QVERIFY(onKey(*store, prefix, "SET", "rank:floor", 100 * floor));
        store = asReleaseBeforeLayouts(std::move(store), clock, prefix);
        expireOk(*store); // converted before the first expire as well
        QCOMPARE(zcard(), 2);
        QCOMPARE(storedFloor(), QByteArray::number(qlonglong(floor)));
        QCOMPARE(describe(readTop(*store, 2)), QStringLiteral("a=%1 b=%2").arg(3 * floor).arg(floor));
    }

    // A member of `rank` below the floor (an older release with a lower floor still writing) is not read as part
    // of top-N: c (0.02 BTC, stale in `rank`) must not stand in for b (0.05 BTC, correctly outside it).
    void membersBelowTheFloorAreNotRead()
    {
        using namespace storetest;
        constexpr std::int64_t floor = RedisStore::kRankFloorSatoshis;
        ManualClock clock(kBaseMs);
        const QString prefix = freshPrefix();
        auto store = openDefault(clock, prefix);
        applyOk(*store, {makeTx("s1", secondsAt(kBaseMinute), {{"a", 2 * floor}, {"b", floor / 2}, {"c", floor / 5}})});
        QVERIFY(onKey(*store, prefix, "ZADD", "rank", -floor / 5, "c"));
        QCOMPARE(describe(readTop(*store, 2)), QStringLiteral("a=%1 b=%2").arg(2 * floor).arg(floor / 2));
    }

    // The layout version is written once and checked once per store, not per batch. A prefix written by a newer
    // release is refused with an error that says so, and nothing is written to it.
    void layoutVersionIsWrittenOnceAndANewerOneRefused()
    {
        using namespace storetest;
        ManualClock clock(kBaseMs);
        const QString prefix = freshPrefix();
        auto store = openDefault(clock, prefix);
        applyOk(*store, {makeTx("l1", secondsAt(kBaseMinute), {{"addrL", 5}})});
        QCOMPARE(onKey(*store, prefix, "GET", "layout")->str, QByteArray::number(qlonglong(RedisStore::kLayoutVersion)));
        QVERIFY(onKey(*store, prefix, "TTL", "layout")->integer > 0);

        QVERIFY(onKey(*store, prefix, "SET", "layout", RedisStore::kLayoutVersion + 1));
        QCOMPARE(applyOk(*store, {makeTx("l2", secondsAt(kBaseMinute), {{"addrL", 5}})}).applied, 1); // checked already

        auto newer = openDefault(clock, prefix);
        auto refused = newer->apply({makeTx("l3", secondsAt(kBaseMinute), {{"addrL", 5}})});
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, QStringLiteral("redis.layout"));
        QVERIFY(!refused.error().retriable);
        QVERIFY2(refused.error().message.contains(QLatin1String("newer release")), qPrintable(refused.error().message));
        QVERIFY(!newer->expire());
        QCOMPARE(describe(readAll(*newer).top), QStringLiteral("addrL=10"));
    }

    // Releases before layout versions kept `latest` as a LIST, newest first. The layout script turns it into the
    // ZSET by arrival once: the old entries keep their order and anything arriving later comes before them.
    void oldLatestListIsConverted()
    {
        using namespace storetest;
        ManualClock clock(kBaseMs);
        const QString prefix = freshPrefix();
        auto store = openDefault(clock, prefix);
        const auto a = makeTx("list-a", secondsAt(kBaseMinute), {{"addrA", 1}});
        const auto b = makeTx("list-b", secondsAt(kBaseMinute), {{"addrB", 1}});
        applyOk(*store, {a, b});
        QVERIFY(onKey(*store, prefix, "DEL", "latest", "latest:n"));
        QVERIFY(onKey(*store, prefix, "RPUSH", "latest", b.raw, a.raw));
        store = asReleaseBeforeLayouts(std::move(store), clock, prefix);
        auto c = makeTx("list-c", secondsAt(kBaseMinute), {{"addrC", 1}});
        c.receivedMs = kBaseMs;
        c.sequence = 7;
        applyOk(*store, {c});
        QCOMPARE(onKey(*store, prefix, "TYPE", "latest")->str, QByteArray("zset"));
        const auto v = readAll(*store);
        QCOMPARE(v.latest.size(), std::size_t(3));
        QCOMPARE(v.latest[0], c.raw);
        QCOMPARE(v.latest[1], b.raw);
        QCOMPARE(v.latest[2], a.raw);
    }

    // The ranking's floor is written twice, in C++ (the read's BYSCORE bound) and in its Lua: they must agree.
    void luaRankFloorMatchesTheHeader()
    {
        QFile lua(QStringLiteral(":/txpulse/lua/address_ranking.lua"));
        QVERIFY(lua.open(QIODevice::ReadOnly));
        const QByteArray expected = "local RANK_FLOOR = " + QByteArray::number(qlonglong(RedisStore::kRankFloorSatoshis)) + ' ';
        QVERIFY2(lua.readAll().contains(expected), expected.constData());
    }

    void reconnectsAfterTheConnectionIsKilled()
    {
        using namespace storetest;
        ManualClock clock(kBaseMs);
        auto store = openStore(clock, StoreOptions{freshPrefix(), kRankingWindowMinutes});
        auto id = store->connection().command(RedisCommand{"CLIENT", "ID"});
        QVERIFY(id);
        auto admin = connect(m_url);
        RedisCommand kill{"CLIENT", "KILL", "ID"};
        kill.argInt(id->integer);
        QVERIFY(admin.command(kill));

        const std::vector<Transaction> batch{makeTx("r1", secondsAt(kBaseMinute), {{"addrR", 9}})};
        auto failed = store->apply(batch);
        QVERIFY(!failed);
        QVERIFY2(failed.error().retriable, qPrintable(failed.error().code));
        auto retried = store->apply(batch); // the aggregator's retry: reconnects, applies once
        QVERIFY2(retried, qPrintable(retried ? QString() : retried.error().message));
        QCOMPARE(retried->applied, 1);
        QCOMPARE(retried->duplicates, 0);
        QCOMPARE(totalOf(readAll(*store), "addrR"), 9);
    }

    // The reply of an apply is lost after Redis ran the script (the command timed out while another client kept
    // Redis busy; the request stayed in the socket and ran afterwards). The aggregator's retry of the same batch
    // must report the lost attempt's counts, not every hash as a duplicate, and count nothing twice; a real
    // duplicate of the batch afterwards is still a duplicate.
    void aLostReplyKeepsTheCountersExact()
    {
        using namespace storetest;
        ManualClock clock(kBaseMs);
        const QString prefix = freshPrefix();
        auto opened = RedisStore::open(m_url, clock, StoreOptions{prefix, kRankingWindowMinutes},
                                       RedisConnection::Timeouts{2000, 200});
        QVERIFY(opened);
        RedisStore &store = **opened;
        applyOk(store, {makeTx("warm", secondsAt(kBaseMinute), {{"addrW", 1}})}); // the script is loaded now
        std::vector<Transaction> batch;
        for (int i = 0; i < 50; ++i)
            batch.push_back(makeTx("lost" + std::to_string(i), secondsAt(kBaseMinute), {{"addrL", 2}}));

        auto admin = connect(m_url);
        std::thread busy([&admin] {
            (void)admin.command(RedisCommand{"EVAL",
                                             "local t0 = redis.call('TIME') "
                                             "repeat local t = redis.call('TIME') "
                                             "until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 800000",
                                             "0"});
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto failed = store.apply(batch);
        busy.join();
        QVERIFY(!failed);
        auto watch = connect(m_url);
        const std::string seen = prefix.toStdString() + "seen";
        QTRY_COMPARE_WITH_TIMEOUT(watch.command(RedisCommand{"SCARD", seen})->integer, 51, 3000); // it did run

        auto retried = store.apply(batch);
        QVERIFY2(retried, qPrintable(retried ? QString() : retried.error().message));
        QCOMPARE(retried->applied, 50);
        QCOMPARE(retried->duplicates, 0);
        QCOMPARE(totalOf(readAll(store), "addrL"), 100);

        auto again = store.apply(batch);
        QVERIFY(again);
        QCOMPARE(again->applied, 0);
        QCOMPARE(again->duplicates, 50);
        QCOMPARE(totalOf(readAll(store), "addrL"), 100);
    }

    void rankingRebuiltWhenBucketsExpiredUnsubtracted()
    {
        using namespace storetest;
        ManualClock clock(kBaseMs);
        const QString prefix = freshPrefix();
        auto store = openDefault(clock, prefix);
        applyOk(*store, {makeTx("x0", secondsAt(kBaseMinute - 5), {{"addrX", 100}}),
                         makeTx("x1", secondsAt(kBaseMinute), {{"addrX", 10}, {"addrY", 1}})});
        // Simulate every aggregator being down past the margin: the old minute's keys expired by TTL.
        for (const char *k : {"c:", "b:"}) {
            RedisCommand del{"DEL"};
            del.arg(prefix.toUtf8() + k + QByteArray::number(kBaseMinute - 5));
            QVERIFY(store->connection().command(del));
        }
        clock.setMs(kBaseMs + std::int64_t(kRankingWindowMinutes - 4) * 60'000);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("rebuilt the address ranking")));
        expireOk(*store);
        QCOMPARE(store->rankingRebuilds(), 1);
        const auto v = readAll(*store);
        QCOMPARE(describe(v.top), QStringLiteral("addrX=10 addrY=1"));
        QCOMPARE(v.rankedSatoshis, 11);
    }

    void unreachableRedisIsRetriable()
    {
        ManualClock clock(storetest::kBaseMs);
        auto s = RedisStore::open(QStringLiteral("redis://127.0.0.1:1/0"), clock, {}, {300, 300});
        QVERIFY(!s);
        QVERIFY(s.error().retriable);
        QVERIFY(s.error().message.contains(QLatin1String("127.0.0.1:1")));
    }
};

QTEST_GUILESS_MAIN(tst_RedisStore)
#include "tst_redis_store.moc"
