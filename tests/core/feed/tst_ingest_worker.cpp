#include "feed/feed_client.h"
#include "feed/feed_recorder.h"
#include "feed/ingest_worker.h"

#include "core/feed/feed_test_server.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace txpulse;

namespace {

QList<QByteArray> utxLines()
{
    return test::fixtureLines(u"blockchain_utx_sample.ndjson");
}

QList<QByteArray> blockLines()
{
    return test::fixtureLines(u"blockchain_block_sample.ndjson");
}

qint64 rejects(const Stats &stats, ParseError e)
{
    return stats.rejectsByReason[static_cast<std::size_t>(e)].load();
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

QList<TxBatchPtr> batchesOf(const QSignalSpy &spy)
{
    QList<TxBatchPtr> out;
    for (const auto &args : spy)
        out.append(args.at(0).value<TxBatchPtr>());
    return out;
}

struct BadMessage {
    QByteArray raw;
    ParseError reason;
};

// Crafted from a real message, so each one is wrong in exactly one way.
QList<BadMessage> badMessages()
{
    const QByteArray good = utxLines().first();
    QByteArray badHash = good;
    const qsizetype h = badHash.indexOf("\"hash\":\"") + 8;
    badHash.replace(h, 64, QByteArray(64, 'z'));
    return {
        {good.left(good.size() / 2), ParseError::InvalidJson},
        {QByteArray(R"("a string")"), ParseError::NotObject},
        {badHash, ParseError::BadHash},
        {QByteArray(R"([1,2,3])"), ParseError::NotObject},
        {QByteArray(R"({"op":"utx"})"), ParseError::MissingX},
    };
}

} // namespace

class tst_IngestWorker : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

private Q_SLOTS:
    void countsAndBatchesFixtures()
    {
        Stats stats;
        ManualClock clock(1000);
        IngestOptions o;
        o.batchMaxDelayMs = 60000; // only flush() or the count may emit here
        IngestWorker worker(stats, clock, o);
        QSignalSpy batches(&worker, &IngestWorker::batchReady);

        const QList<QByteArray> utx = utxLines();
        const QList<BadMessage> bad = badMessages();
        const QList<QByteArray> ignored = blockLines() + QList<QByteArray>{QByteArray(R"({"op":"pong"})")};
        // Interleaved, as a live feed would deliver them.
        for (int i = 0; i < utx.size(); ++i) {
            worker.handleMessage(utx.at(i), 1000 + i);
            if (i < bad.size())
                worker.handleMessage(bad.at(i).raw, 1000 + i);
            if (i < ignored.size())
                worker.handleMessage(ignored.at(i), 1000 + i);
        }
        QVERIFY(batches.isEmpty());
        worker.flush();
        QCOMPARE(batches.size(), 1);
        const TxBatchPtr batch = batches.at(0).at(0).value<TxBatchPtr>();
        QVERIFY(batch);
        QCOMPARE(batch->sequence, 1u);
        QCOMPARE(qsizetype(batch->transactions.size()), utx.size());
        for (int i = 0; i < utx.size(); ++i) {
            const Transaction &tx = batch->transactions.at(std::size_t(i));
            QCOMPARE(tx.raw, utx.at(i)); // as received, in order
            QVERIFY2(utx.at(i).contains(QByteArray::fromStdString(tx.hash)), tx.hash.c_str());
        }

        const StatsSample s = stats.sample();
        QCOMPARE(s.feedTransactions, utx.size());
        QCOMPARE(s.feedIgnored, ignored.size()); // pong and block: ignored, not rejected
        QCOMPARE(s.feedRejected, bad.size());
        for (const BadMessage &b : bad) {
            const auto expected = std::count_if(bad.begin(), bad.end(),
                                                [&](const BadMessage &x) { return x.reason == b.reason; });
            QCOMPARE(rejects(stats, b.reason), qint64(expected));
        }

        worker.flush(); // nothing pending: no empty batch
        QCOMPARE(batches.size(), 1);
    }

    void batchBoundaries_data()
    {
        QTest::addColumn<int>("maxCount");
        QTest::addColumn<int>("messages");
        QTest::addColumn<QList<int>>("sizes");
        QTest::newRow("few-by-timer") << 512 << 3 << QList<int>{3};
        QTest::newRow("exactly-full") << 512 << 512 << QList<int>{512};
        QTest::newRow("two-full") << 512 << 1024 << QList<int>{512, 512};
        QTest::newRow("two-full-and-one-by-timer") << 512 << 1025 << QList<int>{512, 512, 1};
        QTest::newRow("batch-of-one") << 1 << 3 << QList<int>{1, 1, 1};
    }
    void batchBoundaries()
    {
        QFETCH(int, maxCount);
        QFETCH(int, messages);
        QFETCH(QList<int>, sizes);
        Stats stats;
        ManualClock clock;
        IngestOptions o;
        o.batchMaxCount = maxCount;
        o.batchMaxDelayMs = 20;
        IngestWorker worker(stats, clock, o);
        QSignalSpy batches(&worker, &IngestWorker::batchReady);
        const QList<QByteArray> utx = utxLines();
        for (int i = 0; i < messages; ++i)
            worker.handleMessage(utx.at(i % utx.size()), i);
        // Full batches go out at once, the remainder only when its timer fires.
        const int full = messages / maxCount;
        QCOMPARE(batches.size(), full);
        QTRY_COMPARE(batches.size(), sizes.size());
        const QList<TxBatchPtr> got = batchesOf(batches);
        for (int i = 0; i < sizes.size(); ++i) {
            QCOMPARE(int(got.at(i)->transactions.size()), sizes.at(i));
            QCOMPARE(got.at(i)->sequence, std::uint64_t(i + 1));
        }
        QCOMPARE(stats.sample().feedTransactions, messages);
    }

    void recordsEveryMessageByteForByte()
    {
        const QString path = m_dir.filePath(QStringLiteral("record.ndjson"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{\"op\":\"earlier run\"}\n"); // appended to, never truncated
        }
        QList<QByteArray> input = utxLines() + blockLines();
        for (const BadMessage &b : badMessages())
            input.append(b.raw);
        input.append(QByteArray(R"({"op":"pong"})"));
        input.append(QByteArray("{\"op\":\"x\", \"\xc3\xa9\":1}")); // non-ASCII UTF-8 kept as is

        Stats stats;
        ManualClock clock;
        IngestOptions o;
        o.recordFile = path;
        {
            IngestWorker worker(stats, clock, o);
            QVERIFY(worker.isRecording());
            for (const QByteArray &m : std::as_const(input))
                worker.handleMessage(m, 0);
            worker.flush();
            QByteArray expected = "{\"op\":\"earlier run\"}\n";
            for (const QByteArray &m : std::as_const(input))
                expected += m + '\n';
            QCOMPARE(readAll(path), expected); // flush() made it visible while still recording
        }
        const QList<QByteArray> lines = test::readLines(path);
        QCOMPARE(lines.size(), input.size() + 1);
        QCOMPARE(lines.mid(1), input);
    }

    void recorderKeepsOneMessagePerLine()
    {
        const QString path = m_dir.filePath(QStringLiteral("newlines.ndjson"));
        FeedRecorder r;
        QVERIFY(r.open(path));
        r.append(QByteArray("{\"op\":\"pong\"}"));
        r.append(QByteArray("{\n\"op\":\r\n\"pong\"}"));
        r.close();
        QCOMPARE(readAll(path), QByteArray("{\"op\":\"pong\"}\n{ \"op\":  \"pong\"}\n"));
        QCOMPARE(r.recorded(), 2);
        QCOMPARE(r.newlinesReplaced(), 1);
    }

    void recordingErrorsNeverStopIngest_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<bool>("opens");
        QTest::newRow("missing-directory") << m_dir.filePath(QStringLiteral("no/such/dir/r.ndjson")) << false;
        QTest::newRow("disk-full") << QStringLiteral("/dev/full") << true;
    }
    void recordingErrorsNeverStopIngest()
    {
        QFETCH(QString, path);
        QFETCH(bool, opens);
        QVERIFY2(!opens || QFile::exists(path), "Linux provides /dev/full");
        Stats stats;
        ManualClock clock;
        IngestOptions o;
        o.recordFile = path;
        o.batchMaxCount = 1;
        IngestWorker worker(stats, clock, o);
        QCOMPARE(worker.isRecording(), opens);
        QSignalSpy batches(&worker, &IngestWorker::batchReady);
        const QList<QByteArray> utx = utxLines();
        for (const QByteArray &m : utx)
            worker.handleMessage(m, 0);
        worker.flush(); // /dev/full fails here at the latest
        QVERIFY(!worker.isRecording());
        for (const QByteArray &m : utx)
            worker.handleMessage(m, 0);
        QCOMPARE(batches.size(), 2 * utx.size());
        QCOMPARE(stats.sample().feedTransactions, 2 * utx.size());
    }

    void runsOnItsOwnThread()
    {
        // The production wiring: a feed on this thread, the worker on another, queued both ways.
        test::FeedTestServer server;
        server.script = utxLines() + blockLines();
        Stats stats;
        WallClock clock;
        QThread thread;
        thread.setObjectName(QStringLiteral("ingest"));
        auto *worker = new IngestWorker(stats, clock, IngestOptions{});
        worker->moveToThread(&thread);
        connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
        thread.start();

        FeedOptions fo;
        fo.url = server.url();
        FeedClient feed(fo, stats, clock);
        connect(&feed, &FeedClient::messageReceived, worker, &IngestWorker::handleMessage);
        QList<std::pair<TxBatchPtr, Qt::HANDLE>> received;
        connect(worker, &IngestWorker::batchReady, this,
                [&](TxBatchPtr b) { received.append({b, QThread::currentThreadId()}); });
        feed.start();

        const qsizetype n = utxLines().size();
        QTRY_COMPARE(stats.sample().feedTransactions, n);
        QTRY_VERIFY(!received.isEmpty());
        QMetaObject::invokeMethod(worker, &IngestWorker::flush, Qt::BlockingQueuedConnection);
        const auto total = [&] {
            qsizetype t = 0;
            for (const auto &r : received)
                t += qsizetype(r.first->transactions.size());
            return t;
        };
        QTRY_COMPARE(total(), n);
        for (const auto &r : received)
            QCOMPARE(r.second, QThread::currentThreadId());
        QCOMPARE(stats.sample().feedIgnored, qint64(blockLines().size()));
        feed.stop();
        thread.quit();
        QVERIFY(thread.wait(5000));
    }
};

QTEST_GUILESS_MAIN(tst_IngestWorker)
#include "tst_ingest_worker.moc"
