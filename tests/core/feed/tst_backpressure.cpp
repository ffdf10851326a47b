// Feed backpressure: FlowCredit on its own, and the production wiring (FeedClient on its own thread ->
// IngestWorker on another -> a deliberately slow consumer on a third) against a source much faster than the
// consumer. The feed must stop reading at the bound, the server must be held back by TCP, and every message
// must arrive exactly once, in order; a pause is neither a stall nor a gap.

#include "feed/feed_client.h"
#include "feed/flow_credit.h"
#include "feed/ingest_worker.h"
#include "replay/synthetic_feed.h"
#include "model/transaction_parser.h"

#include "core/feed/feed_test_server.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace txpulse;

namespace {

// Takes batches on its own thread, slowly; keeps only the hashes, so each batch (and its credit lease) is
// released when the slot returns, as the producer does once librdkafka has the messages.
class SlowSink : public QObject {
    Q_OBJECT

public:
    std::atomic<int> delayUs{0};
    std::atomic<int> blockAtBatch{-1}; // the batch (0-based) before which take() sleeps blockMs
    std::atomic<int> blockMs{0};
    std::atomic<bool> blocking{false};
    std::atomic<qint64> received{0};
    std::vector<std::string> hashes; // on the sink thread only; read after its thread has finished
    // TSan cannot see the queued hand-over of batchReady (it happens inside uninstrumented Qt: see
    // TestThread), so under load it reported the ingest thread's writes to a batch against take()'s reads.
    // The ingest thread bumps this (release) in a direct connection made before the queued one, i.e. before
    // Qt posts the batch; take() reads it (acquire) before it reads the batch.
    std::atomic<quint64> published{0};

public Q_SLOTS:
    void take(const txpulse::TxBatchPtr &batch)
    {
        if (m_batches++ == blockAtBatch.load()) {
            blocking = true;
            QThread::msleep(static_cast<unsigned long>(blockMs.load()));
            blocking = false;
        } else if (delayUs > 0) {
            QThread::usleep(static_cast<unsigned long>(delayUs.load()));
        }
        (void)published.load(std::memory_order_acquire); // see `published`
        for (const Transaction &tx : batch->transactions)
            hashes.push_back(tx.hash);
        received.fetch_add(qint64(batch->transactions.size()));
    }

private:
    int m_batches = 0;
};

// QThread::wait() synchronizes inside libQt6Core, which TSan does not instrument, so TSan cannot tell that what
// a thread did happens before the code after wait(): the next test reusing this one's stack frame then looks
// like a race with the thread's last reads of it (seen: FeedClient::stop() reading the clock). The thread
// publishes its end with a release store in finished(), emitted on the thread after everything it ran, and
// join() reads it with acquire after wait().
class TestThread : public QThread {
public:
    TestThread()
    {
        connect(this, &QThread::finished, this, [this] { m_ended.store(true, std::memory_order_release); },
                Qt::DirectConnection);
    }
    bool join(int ms) { return wait(ms) && m_ended.load(std::memory_order_acquire); }

private:
    std::atomic<bool> m_ended{false};
};

} // namespace

class tst_Backpressure : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void creditCountsAndLeases()
    {
        Stats stats;
        FlowCredit credit(stats, 10, 4);
        QCOMPARE(credit.highWater(), 10);
        QCOMPARE(credit.lowWater(), 4);
        credit.acquire(7);
        QCOMPARE(credit.inFlight(), 7);
        QVERIFY(!credit.isFull());
        credit.acquire(3);
        QVERIFY(credit.isFull());
        QCOMPARE(stats.sample().feedInFlight, 10);
        {
            auto lease = credit.lease(5);
            auto copy = lease; // released once, when the last copy goes
            lease.reset();
            QCOMPARE(credit.inFlight(), 10);
        }
        QCOMPARE(credit.inFlight(), 5);
        QVERIFY(credit.lease(0) == nullptr);
        credit.release(5);
        QCOMPARE(credit.inFlight(), 0);
        QCOMPARE(credit.peak(), 10);
        const StatsSample s = stats.sample();
        QCOMPARE(s.feedInFlight, 0);
        QCOMPARE(s.feedInFlightPeak, 10);
    }

    void waitForRoomWaitsForTheLowWaterMark()
    {
        Stats stats;
        FlowCredit credit(stats, 100, 50);
        QVERIFY(credit.waitForRoom(0)); // empty: room at once
        credit.acquire(100);
        QElapsedTimer t;
        t.start();
        QVERIFY(!credit.waitForRoom(30)); // nobody releases: times out
        QVERIFY(t.elapsed() >= 25);

        // Released from another thread in steps: the waiter wakes only once at or below the low-water mark.
        std::thread releaser([&credit] {
            for (int i = 0; i < 10; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
                credit.release(5);
            }
        });
        QVERIFY(credit.waitForRoom(5000));
        QVERIFY(credit.inFlight() <= 50);
        releaser.join();
        QCOMPARE(credit.inFlight(), 50);
    }

    void slowConsumerHoldsBackAFastSource()
    {
        constexpr int kMessages = 20000;
        constexpr qint64 kHigh = 256;
        constexpr qint64 kLow = 128;
        constexpr int kStallMs = 1000;

        // ~1 KB synthetic transactions with a pong every 100 messages (ignored by the parser: its credit is
        // given back by the ingest worker, not with a batch). ~20 MB in all: far more than the socket buffers.
        test::FeedTestServer server;
        SyntheticFeed synthetic;
        TransactionParser parser;
        std::vector<std::string> expected;
        qint64 pongs = 0;
        for (int i = 0; i < kMessages; ++i) {
            if (i % 100 == 99) {
                server.script.append(QByteArrayLiteral(R"({"op":"pong"})"));
                ++pongs;
                continue;
            }
            QByteArray line = synthetic.next(1'700'000'000 + i);
            ParseOutcome outcome = parser.parse(line);
            QCOMPARE(outcome.kind, ParseOutcome::Kind::Transaction);
            expected.push_back(outcome.tx.hash);
            server.script.append(std::move(line));
        }

        Stats stats;
        WallClock clock;
        FlowCredit credit(stats, kHigh, kLow);

        TestThread sinkThread;
        auto sinkOwner = std::make_unique<SlowSink>(); // deleted after the threads are joined
        SlowSink *sink = sinkOwner.get();
        sink->delayUs = 2000;     // 64 transactions per 2 ms: far slower than the feed
        sink->blockAtBatch = 40;  // then one stop of 3 stall timeouts
        sink->blockMs = 3 * kStallMs;
        sink->moveToThread(&sinkThread);
        sinkThread.start();

        TestThread ingestThread;
        IngestOptions io;
        io.batchMaxCount = 64;
        auto *ingest = new IngestWorker(stats, clock, io);
        ingest->setFlowCredit(&credit);
        ingest->moveToThread(&ingestThread);
        connect(&ingestThread, &QThread::finished, ingest, &QObject::deleteLater);
        connect(ingest, &IngestWorker::batchReady, ingest, [sink] {
            sink->published.fetch_add(1, std::memory_order_release);
        }, Qt::DirectConnection); // first: runs before the queued connection below posts the batch
        connect(ingest, &IngestWorker::batchReady, sink, &SlowSink::take);
        ingestThread.start();

        TestThread feedThread;
        FeedOptions fo;
        fo.url = server.url();
        fo.coalesce = true;
        fo.stallTimeoutMs = kStallMs;
        fo.pingIntervalMs = 100;
        fo.statisticsIntervalMs = 50;
        auto *feed = new FeedClient(fo, stats, clock);
        feed->setFlowCredit(&credit);
        feed->moveToThread(&feedThread);
        connect(&feedThread, &QThread::finished, feed, &QObject::deleteLater);
        // The same publication as SlowSink::published, for the feed thread's lists of messages: released in a
        // direct connection before Qt posts the list, acquired on the ingest thread before it reads them.
        std::atomic<quint64> feedPublished{0};
        connect(feed, &FeedClient::messagesReceived, feed, [&feedPublished] {
            feedPublished.fetch_add(1, std::memory_order_release);
        }, Qt::DirectConnection);
        connect(feed, &FeedClient::messagesReceived, ingest,
                [ingest, &feedPublished](const QList<QByteArray> &raws, qint64 receivedMs) {
                    (void)feedPublished.load(std::memory_order_acquire);
                    ingest->handleMessages(raws, receivedMs);
                });
        int gapsOpened = 0;
        int gapsClosed = 0;
        int losses = 0;
        FeedStatistics lastStatistics;
        // The lambdas capture locals: their context is a local too, declared after what they capture, so that
        // signals still queued when this function returns die with it (ASan: stack-use-after-return when the
        // next test's event loop delivered them to `this`).
        QObject receiver;
        connect(feed, &FeedClient::gapOpened, &receiver, [&] { ++gapsOpened; });
        connect(feed, &FeedClient::gapClosed, &receiver, [&] { ++gapsClosed; });
        connect(feed, &FeedClient::connectionLost, &receiver, [&] { ++losses; });
        connect(feed, &FeedClient::statisticsChanged, &receiver,
                [&](const FeedStatistics &s) { lastStatistics = s; });
        feedThread.start();
        // A failed check returns early: stop the threads before their QThread objects go (else qFatal).
        auto joinThreads = qScopeGuard([&] {
            if (!feedThread.isFinished()) // finished: deleteLater has deleted the feed
                feed->requestStop();
            for (TestThread *t : {&feedThread, &ingestThread, &sinkThread}) {
                t->quit();
                t->join(10000);
            }
        });
        QMetaObject::invokeMethod(feed, &FeedClient::start, Qt::QueuedConnection);

        // While the sink is stopped the feed must be stopped too: not reading, so the server cannot write.
        QTRY_VERIFY_WITH_TIMEOUT(sink->blocking.load(), 20000);
        QTest::qWait(kStallMs * 2);
        QVERIFY(sink->blocking.load());
        const qint64 inFlightWhileBlocked = credit.inFlight();
        QVERIFY2(inFlightWhileBlocked >= kLow && inFlightWhileBlocked <= kHigh,
                 qPrintable(QString::number(inFlightWhileBlocked)));
        QCOMPARE(server.clients().size(), 1);
        const qint64 unsent = server.clients().first()->bytesToWrite();
        // Data still waits in the server: TCP flow control holds it back (without backpressure the client reads
        // all 20 MB within a fraction of a second and this is 0). Usually several MB; how much the kernel's
        // socket buffers took instead depends on load (543 KB once with three TSan runs on 2 cores).
        QVERIFY2(unsent > 256 * 1024, qPrintable(QString::number(unsent)));
        const qint64 feedWhileBlocked = stats.sample().feedMessages;
        QTest::qWait(100);
        QCOMPARE(stats.sample().feedMessages, feedWhileBlocked); // not reading at all

        const qint64 transactions = qint64(expected.size());
        // (feedMessages also counts the pongs of our keepalive pings; the script's pongs are among the ignored)
        QTRY_COMPARE_WITH_TIMEOUT(stats.sample().feedTransactions, transactions, 60000);
        QMetaObject::invokeMethod(ingest, &IngestWorker::flush, Qt::BlockingQueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(sink->received.load(), transactions, 60000);
        QTRY_COMPARE(credit.inFlight(), 0); // every credit came back: the ignored ones and every batch's lease

        // The bound held, and was reached (so this test exercised it).
        QCOMPARE(credit.peak(), kHigh);
        const StatsSample s = stats.sample();
        QCOMPARE(s.feedInFlightPeak, kHigh);
        QCOMPARE(s.feedInFlight, 0);
        QVERIFY(s.feedPauses > 0);
        QVERIFY2(s.feedPausedMs >= 3 * kStallMs - 50, qPrintable(QString::number(s.feedPausedMs)));
        QVERIFY(s.feedIgnored >= pongs);
        QVERIFY(s.feedMessages >= kMessages);
        QCOMPARE(s.feedTransactions, transactions);

        // A pause of 3 stall timeouts was not taken for a stall: one connection, one gap (before it), no loss.
        QCOMPARE(losses, 0);
        QCOMPARE(s.feedReconnects, 0);
        QCOMPARE(server.connections, 1);
        QCOMPARE(gapsOpened, 1);
        QCOMPARE(gapsClosed, 1);
        QTRY_VERIFY(lastStatistics.pauses > 0);
        QVERIFY(lastStatistics.pausedMs > 0);

        feed->requestStop();
        QMetaObject::invokeMethod(feed, &FeedClient::stop, Qt::BlockingQueuedConnection);
        joinThreads.dismiss();
        feedThread.quit();
        QVERIFY(feedThread.join(5000));
        ingestThread.quit();
        QVERIFY(ingestThread.join(5000));
        sinkThread.quit();
        QVERIFY(sinkThread.join(5000));

        // Exactly once, in order.
        QCOMPARE(sink->hashes.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            QCOMPARE(sink->hashes[i], expected[i]);
    }

    void stopRequestEndsAPause()
    {
        // Nobody ever gives credit back: the feed pauses for good, and a stop request still gets it out.
        test::FeedTestServer server;
        SyntheticFeed synthetic;
        for (int i = 0; i < 200; ++i)
            server.script.append(synthetic.next(1'700'000'000 + i));
        Stats stats;
        WallClock clock;
        FlowCredit credit(stats, 50, 10);

        TestThread feedThread;
        FeedOptions fo;
        fo.url = server.url();
        fo.coalesce = true;
        fo.stallTimeoutMs = 200;
        auto *feed = new FeedClient(fo, stats, clock);
        feed->setFlowCredit(&credit);
        feed->moveToThread(&feedThread);
        connect(&feedThread, &QThread::finished, feed, &QObject::deleteLater);
        qint64 handedOff = 0;
        QObject receiver; // after what the lambda captures (see slowConsumerHoldsBackAFastSource)
        connect(feed, &FeedClient::messagesReceived, &receiver,
                [&](const QList<QByteArray> &raws) { handedOff += raws.size(); });
        feedThread.start();
        auto joinThread = qScopeGuard([&] {
            if (!feedThread.isFinished()) // finished: deleteLater has deleted the feed
                feed->requestStop();
            feedThread.quit();
            feedThread.join(10000);
        });
        QMetaObject::invokeMethod(feed, &FeedClient::start, Qt::QueuedConnection);

        QTRY_COMPARE(handedOff, qint64(50)); // everything it read was handed off before it paused
        QTest::qWait(500);                   // > 2 stall timeouts, paused all along
        QCOMPARE(handedOff, qint64(50));
        QCOMPARE(stats.sample().feedReconnects, 0);
        QElapsedTimer t;
        t.start();
        feed->requestStop();
        QMetaObject::invokeMethod(feed, &FeedClient::stop, Qt::BlockingQueuedConnection);
        QVERIFY(t.elapsed() < 2000);
        feedThread.quit();
        QVERIFY(feedThread.join(5000));
        QVERIFY(stats.sample().feedPausedMs >= 400);
        credit.release(credit.inFlight());
    }
};

QTEST_GUILESS_MAIN(tst_Backpressure)
#include "tst_backpressure.moc"
