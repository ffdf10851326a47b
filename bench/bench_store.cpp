// Store throughput and query latency: MemoryStore and RedisStore with realistic transactions.
//
//   eval "$(scripts/services.sh start)"
//   build/bench/bench_store [--redis URL] [--tx 300000] [--batch 500] [--runs 3]
//
// Prints medians. Fills a full 3-hour window (the --tx transactions spread evenly over 180 minutes, clock
// at its end), then measures top-100 reads, the whole snapshot read, one minute's expiry and Redis memory
// (INFO memory used_memory before and after; other users of the same Redis add noise). Deletes its keys.

#include "support/clock.h"
#include "store/memory_store.h"
#include "store/redis_store.h"
#include "replay/synthetic_feed.h"
#include "model/transaction_parser.h"

#include <QCoreApplication>
#include <QRandomGenerator>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace txpulse;
using Clk = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

double seconds(Clk::time_point a, Clk::time_point b)
{
    return std::chrono::duration<double>(b - a).count();
}

std::int64_t infoMemory(RedisConnection &c, const QByteArray &field)
{
    auto r = c.command(RedisCommand{"INFO", "memory"});
    if (!r)
        return -1;
    const QByteArray key = field + ':';
    const int at = r->str.indexOf(key);
    return at < 0 ? -1 : r->str.mid(at + key.size(), r->str.indexOf('\r', at) - at - key.size()).toLongLong();
}

// used_memory once Redis has freed what earlier UNLINKs handed to its lazy-free thread (otherwise the previous
// run's keys, still being freed, make "before" too high and the difference too small).
std::int64_t usedMemory(RedisConnection &c)
{
    for (int i = 0; i < 200 && infoMemory(c, "lazyfree_pending_objects") > 0; ++i)
        QThread::msleep(50);
    return infoMemory(c, "used_memory");
}

void deletePrefix(RedisConnection &c, const QByteArray &prefix)
{
    QByteArray cursor = "0";
    do {
        RedisCommand scan{"SCAN"};
        scan.arg(cursor).arg("MATCH").arg(prefix + '*').arg("COUNT").arg("5000");
        auto r = c.command(scan);
        if (!r || r->elements.size() != 2)
            return;
        cursor = r->elements[0].str;
        if (!r->elements[1].elements.empty()) {
            RedisCommand del{"UNLINK"};
            for (const auto &k : r->elements[1].elements)
                del.arg(k.str);
            (void)c.command(del);
        }
    } while (cursor != "0");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QString url = qEnvironmentVariable("TXPULSE_TEST_REDIS");
    int count = 300'000, batchSize = 500, runs = 3;
    const QStringList args = app.arguments();
    for (int i = 1; i + 1 < args.size(); i += 2) {
        if (args[i] == QLatin1String("--redis"))
            url = args[i + 1];
        else if (args[i] == QLatin1String("--tx"))
            count = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--batch"))
            batchSize = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--runs"))
            runs = args[i + 1].toInt();
    }

    // A 3-hour window: the clock sits at the end, transactions spread over the 180 minutes before it.
    const std::int64_t endMs = (QDateTime::currentSecsSinceEpoch() / 60) * 60'000 + 59'000;
    const std::int64_t startS = endMs / 1000 - std::int64_t(kRankingWindowMinutes - 1) * 60 - 59;
    SyntheticFeed feed(SyntheticFeed::Options{42, 20'000, 0.4});
    TransactionParser parser;
    std::vector<Transaction> txs;
    txs.reserve(std::size_t(count));
    std::int64_t bytes = 0, outputs = 0;
    for (int i = 0; i < count; ++i) {
        const std::int64_t t = startS + std::int64_t(i) * (kRankingWindowMinutes * 60 - 1) / count;
        auto o = parser.parse(feed.next(t));
        if (o.kind != ParseOutcome::Kind::Transaction)
            return 1;
        bytes += o.tx.raw.size();
        outputs += std::int64_t(o.tx.outputs.size());
        txs.push_back(std::move(o.tx));
    }
    std::printf("%d transactions over %d minutes, %.0f bytes and %.2f outputs each on average, batches of %d\n",
                count, kRankingWindowMinutes, double(bytes) / count, double(outputs) / count, batchSize);

    ManualClock clock(endMs);
    auto fill = [&](Store &store) {
        const auto t0 = Clk::now();
        std::int64_t applied = 0;
        std::vector<Transaction> batch;
        for (std::size_t i = 0; i < txs.size(); i += std::size_t(batchSize)) {
            batch.assign(txs.begin() + std::ptrdiff_t(i),
                         txs.begin() + std::ptrdiff_t(std::min(txs.size(), i + std::size_t(batchSize))));
            auto r = store.apply(batch);
            if (!r) {
                std::fprintf(stderr, "apply: %s\n", qPrintable(r.error().message));
                return -1.0;
            }
            applied += r->applied;
        }
        const double s = seconds(t0, Clk::now());
        if (applied != std::int64_t(txs.size()))
            std::fprintf(stderr, "applied %lld of %zu\n", static_cast<long long>(applied), txs.size());
        return double(txs.size()) / s;
    };
    auto measureReads = [&](Store &store, const char *name) {
        std::vector<double> top, full;
        ReadRequest topOnly{1, 100};
        ReadRequest snapshot{kChartWindowMinutes, 100};
        for (int i = 0; i < 200; ++i) {
            auto t0 = Clk::now();
            auto a = store.read(topOnly);
            auto t1 = Clk::now();
            auto b = store.read(snapshot);
            auto t2 = Clk::now();
            if (!a || !b)
                return;
            top.push_back(seconds(t0, t1) * 1e6);
            full.push_back(seconds(t1, t2) * 1e6);
        }
        auto v = store.read(snapshot);
        std::printf("%-6s read top-100 (+1 minute, latest 100): median %.0f us; full snapshot read (180 minutes, "
                    "top 100, latest 100, gaps): median %.0f us; %lld ranked addresses\n",
                    name, median(top), median(full), static_cast<long long>(v ? v->rankedAddresses : -1));
        // One minute's expiry: the oldest minute bucket leaves the running ranking.
        std::vector<double> exp;
        for (int i = 0; i < 10; ++i) {
            clock.advanceMs(60'000);
            auto t0 = Clk::now();
            if (!store.expire())
                return;
            exp.push_back(seconds(t0, Clk::now()) * 1e3);
        }
        clock.setMs(endMs);
        std::printf("%-6s expire one minute (~%d tx, subtract its address bucket): median %.2f ms\n", name,
                    count / kRankingWindowMinutes, median(exp));
    };

    std::vector<double> mem;
    for (int r = 0; r < runs; ++r) {
        MemoryStore store(clock);
        mem.push_back(fill(store));
        if (r == runs - 1)
            measureReads(store, "memory");
    }
    std::printf("memory apply: median %.0f tx/s over %d runs\n", median(mem), runs);

    if (url.isEmpty()) {
        std::printf("redis: TXPULSE_TEST_REDIS not set (eval \"$(scripts/services.sh start)\"); skipped\n");
        return 0;
    }
    std::vector<double> red;
    const QByteArray base = "txpulse-bench:" + QByteArray::number(QRandomGenerator::global()->generate(), 16) + ':';
    for (int r = 0; r < runs; ++r) {
        const QByteArray prefix = base + QByteArray::number(r) + ':';
        auto store = RedisStore::open(url, clock, StoreOptions{QString::fromUtf8(prefix), kRankingWindowMinutes});
        if (!store) {
            std::fprintf(stderr, "redis: %s\n", qPrintable(store.error().message));
            return 1;
        }
        RedisConnection &c = (*store)->connection();
        const std::int64_t before = usedMemory(c);
        red.push_back(fill(**store));
        const std::int64_t after = usedMemory(c);
        if (r == runs - 1) {
            std::printf("redis  memory for the full window: %.1f MiB (used_memory %lld -> %lld)\n",
                        double(after - before) / 1048576.0, static_cast<long long>(before), static_cast<long long>(after));
            std::vector<double> z;
            RedisCommand zr{"ZRANGE"};
            zr.arg(prefix + "rank").arg("0").arg("99").arg("WITHSCORES");
            for (int i = 0; i < 200; ++i) {
                auto t0 = Clk::now();
                (void)c.command(zr);
                z.push_back(seconds(t0, Clk::now()) * 1e6);
            }
            std::printf("redis  ZRANGE rank 0 99 WITHSCORES round trip: median %.0f us\n", median(z));
            measureReads(**store, "redis");
        }
        deletePrefix(c, prefix);
    }
    std::printf("redis apply: median %.0f tx/s over %d runs (%s)\n", median(red), runs, qPrintable(RedisUrl::parse(url)->masked()));
    return 0;
}
