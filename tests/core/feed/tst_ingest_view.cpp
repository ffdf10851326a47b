// IngestView: the ingest role's snapshots (no window): ready at once, the latest transactions newest first,
// the live counters, and no batch held (the feed's credit is given back as soon as the producer is done).

#include "feed/ingest_view.h"
#include "feed/flow_credit.h"
#include "support/clock.h"

#include <QSignalSpy>
#include <QTest>

using namespace txpulse;

namespace {

TxBatchPtr makeBatch(int from, int count, std::shared_ptr<const void> credit = {})
{
    auto b = std::make_shared<TxBatch>();
    for (int i = from; i < from + count; ++i) {
        Transaction t;
        t.hash = "hash" + std::to_string(i);
        t.time = 1'700'000'000 + i;
        t.totalIn = 1000 + i;
        t.totalOut = 900;
        t.fee = t.totalIn - t.totalOut;
        t.raw = QByteArray("{\"n\":") + QByteArray::number(i) + '}';
        b->transactions.push_back(std::move(t));
    }
    b->credit = std::move(credit);
    return b;
}

} // namespace

class TestIngestView : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void publishesTheLatestAndTheCounters()
    {
        SnapshotHub hub;
        Stats stats;
        ManualClock clock(1'700'000'123'456);
        IngestView view(hub, stats, clock, IngestView::Options{Mode::Pipeline, 60'000});
        QSignalSpy published(&view, &IngestView::snapshotPublished);
        view.start();
        QCOMPARE(published.count(), 1);
        SnapshotPtr s = hub.load();
        QCOMPARE(s->role, Role::Ingest);
        QCOMPARE(s->mode, Mode::Pipeline);
        QVERIFY(s->ready); // nothing to read first
        QVERIFY(s->view.latest.empty());
        QVERIFY(s->view.minutes.empty());
        QVERIFY(s->view.top.empty());

        view.add(makeBatch(0, 80));
        view.add(makeBatch(80, 50));
        stats.produced = 130;
        view.publish();
        s = hub.load();
        QCOMPARE(s->generatedMs, clock.nowMs());
        QCOMPARE(s->view.nowMs, clock.nowMs());
        QCOMPARE(s->view.latest.size(), std::size_t(kLatestCount));
        QCOMPARE(s->latest.size(), std::size_t(kLatestCount));
        QCOMPARE(s->view.latest.front(), QByteArray("{\"n\":129}"));
        QCOMPARE(s->view.latest.back(), QByteArray("{\"n\":30}"));
        QCOMPARE(s->latest.front().hash, std::string("hash129"));
        QCOMPARE(s->latest.front().fee, std::optional<std::int64_t>(1129 - 900)); // parsed fields travel along
        QCOMPARE(s->stats.produced, 130);
    }

    void holdsNoBatch()
    {
        SnapshotHub hub;
        Stats stats;
        ManualClock clock(1'700'000'000'000);
        FlowCredit credit(stats, 1000, 500);
        IngestView view(hub, stats, clock, IngestView::Options{});
        view.start();
        credit.acquire(20);
        TxBatchPtr batch = makeBatch(0, 20, credit.lease(20));
        view.add(batch);
        QCOMPARE(credit.inFlight(), 20);
        batch.reset(); // the producer is done with it
        QCOMPARE(credit.inFlight(), 0);
        view.publish();
        QCOMPARE(hub.load()->latest.size(), std::size_t(20));
    }
};

QTEST_GUILESS_MAIN(TestIngestView)
#include "tst_ingest_view.moc"
