// Parse throughput: TransactionParser (simdjson On-Demand) against QJsonDocument::fromJson plus extracting
// the same fields into the same Transaction, on the same messages, in the same run. Prints the median of
// several repetitions per data set and the ratio.
//
//   build-*/bench/bench_parse [--reps N] [--synthetic N] [--fixture-copies N]

#include "replay/synthetic_feed.h"
#include "model/transaction_parser.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace txpulse;

namespace {

// The QJsonDocument path, doing the work TransactionParser does (minus its strictness checks).
bool parseWithQJson(const QByteArray &raw, Transaction &tx)
{
    const QJsonDocument doc = QJsonDocument::fromJson(raw);
    const QJsonObject root = doc.object();
    if (root.value(QLatin1String("op")).toString() != QLatin1String("utx"))
        return false;
    const QJsonObject x = root.value(QLatin1String("x")).toObject();
    tx = Transaction();
    tx.hash = x.value(QLatin1String("hash")).toString().toStdString();
    tx.time = x.value(QLatin1String("time")).toInteger();
    tx.size = x.value(QLatin1String("size")).toInteger();
    bool allValued = true;
    const QJsonArray inputs = x.value(QLatin1String("inputs")).toArray();
    tx.inputs.reserve(static_cast<std::size_t>(inputs.size()));
    for (const QJsonValue &v : inputs) {
        const QJsonObject prev = v.toObject().value(QLatin1String("prev_out")).toObject();
        TxInput in;
        const QJsonValue addr = prev.value(QLatin1String("addr"));
        if (addr.isString())
            in.address = addr.toString().toStdString();
        const QJsonValue value = prev.value(QLatin1String("value"));
        if (value.isDouble()) {
            in.value = value.toInteger();
            tx.totalIn += *in.value;
        } else {
            allValued = false;
        }
        tx.inputs.push_back(std::move(in));
    }
    const QJsonArray outs = x.value(QLatin1String("out")).toArray();
    tx.outputs.reserve(static_cast<std::size_t>(outs.size()));
    for (const QJsonValue &v : outs) {
        const QJsonObject o = v.toObject();
        TxOutput out;
        const QJsonValue addr = o.value(QLatin1String("addr"));
        if (addr.isString())
            out.address = addr.toString().toStdString();
        out.value = o.value(QLatin1String("value")).toInteger();
        tx.totalOut += out.value;
        tx.outputs.push_back(std::move(out));
    }
    if (allValued && !tx.inputs.empty())
        tx.fee = tx.totalIn - tx.totalOut;
    tx.raw = raw;
    return true;
}

struct Run {
    double seconds;
    std::int64_t checksum;
};

template<typename F>
Run timeOnce(const QList<QByteArray> &messages, F &&parseOne)
{
    QElapsedTimer t;
    t.start();
    std::int64_t checksum = 0;
    for (const QByteArray &m : messages)
        checksum += parseOne(m);
    return {static_cast<double>(t.nsecsElapsed()) / 1e9, checksum};
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench(const char *name, const QList<QByteArray> &messages, int reps)
{
    qint64 bytes = 0;
    for (const QByteArray &m : messages)
        bytes += m.size();
    TransactionParser parser;
    auto simd = [&parser](const QByteArray &m) -> std::int64_t {
        const ParseOutcome r = parser.parse(m);
        return r.kind == ParseOutcome::Kind::Transaction ? r.tx.totalOut + r.tx.time : -1;
    };
    Transaction tx;
    auto qjson = [&tx](const QByteArray &m) -> std::int64_t {
        return parseWithQJson(m, tx) ? tx.totalOut + tx.time : -1;
    };
    // Warm-up, and a check that both sides did the same work.
    const Run a = timeOnce(messages, simd);
    const Run b = timeOnce(messages, qjson);
    if (a.checksum != b.checksum)
        std::fprintf(stderr, "warning: %s: checksums differ (%lld vs %lld)\n", name,
                     static_cast<long long>(a.checksum), static_cast<long long>(b.checksum));
    std::vector<double> ts, tq;
    for (int i = 0; i < reps; ++i) {
        ts.push_back(timeOnce(messages, simd).seconds);
        tq.push_back(timeOnce(messages, qjson).seconds);
    }
    const double s = median(ts);
    const double q = median(tq);
    const double n = static_cast<double>(messages.size());
    const double mb = static_cast<double>(bytes) / 1e6;
    std::printf("%-22s %8lld msgs %7.1f MB | simdjson %10.0f msg/s %7.1f MB/s | QJsonDocument %9.0f msg/s "
                "%6.1f MB/s | ratio %.2fx\n",
                name, static_cast<long long>(messages.size()), mb, n / s, mb / s, n / q, mb / q, q / s);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser cli;
    cli.addHelpOption();
    const QCommandLineOption repsOpt(QStringLiteral("reps"), QStringLiteral("Repetitions (median)."),
                                     QStringLiteral("N"), QStringLiteral("7"));
    const QCommandLineOption synthOpt(QStringLiteral("synthetic"), QStringLiteral("Synthetic messages."),
                                      QStringLiteral("N"), QStringLiteral("100000"));
    const QCommandLineOption copiesOpt(QStringLiteral("fixture-copies"),
                                       QStringLiteral("How many times the fixtures are repeated."),
                                       QStringLiteral("N"), QStringLiteral("5000"));
    cli.addOptions({repsOpt, synthOpt, copiesOpt});
    cli.process(app);
    const int reps = std::max(1, cli.value(repsOpt).toInt());

    QFile f(QStringLiteral(TXPULSE_TEST_DATA "/blockchain_utx_sample.ndjson"));
    if (!f.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot open %s\n", qPrintable(f.fileName()));
        return 1;
    }
    QList<QByteArray> fixtureLines;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (!line.trimmed().isEmpty())
            fixtureLines.append(line);
    }
    QList<QByteArray> fixtures;
    for (int i = 0; i < cli.value(copiesOpt).toInt(); ++i) {
        for (const QByteArray &line : fixtureLines)
            fixtures.append(QByteArray(line.constData(), line.size())); // distinct buffers, like frames
    }
    QList<QByteArray> synthetic;
    SyntheticFeed feed;
    for (int i = 0, n = cli.value(synthOpt).toInt(); i < n; ++i)
        synthetic.append(feed.next(1'700'000'000 + i / 10));
    QList<QByteArray> all = fixtures + synthetic;

    std::printf("bench_parse: median of %d repetitions\n", reps);
    bench("fixtures (repeated)", fixtures, reps);
    bench("synthetic", synthetic, reps);
    bench("fixtures + synthetic", all, reps);
    return 0;
}
