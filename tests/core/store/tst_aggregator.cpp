#include "store/aggregator.h"
#include "store/memory_store.h"
#include "replay/synthetic_feed.h"
#include "model/transaction_parser.h"

#include <QSignalSpy>
#include <QTest>

#include <atomic>

using namespace txpulse;

namespace {

// A MemoryStore that fails its first `failures` apply() calls with a retriable error, like Redis going away.
class FlakyStore final : public Store {
public:
    FlakyStore(const Clock &clock, int failures, int *expireCalls) : m_inner(clock), m_failures(failures), m_expireCalls(expireCalls) {}
    Expected<ApplyResult> apply(const std::vector<Transaction> &batch) override
    {
        if (m_failures > 0) {
            --m_failures;
            return Error{QStringLiteral("redis.io"), QStringLiteral("connection reset"), true};
        }
        return m_inner.apply(batch);
    }
    Expected<void> recordGap(const Gap &gap) override { return m_inner.recordGap(gap); }
    Expected<StoreView> read(const ReadRequest &r) override { return m_inner.read(r); }
    Expected<void> expire() override
    {
        ++*m_expireCalls;
        return m_inner.expire();
    }
    QString describe() const override { return QStringLiteral("flaky"); }

private:
    MemoryStore m_inner;
    int m_failures;
    int *m_expireCalls;
};

} // namespace

class tst_Aggregator : public QObject {
    Q_OBJECT

private:
    WallClock m_clock;
    TransactionParser m_parser;
    SyntheticFeed m_feed{SyntheticFeed::Options{7, 50, 0.5}};

    TxBatchPtr makeBatch(std::uint64_t sequence, int size)
    {
        auto b = std::make_shared<TxBatch>();
        b->sequence = sequence;
        for (int i = 0; i < size; ++i) {
            auto o = m_parser.parse(m_feed.next(m_clock.nowSeconds()));
            if (o.kind != ParseOutcome::Kind::Transaction)
                qFatal("synthetic message did not parse");
            b->transactions.push_back(std::move(o.tx));
        }
        return b;
    }

    static Aggregator::Options fastOptions(Mode mode = Mode::Standalone)
    {
        Aggregator::Options o;
        o.mode = mode;
        o.snapshotIntervalMs = 20;
        o.retryInitialMs = 5;
        o.retryMaxMs = 40;
        return o;
    }

private Q_SLOTS:
    void initTestCase() { qRegisterMetaType<TxBatchPtr>(); }

    void batchesInBatchAppliedOutInOrder()
    {
        SnapshotHub hub;
        Stats stats;
        Aggregator agg([this] { return Expected<std::unique_ptr<Store>>(std::make_unique<MemoryStore>(m_clock)); },
                       hub, stats, fastOptions());
        QSignalSpy applied(&agg, &Aggregator::batchApplied);
        agg.start();
        int total = 0;
        for (std::uint64_t seq = 1; seq <= 5; ++seq) {
            auto b = makeBatch(seq, int(seq) * 3);
            total += int(b->transactions.size());
            agg.apply(b);
        }
        QTRY_COMPARE(applied.count(), 5);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(applied.at(i).at(0).value<TxBatchPtr>()->sequence, std::uint64_t(i + 1));
        QCOMPARE(stats.applied.load(), total);
        QCOMPARE(stats.storeBatches.load(), 5);
        QCOMPARE(stats.redisState.load(), int(ComponentState::Disabled)); // standalone: no Redis

        // The next snapshot carries everything, with the latest messages parsed.
        QTRY_VERIFY(hub.load()->ready && hub.load()->stats.applied == total);
        const SnapshotPtr s = hub.load();
        QCOMPARE(s->mode, Mode::Standalone);
        QCOMPARE(s->view.minutes.size(), std::size_t(kChartWindowMinutes));
        std::int64_t counted = 0;
        for (const auto &m : s->view.minutes)
            counted += m.count;
        QCOMPARE(counted, total);
        QCOMPARE(s->view.latest.size(), std::size_t(std::min(total, kLatestCount)));
        QCOMPARE(s->latest.size(), s->view.latest.size());
        QCOMPARE(QByteArray::fromStdString(s->latest.front().hash),
                 QByteArray::fromStdString(applied.at(4).at(0).value<TxBatchPtr>()->transactions.back().hash));
        QVERIFY(!s->view.top.empty());
        QVERIFY(s->lastError.isEmpty());
        agg.stop();
    }

    void retriesAFailingStoreWithoutLoss_data()
    {
        QTest::addColumn<int>("failures");
        QTest::newRow("one failure") << 1;
        QTest::newRow("five failures") << 5;
    }
    void retriesAFailingStoreWithoutLoss()
    {
        QFETCH(int, failures);
        SnapshotHub hub;
        Stats stats;
        int expireCalls = 0;
        Aggregator agg([&] { return Expected<std::unique_ptr<Store>>(std::make_unique<FlakyStore>(m_clock, failures, &expireCalls)); },
                       hub, stats, fastOptions(Mode::Pipeline));
        QSignalSpy applied(&agg, &Aggregator::batchApplied);
        agg.start();
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("connection reset")));
        std::int64_t total = 0;
        for (std::uint64_t seq = 1; seq <= 4; ++seq) {
            auto b = makeBatch(seq, 4);
            total += std::int64_t(b->transactions.size());
            agg.apply(b);
        }
        QCOMPARE(applied.count(), 0); // the first batch failed; the others wait behind it
        QCOMPARE(agg.queuedBatches(), 4);
        QTRY_COMPARE(applied.count(), 4);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(applied.at(i).at(0).value<TxBatchPtr>()->sequence, std::uint64_t(i + 1));
        QCOMPARE(stats.applied.load(), total);
        QCOMPARE(stats.duplicates.load(), 0);
        QCOMPARE(stats.storeErrors.load(), failures);
        QCOMPARE(stats.redisState.load(), int(ComponentState::Connected));
        QTRY_VERIFY(expireCalls > 0);
        agg.stop();
    }

    void storeThatCannotOpenYetIsRetried()
    {
        SnapshotHub hub;
        Stats stats;
        int attempts = 0;
        Aggregator agg(
            [&]() -> Expected<std::unique_ptr<Store>> {
                if (++attempts < 3)
                    return Error{QStringLiteral("redis.io"), QStringLiteral("connection refused"), true};
                return std::unique_ptr<Store>(std::make_unique<MemoryStore>(m_clock));
            },
            hub, stats, fastOptions(Mode::Pipeline));
        QSignalSpy applied(&agg, &Aggregator::batchApplied);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("connection refused")));
        agg.start();
        QCOMPARE(stats.redisState.load(), int(ComponentState::Down));
        QVERIFY(!hub.load()->ready);
        QVERIFY(hub.load()->lastError.contains(QLatin1String("connection refused")));
        agg.apply(makeBatch(1, 3));
        QTRY_COMPARE(applied.count(), 1);
        QVERIFY(attempts >= 3);
        QTRY_VERIFY(hub.load()->ready);
        QCOMPARE(stats.redisState.load(), int(ComponentState::Connected));
        agg.stop();
    }

    void viewRoleNeverWrites()
    {
        SnapshotHub hub;
        Stats stats;
        int expireCalls = 0;
        auto options = fastOptions(Mode::Pipeline);
        options.readOnly = true;
        options.role = Role::View;
        Aggregator agg([&] { return Expected<std::unique_ptr<Store>>(std::make_unique<FlakyStore>(m_clock, 0, &expireCalls)); },
                       hub, stats, options);
        QSignalSpy published(&agg, &Aggregator::snapshotPublished);
        agg.start();
        QTRY_VERIFY(published.count() >= 3);
        QCOMPARE(expireCalls, 0);
        QVERIFY(hub.load()->ready);
        QCOMPARE(hub.load()->role, Role::View);
        agg.stop();
    }

    void runsOnItsOwnThread()
    {
        SnapshotHub hub;
        Stats stats;
        QThread thread;
        thread.setObjectName(QStringLiteral("aggregator"));
        std::atomic<QThread *> created = nullptr; // written on the aggregator thread
        auto *agg = new Aggregator(
            [&] {
                created = QThread::currentThread();
                return Expected<std::unique_ptr<Store>>(std::make_unique<MemoryStore>(m_clock));
            },
            hub, stats, fastOptions());
        agg->moveToThread(&thread);
        connect(&thread, &QThread::started, agg, &Aggregator::start);
        connect(agg, &Aggregator::finished, &thread, &QThread::quit);
        connect(&thread, &QThread::finished, agg, &QObject::deleteLater);
        // Not a QSignalSpy: it appends on the emitting thread while this one reads. A queued count instead.
        int applied = 0;
        connect(agg, &Aggregator::batchApplied, this, [&] { ++applied; });
        // Made before the thread starts: TSan cannot see the hand-over inside Qt's (uninstrumented) event queue.
        const TxBatchPtr batch = makeBatch(1, 5);
        thread.start();
        // By name, so the batch is a queued argument rather than a lambda's capture (see tst_kafka_roundtrip).
        QMetaObject::invokeMethod(agg, "apply", Qt::QueuedConnection, Q_ARG(txpulse::TxBatchPtr, batch));
        QTRY_COMPARE(applied, 1);
        QCOMPARE(created.load(), &thread);
        QTRY_VERIFY(hub.load()->ready);
        QMetaObject::invokeMethod(agg, &Aggregator::stop, Qt::QueuedConnection);
        QTRY_VERIFY(thread.isFinished()); // finished -> quit is queued to this thread: keep its loop running
        QVERIFY(thread.wait(5000));
    }
};

QTEST_GUILESS_MAIN(tst_Aggregator)
#include "tst_aggregator.moc"
