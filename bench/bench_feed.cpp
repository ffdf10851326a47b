// bench_feed: the cost of the live-feed path on the GUI thread, and its end-to-end rate.
//
// A WebSocket server on its own thread streams pre-generated synthetic utx messages (SyntheticFeed) to a
// FeedClient on the main thread, either as fast as the socket drains (--rate max) or at a fixed rate.
// Modes: "feed" (FeedClient only: frame decoding, UTF-8 round trip, counting), "ingest" (plus the queued
// hand-off of every message to an IngestWorker on its own thread, which parses and batches) and "coalesced"
// (the same with FeedOptions::coalesce: one hand-off per event-loop turn). The GUI-thread
// CPU time per message is read from CLOCK_THREAD_CPUTIME_ID, so idle time does not count.
//
//   bench_feed [--messages N] [--rate max|MSG_PER_SECOND] [--runs K] [--mode feed|ingest|coalesced|all]
//
// Prints one line per run and the median per mode.

#include "support/clock.h"
#include "feed/feed_client.h"
#include "feed/ingest_worker.h"
#include "support/stats.h"
#include "replay/synthetic_feed.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QLoggingCategory>
#include <QPointer>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace txpulse;

namespace {

double threadCpuUs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e6 + double(ts.tv_nsec) / 1e3;
}

// Streams `total` messages to each subscriber, cycling through a pre-generated pool.
class BenchServer : public QObject {
public:
    BenchServer(QList<QString> pool, qint64 total, int rate)
        : m_pool(std::move(pool))
        , m_total(total)
        , m_rate(rate)
    {
    }

    void listen()
    {
        m_server = new QWebSocketServer(QStringLiteral("bench"), QWebSocketServer::NonSecureMode, this);
        if (!m_server->listen(QHostAddress::LocalHost, 0))
            qFatal("cannot listen");
        m_port = m_server->serverPort();
        connect(m_server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *c = m_server->nextPendingConnection()) {
                connect(c, &QWebSocket::textMessageReceived, this, [this, c](const QString &m) {
                    if (m == QLatin1String(R"({"op":"unconfirmed_sub"})"))
                        startStreaming(c);
                });
                connect(c, &QWebSocket::bytesWritten, this, [this](qint64 n) { m_outstanding -= n; });
                connect(c, &QWebSocket::disconnected, c, &QObject::deleteLater);
            }
        });
    }
    quint16 port() const { return m_port; }

private:
    void startStreaming(QWebSocket *c)
    {
        m_client = c;
        m_sent = 0;
        m_outstanding = 0;
        m_clock.start();
        auto *pump = new QTimer(this);
        pump->setInterval(m_rate > 0 ? 1 : 0);
        connect(pump, &QTimer::timeout, this, [this, pump] {
            if (!m_client || m_sent >= m_total) {
                pump->deleteLater();
                return;
            }
            qint64 n = 256;
            if (m_rate > 0)
                n = m_rate * m_clock.nsecsElapsed() / 1'000'000'000 - m_sent;
            else if (m_outstanding > 4 * 1024 * 1024)
                n = 0; // let the socket drain: bounded memory, and the reader sets the pace
            n = std::min(n, m_total - m_sent);
            for (qint64 i = 0; i < n; ++i) {
                m_outstanding += m_client->sendTextMessage(m_pool.at(int(m_sent % m_pool.size())));
                ++m_sent;
            }
        });
        pump->start();
    }

    QList<QString> m_pool;
    qint64 m_total;
    int m_rate;
    QWebSocketServer *m_server = nullptr;
    QPointer<QWebSocket> m_client;
    quint16 m_port = 0;
    qint64 m_sent = 0;
    qint64 m_outstanding = 0;
    QElapsedTimer m_clock;
};

struct RunResult {
    double seconds = 0;
    double msgPerSec = 0;
    double mbPerSec = 0;
    double guiUsPerMsg = 0;
    double workerUsPerMsg = 0;
};

RunResult runOnce(const QList<QString> &pool, qint64 total, int rate, const QString &mode)
{
    const bool ingest = mode != QLatin1String("feed");
    const bool coalesce = mode == QLatin1String("coalesced");
    QThread serverThread;
    serverThread.setObjectName(QStringLiteral("bench-server"));
    auto *server = new BenchServer(pool, total, rate);
    server->moveToThread(&serverThread);
    QObject::connect(&serverThread, &QThread::finished, server, &QObject::deleteLater);
    serverThread.start();
    QMetaObject::invokeMethod(server, [server] { server->listen(); }, Qt::BlockingQueuedConnection);

    Stats stats;
    WallClock clock;
    FeedOptions fo;
    fo.url = QUrl(QStringLiteral("ws://127.0.0.1:%1/inv").arg(server->port()));
    fo.coalesce = coalesce;
    FeedClient feed(fo, stats, clock);

    QThread workerThread;
    workerThread.setObjectName(QStringLiteral("ingest"));
    IngestWorker *worker = nullptr;
    if (ingest) {
        worker = new IngestWorker(stats, clock, IngestOptions{});
        worker->moveToThread(&workerThread);
        QObject::connect(&workerThread, &QThread::finished, worker, &QObject::deleteLater);
        workerThread.start();
        QObject::connect(&feed, &FeedClient::messageReceived, worker, &IngestWorker::handleMessage);
        QObject::connect(&feed, &FeedClient::messagesReceived, worker, &IngestWorker::handleMessages);
    }

    QElapsedTimer wall;
    double guiCpu0 = 0;
    double workerCpu0 = 0;
    bool first = true;
    const auto onFirst = [&] {
        if (!first)
            return;
        first = false;
        wall.start();
        guiCpu0 = threadCpuUs();
        if (worker)
            QMetaObject::invokeMethod(worker, [&] { workerCpu0 = threadCpuUs(); }, Qt::QueuedConnection);
    };
    QObject::connect(&feed, &FeedClient::messageReceived, &feed, onFirst);
    QObject::connect(&feed, &FeedClient::messagesReceived, &feed, onFirst);

    QEventLoop loop;
    QTimer check;
    check.setInterval(5);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        const qint64 done = ingest ? stats.feedTransactions.load() + stats.feedIgnored.load() + stats.sample().feedRejected
                                   : stats.feedMessages.load();
        if (done >= total)
            loop.quit();
    });
    check.start();
    feed.start();
    loop.exec();

    RunResult r;
    r.seconds = double(wall.nsecsElapsed()) / 1e9;
    const double guiCpu = threadCpuUs() - guiCpu0;
    if (worker) {
        double workerCpu1 = 0;
        QMetaObject::invokeMethod(worker, [&] { workerCpu1 = threadCpuUs(); }, Qt::BlockingQueuedConnection);
        r.workerUsPerMsg = (workerCpu1 - workerCpu0) / double(total);
        if (stats.sample().feedRejected != 0)
            std::fprintf(stderr, "warning: %lld messages rejected\n",
                         static_cast<long long>(stats.sample().feedRejected));
    }
    r.msgPerSec = double(total) / r.seconds;
    r.mbPerSec = double(stats.feedBytes.load()) / r.seconds / 1e6;
    r.guiUsPerMsg = guiCpu / double(total);

    feed.stop();
    workerThread.quit();
    workerThread.wait();
    serverThread.quit();
    serverThread.wait();
    return r;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    p.addOption({QStringLiteral("messages"), QStringLiteral("Messages per run."), QStringLiteral("N"),
                 QStringLiteral("200000")});
    p.addOption({QStringLiteral("rate"), QStringLiteral("max or messages per second."), QStringLiteral("R"),
                 QStringLiteral("max")});
    p.addOption({QStringLiteral("runs"), QStringLiteral("Runs per mode."), QStringLiteral("K"),
                 QStringLiteral("5")});
    p.addOption({QStringLiteral("mode"), QStringLiteral("feed, ingest, coalesced or all."), QStringLiteral("M"),
                 QStringLiteral("all")});
    p.process(app);
    const qint64 total = p.value(QStringLiteral("messages")).toLongLong();
    const QString rateText = p.value(QStringLiteral("rate"));
    const int rate = rateText == QLatin1String("max") ? 0 : rateText.toInt();
    const int runs = std::max(1, p.value(QStringLiteral("runs")).toInt());
    const QString mode = p.value(QStringLiteral("mode"));

    QLoggingCategory::setFilterRules(QStringLiteral("txpulse.*.info=false"));

    SyntheticFeed synth;
    QList<QString> pool;
    qint64 poolBytes = 0;
    for (int i = 0; i < 20'000; ++i) {
        const QByteArray m = synth.next(1'700'000'000 + i / 10);
        poolBytes += m.size();
        pool.append(QString::fromUtf8(m));
    }
    std::printf("bench_feed: %lld messages/run, rate %s, synthetic pool of %lld messages (mean %.0f bytes)\n",
                static_cast<long long>(total), qPrintable(rateText), static_cast<long long>(pool.size()),
                double(poolBytes) / double(pool.size()));

    const QStringList modes = mode == QLatin1String("all")
                                  ? QStringList{QStringLiteral("feed"), QStringLiteral("ingest"),
                                                QStringLiteral("coalesced")}
                                  : QStringList{mode};
    for (const QString &m : modes) {
        std::vector<double> rateV, mbV, guiV, workerV;
        for (int k = 0; k < runs; ++k) {
            const RunResult r = runOnce(pool, total, rate, m);
            std::printf("  %-9s run %d: %8.0f msg/s  %6.1f MB/s  GUI thread %.2f us/msg  worker %.2f us/msg\n",
                        qPrintable(m), k + 1, r.msgPerSec, r.mbPerSec, r.guiUsPerMsg,
                        r.workerUsPerMsg);
            rateV.push_back(r.msgPerSec);
            mbV.push_back(r.mbPerSec);
            guiV.push_back(r.guiUsPerMsg);
            workerV.push_back(r.workerUsPerMsg);
        }
        std::printf("%-9s median: %8.0f msg/s  %6.1f MB/s  GUI thread %.2f us/msg (%.1f%% of a core at 20k msg/s)"
                    "  worker %.2f us/msg\n",
                    qPrintable(m), median(rateV), median(mbV), median(guiV),
                    median(guiV) * 20'000 / 1e4, median(workerV));
    }
    return 0;
}
