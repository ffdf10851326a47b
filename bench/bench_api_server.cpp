// Serves HttpApi over a full 3-hour snapshot for load tests (bench/bench_api.sh runs wrk against it).
//
//   bench_api_server [--port N] [--refresh-ms MS]
//
// The snapshot holds what a busy 3-hour window looks like: 180 per-minute counts adding up to 300,000
// transactions, a ranking of 100,000 addresses (the top 1,000 read from it, as the store would), and the
// latest 100 feed messages. A copy is republished every --refresh-ms (default 250, like the aggregator), so
// the per-snapshot response cache is rebuilt at the production cadence while wrk runs. Prints
// "listening on 127.0.0.1:PORT" once ready.

#include "http/http_api.h"
#include "model/transaction_parser.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <random>

using namespace txpulse;

namespace {

constexpr int kTransactions = 300'000;
constexpr int kAddresses = 100'000;
constexpr int kTopRead = 1000;

QByteArray utxMessage(std::mt19937_64 &rng, std::int64_t time)
{
    static const char kHex[] = "0123456789abcdef";
    QByteArray hash(64, '0');
    for (char &c : hash)
        c = kHex[rng() % 16];
    const auto value = static_cast<qint64>(rng() % 100'000'000);
    return "{\"op\":\"utx\",\"x\":{\"lock_time\":0,\"ver\":2,\"size\":222,\"inputs\":[{\"sequence\":4294967295,"
           "\"prev_out\":{\"spent\":true,\"tx_index\":0,\"type\":0,\"addr\":\"bc1qinput"
           + QByteArray::number(static_cast<qint64>(rng() % kAddresses)) + "\",\"value\":" + QByteArray::number(value + 1000)
           + ",\"n\":0,\"script\":\"0014\"},\"script\":\"\"}],\"time\":" + QByteArray::number(static_cast<qint64>(time))
           + ",\"tx_index\":0,\"vin_sz\":1,\"hash\":\"" + hash
           + "\",\"vout_sz\":1,\"relayed_by\":\"0.0.0.0\",\"out\":[{\"spent\":false,\"tx_index\":0,\"type\":0,"
             "\"addr\":\"bc1qoutput" + QByteArray::number(static_cast<qint64>(rng() % kAddresses)) + "\",\"value\":"
           + QByteArray::number(value) + ",\"n\":0,\"script\":\"0014\"}]}}";
}

SnapshotPtr makeSnapshot()
{
    std::mt19937_64 rng(42);
    auto s = std::make_shared<Snapshot>();
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    s->generatedMs = now;
    s->ready = true;
    s->view.nowMs = now;
    const std::int64_t current = now / 60'000;
    for (std::int64_t m = current - kChartWindowMinutes + 1; m <= current; ++m)
        s->view.minutes.push_back({m, kTransactions / kChartWindowMinutes, false});

    std::vector<AddressTotal> ranking;
    ranking.reserve(kAddresses);
    std::lognormal_distribution<double> value(18.0, 2.5);
    std::int64_t total = 0;
    for (int i = 0; i < kAddresses; ++i) {
        const auto sats = std::min<std::int64_t>(static_cast<std::int64_t>(value(rng)), kMaxSatoshis);
        ranking.push_back({"bc1q" + std::to_string(rng()) + std::to_string(i), sats});
        total += sats;
    }
    std::partial_sort(ranking.begin(), ranking.begin() + kTopRead, ranking.end(), [](const auto &a, const auto &b) {
        return a.satoshis != b.satoshis ? a.satoshis > b.satoshis : a.address < b.address;
    });
    s->view.top.assign(ranking.begin(), ranking.begin() + kTopRead);
    s->view.rankedAddresses = kAddresses;
    s->view.rankedSatoshis = total;

    TransactionParser parser;
    for (int i = 0; i < kLatestCount; ++i) {
        const QByteArray raw = utxMessage(rng, now / 1000 - i);
        ParseOutcome outcome = parser.parse(raw);
        if (outcome.kind != ParseOutcome::Kind::Transaction)
            qFatal("bench message did not parse");
        s->view.latest.push_back(raw);
        s->latest.push_back(std::move(outcome.tx));
    }
    s->stats.feedState = ComponentState::Connected;
    s->txPerSecond = kTransactions / (kChartWindowMinutes * 60.0);
    return s;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("Port (0: any free port)."),
                                  QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption refresh(QStringLiteral("refresh-ms"),
                                     QStringLiteral("Republish the snapshot this often (0: never)."),
                                     QStringLiteral("MS"), QStringLiteral("250"));
    cli.addOptions({port, refresh});
    cli.process(app);

    SnapshotHub hub;
    const SnapshotPtr base = makeSnapshot();
    hub.publish(base);

    Config config;
    config.httpPort = cli.value(port).toInt();
    HttpApi api(config, hub);
    if (const Expected<void> started = api.start(); !started) {
        std::fprintf(stderr, "%s\n", qPrintable(started.error().message));
        return 1;
    }

    QTimer republish;
    const int refreshMs = cli.value(refresh).toInt();
    if (refreshMs > 0) {
        QObject::connect(&republish, &QTimer::timeout, &app, [&hub, &base] {
            auto next = std::make_shared<Snapshot>(*base); // a new generation: the response cache starts over
            next->generatedMs = QDateTime::currentMSecsSinceEpoch();
            hub.publish(std::move(next));
        });
        republish.start(refreshMs);
    }
    std::printf("listening on 127.0.0.1:%u\n", unsigned(api.port()));
    std::fflush(stdout);
    return app.exec();
}
