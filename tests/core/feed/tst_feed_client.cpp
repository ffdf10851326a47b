#include "feed/feed_client.h"

#include "core/feed/feed_test_server.h"

#include <QCryptographicHash>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>
#include <set>

using namespace txpulse;
using txpulse::test::FeedTestServer;

namespace {

// A TCP server that speaks just enough WebSocket to send one hand-made frame after the handshake, for
// what QWebSocketServer refuses to produce (a text frame that is not UTF-8); or, with `handshake` false,
// accepts TCP and then says nothing at all.
class RawWebSocketServer : public QObject {
public:
    QByteArray frameAfterHandshake;
    bool handshake = true;
    int connections = 0;

    RawWebSocketServer()
    {
        if (!m_server.listen(QHostAddress::LocalHost, 0))
            qFatal("RawWebSocketServer: cannot listen");
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                ++connections;
                s->setParent(this);
                connect(s, &QTcpSocket::readyRead, this, [this, s] { onReadyRead(s); });
            }
        });
    }
    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1/inv").arg(m_server.serverPort())); }

private:
    void onReadyRead(QTcpSocket *s)
    {
        QByteArray &buf = m_buffers[s];
        buf += s->readAll();
        if (!handshake || m_done.contains(s) || !buf.contains("\r\n\r\n"))
            return;
        m_done.insert(s);
        QByteArray key;
        for (const QByteArray &line : buf.split('\n')) {
            if (line.toLower().startsWith("sec-websocket-key:"))
                key = line.mid(line.indexOf(':') + 1).trimmed();
        }
        const QByteArray accept =
            QCryptographicHash::hash(QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
                                     QCryptographicHash::Sha1)
                .toBase64();
        s->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: " + accept + "\r\n\r\n");
        s->write(frameAfterHandshake);
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QSet<QTcpSocket *> m_done;
};

QByteArray unmaskedTextFrame(const QByteArray &payload)
{
    Q_ASSERT(payload.size() < 126);
    QByteArray f;
    f.append(char(0x81)); // FIN + text
    f.append(char(payload.size()));
    f.append(payload);
    return f;
}

FeedOptions fastOptions(const QUrl &url)
{
    FeedOptions o;
    o.url = url;
    o.pingIntervalMs = 0;
    o.stallTimeoutMs = 10000;
    o.backoffInitialMs = 20;
    o.backoffMaxMs = 200;
    o.stableAfterMs = 10000;
    o.statisticsIntervalMs = 50;
    o.jitterSeed = 42;
    return o;
}

qint64 rejects(const Stats &stats, ParseError e)
{
    return stats.rejectsByReason[static_cast<std::size_t>(e)].load();
}

qint64 totalRejects(const Stats &stats)
{
    return stats.sample().feedRejected;
}

} // namespace

class tst_FeedClient : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void backoffSequence_data()
    {
        QTest::addColumn<int>("initialMs");
        QTest::addColumn<int>("maxMs");
        QTest::addColumn<quint64>("seed");
        QTest::newRow("production") << 1000 << 30000 << quint64(1);
        QTest::newRow("production-other-seed") << 1000 << 30000 << quint64(987654321);
        QTest::newRow("tests") << 20 << 200 << quint64(7);
        QTest::newRow("cap-below-initial") << 500 << 100 << quint64(3);
    }
    void backoffSequence()
    {
        QFETCH(int, initialMs);
        QFETCH(int, maxMs);
        QFETCH(quint64, seed);
        ReconnectBackoff b(initialMs, maxMs, seed);
        ReconnectBackoff same(initialMs, maxMs, seed);
        const int cap = std::max(initialMs, maxMs);

        QCOMPARE(b.floorMs(), initialMs / 2);
        QCOMPARE(b.ceilingMs(0), initialMs);
        int previousCeiling = 0;
        std::set<int> atCap;
        for (int n = 0; n < 40; ++n) {
            const int ceiling = b.ceilingMs(n);
            QCOMPARE(b.attempt(), n);
            QVERIFY2(ceiling >= previousCeiling, "ceilings never shrink");
            QVERIFY(ceiling <= cap);
            if (previousCeiling > 0 && previousCeiling * 2 <= cap)
                QCOMPARE(ceiling, previousCeiling * 2);
            previousCeiling = ceiling;
            const int d = b.nextDelayMs();
            QCOMPARE(same.nextDelayMs(), d); // seeded: reproducible
            QVERIFY2(d >= b.floorMs() && d <= ceiling,
                     qPrintable(QStringLiteral("attempt %1: %2 outside [%3, %4]").arg(n).arg(d).arg(b.floorMs())
                                    .arg(ceiling)));
            if (ceiling == cap)
                atCap.insert(d);
        }
        QCOMPARE(b.ceilingMs(1000), cap);
        // Jittered: the capped delays are not one fixed value.
        QVERIFY2(atCap.size() > 5, "delays at the cap must be spread");

        b.reset();
        QCOMPARE(b.attempt(), 0);
        const int d = b.nextDelayMs();
        QVERIFY(d >= b.floorMs() && d <= initialMs);
    }

    void backoffSeedsDiffer()
    {
        ReconnectBackoff a(1000, 30000, 1), b(1000, 30000, 2);
        QList<int> sa, sb;
        for (int i = 0; i < 10; ++i) {
            sa.append(a.nextDelayMs());
            sb.append(b.nextDelayMs());
        }
        QVERIFY(sa != sb);
    }

    void componentStates()
    {
        QCOMPARE(FeedClient::componentState(FeedClient::State::Disconnected, false), ComponentState::Disabled);
        QCOMPARE(FeedClient::componentState(FeedClient::State::Connecting, false), ComponentState::Connecting);
        QCOMPARE(FeedClient::componentState(FeedClient::State::Connected, true), ComponentState::Connected);
        QCOMPARE(FeedClient::componentState(FeedClient::State::Reconnecting, true), ComponentState::Reconnecting);
        QCOMPARE(FeedClient::componentState(FeedClient::State::Reconnecting, false), ComponentState::Down);
    }

    void subscribesAndReceivesInOrder()
    {
        FeedTestServer server;
        server.script = test::fixtureLines(u"blockchain_utx_sample.ndjson")
                        + test::fixtureLines(u"blockchain_block_sample.ndjson");
        QVERIFY(server.script.size() >= 13);
        Stats stats;
        ManualClock clock(1000000);
        FeedClient client(fastOptions(server.url()), stats, clock);
        QSignalSpy messages(&client, &FeedClient::messageReceived);
        QSignalSpy opened(&client, &FeedClient::gapOpened);
        QSignalSpy closed(&client, &FeedClient::gapClosed);
        QSignalSpy statistics(&client, &FeedClient::statisticsChanged);

        client.start();
        QCOMPARE(client.state(), FeedClient::State::Connecting);
        QCOMPARE(stats.sample().feedState, ComponentState::Connecting);
        QCOMPARE(opened.size(), 1);
        QCOMPARE(opened.at(0).at(0).toLongLong(), 1000000);

        clock.setMs(1000250);
        QTRY_COMPARE(messages.size(), server.script.size());
        QCOMPARE(server.subscriptions, 1);
        QCOMPARE(server.received.first(), QByteArray(R"({"op":"unconfirmed_sub"})"));
        qint64 bytes = 0;
        for (int i = 0; i < server.script.size(); ++i) {
            QCOMPARE(messages.at(i).at(0).toByteArray(), server.script.at(i));
            QCOMPARE(messages.at(i).at(1).toLongLong(), 1000250);
            bytes += server.script.at(i).size();
        }
        QCOMPARE(client.state(), FeedClient::State::Connected);
        const StatsSample s = stats.sample();
        QCOMPARE(s.feedState, ComponentState::Connected);
        QCOMPARE(s.feedMessages, server.script.size());
        QCOMPARE(s.feedBytes, bytes);
        QCOMPARE(s.feedConnectedSinceMs, 1000250);
        QCOMPARE(s.feedRejected, 0);
        QCOMPARE(s.feedReconnects, 0);

        QCOMPARE(closed.size(), 1);
        const Gap gap = closed.at(0).at(0).value<Gap>();
        QCOMPARE(gap.fromMs, 1000000);
        QCOMPARE(gap.toMs, 1000250);

        QTRY_VERIFY(!statistics.isEmpty()
                    && statistics.last().at(0).value<FeedStatistics>().messages == server.script.size());
        const FeedStatistics fs = client.statistics();
        QCOMPARE(fs.bytes, bytes);
        QCOMPARE(fs.connectedSinceMs, 1000250);
    }

    void coalescesFramesPerEventLoopTurn()
    {
        FeedTestServer server;
        server.script = test::fixtureLines(u"blockchain_utx_sample.ndjson");
        Stats stats;
        ManualClock clock(77);
        FeedOptions o = fastOptions(server.url());
        o.coalesce = true;
        FeedClient client(o, stats, clock);
        QSignalSpy single(&client, &FeedClient::messageReceived);
        QSignalSpy lists(&client, &FeedClient::messagesReceived);
        client.start();
        QList<QByteArray> got;
        QTRY_VERIFY([&] {
            got.clear();
            for (const auto &args : std::as_const(lists))
                got += args.at(0).value<QList<QByteArray>>();
            return got.size() == server.script.size();
        }());
        QCOMPARE(got, server.script); // every frame, in order, none twice
        QVERIFY(lists.size() <= server.script.size());
        QCOMPARE(lists.first().at(1).toLongLong(), 77);
        QVERIFY(single.isEmpty());
        QCOMPARE(stats.sample().feedMessages, server.script.size());
    }

    void reconnectsAfterServerDrop_data()
    {
        QTest::addColumn<bool>("graceful");
        QTest::newRow("abort") << false;
        QTest::newRow("close-frame") << true;
    }
    void reconnectsAfterServerDrop()
    {
        QFETCH(bool, graceful);
        FeedTestServer server;
        server.script = {QByteArray(R"({"op":"pong"})")};
        Stats stats;
        ManualClock clock(5000);
        FeedOptions o = fastOptions(server.url());
        o.backoffInitialMs = 400; // floor 200 ms: time for the test to move the clock before the retry
        FeedClient client(o, stats, clock);
        QSignalSpy opened(&client, &FeedClient::gapOpened);
        QSignalSpy closed(&client, &FeedClient::gapClosed);
        QSignalSpy lost(&client, &FeedClient::connectionLost);
        QSignalSpy scheduled(&client, &FeedClient::reconnectScheduled);
        QSignalSpy messages(&client, &FeedClient::messageReceived);

        client.start();
        QTRY_COMPARE(messages.size(), 1);
        QCOMPARE(closed.size(), 1);

        clock.setMs(60000);
        if (graceful)
            server.closeAll();
        else
            server.abortAll();
        QVERIFY(opened.size() == 2 || opened.wait());
        QCOMPARE(opened.size(), 2);
        QCOMPARE(opened.at(1).at(0).toLongLong(), 60000);
        QCOMPARE(client.state(), FeedClient::State::Reconnecting);
        QCOMPARE(stats.sample().feedState, ComponentState::Reconnecting);
        QCOMPARE(stats.sample().feedConnectedSinceMs, 0);
        QCOMPARE(lost.size(), 1);
        QCOMPARE(scheduled.size(), 1);
        const int delay = scheduled.at(0).at(1).toInt();
        QVERIFY(delay >= 200 && delay <= 400);

        clock.setMs(61500);
        QTRY_COMPARE(closed.size(), 2);
        const Gap gap = closed.at(1).at(0).value<Gap>();
        QCOMPARE(gap.fromMs, 60000);
        QCOMPARE(gap.toMs, 61500);
        QVERIFY(gap.fromMs < gap.toMs);
        QCOMPARE(server.subscriptions, 2); // subscribed again on the new connection
        QTRY_COMPARE(messages.size(), 2);
        QCOMPARE(client.state(), FeedClient::State::Connected);
        QCOMPARE(stats.sample().feedReconnects, 1);
        QCOMPARE(stats.sample().feedConnectedSinceMs, 61500);
        QCOMPARE(totalRejects(stats), 0);
    }

    void backsOffWhileServerIsDown()
    {
        // A port that nobody listens on: every attempt is refused.
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        Stats stats;
        ManualClock clock(100);
        FeedOptions o = fastOptions(QUrl(QStringLiteral("ws://127.0.0.1:%1/inv").arg(port)));
        o.backoffInitialMs = 10;
        o.backoffMaxMs = 80;
        FeedClient client(o, stats, clock);
        QSignalSpy scheduled(&client, &FeedClient::reconnectScheduled);
        QSignalSpy closed(&client, &FeedClient::gapClosed);
        client.start();
        QTRY_VERIFY_WITH_TIMEOUT(scheduled.size() >= 6, 10000);
        QCOMPARE(client.state(), FeedClient::State::Reconnecting);
        QCOMPARE(stats.sample().feedState, ComponentState::Down); // never connected yet
        QVERIFY(closed.isEmpty());
        for (int i = 0; i < scheduled.size(); ++i) {
            QCOMPARE(scheduled.at(i).at(0).toInt(), i + 1);
            const int ceiling = std::min(80, 10 << std::min(i, 10));
            const int d = scheduled.at(i).at(1).toInt();
            QVERIFY2(d >= 5 && d <= ceiling, qPrintable(QStringLiteral("retry %1 waited %2").arg(i).arg(d)));
        }
        QVERIFY(stats.sample().feedReconnects >= 6);

        // The server comes up on that port: the client connects and the initial gap closes.
        QWebSocketServer server(QStringLiteral("late"), QWebSocketServer::NonSecureMode);
        QVERIFY2(server.listen(QHostAddress::LocalHost, port), "the probed port was taken meanwhile (rare race)");
        clock.setMs(900);
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 10000);
        QCOMPARE(closed.at(0).at(0).value<Gap>().fromMs, 100);
        QCOMPARE(closed.at(0).at(0).value<Gap>().toMs, 900);
        QCOMPARE(client.state(), FeedClient::State::Connected);
    }

    void detectsStall_data()
    {
        QTest::addColumn<bool>("handshake");
        QTest::addColumn<QString>("reason");
        QTest::newRow("silent-after-subscribe") << true << QStringLiteral("stalled");
        QTest::newRow("no-handshake") << false << QStringLiteral("connect timeout");
    }
    void detectsStall()
    {
        QFETCH(bool, handshake);
        QFETCH(QString, reason);
        std::unique_ptr<FeedTestServer> ws;
        std::unique_ptr<RawWebSocketServer> raw;
        QUrl url;
        if (handshake) {
            ws = std::make_unique<FeedTestServer>();
            ws->answerPings = false;
            url = ws->url();
        } else {
            raw = std::make_unique<RawWebSocketServer>();
            raw->handshake = false;
            url = raw->url();
        }
        Stats stats;
        ManualClock clock;
        FeedOptions o = fastOptions(url);
        o.stallTimeoutMs = 300;
        FeedClient client(o, stats, clock);
        QSignalSpy lost(&client, &FeedClient::connectionLost);
        QElapsedTimer elapsed;
        elapsed.start();
        client.start();
        QVERIFY(lost.wait(5000));
        QVERIFY2(elapsed.elapsed() >= o.stallTimeoutMs, "a stall is never declared early");
        QCOMPARE(lost.at(0).at(0).toString(), reason);
        if (handshake) {
            QTRY_COMPARE(ws->subscriptions, 2);
        } else {
            QTRY_VERIFY(raw->connections >= 2);
        }
    }

    void pingsKeepTheConnectionAlive()
    {
        FeedTestServer server;
        Stats stats;
        ManualClock clock;
        FeedOptions o = fastOptions(server.url());
        o.pingIntervalMs = 50;
        o.stallTimeoutMs = 300; // far shorter than the test: only the pongs keep it from firing
        FeedClient client(o, stats, clock);
        QSignalSpy lost(&client, &FeedClient::connectionLost);
        QSignalSpy messages(&client, &FeedClient::messageReceived);
        client.start();
        QTRY_VERIFY_WITH_TIMEOUT(server.pings >= 16, 10000);
        QVERIFY(lost.isEmpty());
        QCOMPARE(server.subscriptions, 1);
        QVERIFY(messages.size() >= 15);
        QCOMPARE(messages.first().at(0).toByteArray(), QByteArray(R"({"op":"pong"})"));
        QVERIFY(server.received.count(QByteArray(R"({"op":"ping"})")) >= 16);
        QCOMPARE(totalRejects(stats), 0);
    }

    void binaryFrameIsRejected()
    {
        FeedTestServer server;
        server.script = {QByteArray(R"({"op":"pong"})")};
        Stats stats;
        ManualClock clock;
        FeedClient client(fastOptions(server.url()), stats, clock);
        QSignalSpy messages(&client, &FeedClient::messageReceived);
        client.start();
        QTRY_COMPARE(messages.size(), 1);
        server.sendBinaryToAll(QByteArray("\x00\x01\x02", 3));
        server.sendToAll(R"({"op":"pong"})");
        QTRY_COMPARE(messages.size(), 2);
        QCOMPARE(rejects(stats, ParseError::BinaryFrame), 1);
        QCOMPARE(totalRejects(stats), 1);
        QCOMPARE(stats.sample().feedMessages, 3);
        QCOMPARE(client.statistics().rejected, 1);
        QCOMPARE(client.state(), FeedClient::State::Connected); // a binary frame is not worth a reconnect
    }

    void oversizedMessageIsRefused_data()
    {
        QTest::addColumn<quint64>("limit");
        QTest::addColumn<int>("size");
        QTest::newRow("64KiB-limit-100KB") << quint64(64 * 1024) << 100000;
        QTest::newRow("default-limit-10MB") << quint64(FeedOptions{}.maxMessageBytes) << 10 * 1000 * 1000;
    }
    void oversizedMessageIsRefused()
    {
        QFETCH(quint64, limit);
        QFETCH(int, size);
        FeedTestServer server;
        Stats stats;
        ManualClock clock;
        FeedOptions o = fastOptions(server.url());
        o.maxMessageBytes = limit;
        FeedClient client(o, stats, clock);
        QSignalSpy messages(&client, &FeedClient::messageReceived);
        QSignalSpy lost(&client, &FeedClient::connectionLost);
        client.start();
        QTRY_COMPARE(server.subscriptions, 1);
        const QByteArray big = "{\"op\":\"utx\",\"x\":{\"pad\":\"" + QByteArray(size, 'a') + "\"}}";
        server.sendToAll(big);
        QTRY_COMPARE_WITH_TIMEOUT(rejects(stats, ParseError::TooLarge), 1, 20000);
        QVERIFY(messages.isEmpty());
        QCOMPARE(lost.size(), 1);
        QTRY_COMPARE(server.subscriptions, 2); // and carries on
        QCOMPARE(totalRejects(stats), 1);
    }

    void invalidUtf8TextFrameIsRejected()
    {
        RawWebSocketServer server;
        server.frameAfterHandshake = unmaskedTextFrame(QByteArray("{\"op\":\"\xff\xfe\"}"));
        Stats stats;
        ManualClock clock;
        FeedClient client(fastOptions(server.url()), stats, clock);
        QSignalSpy messages(&client, &FeedClient::messageReceived);
        QSignalSpy lost(&client, &FeedClient::connectionLost);
        client.start();
        QVERIFY(lost.wait(5000));
        QCOMPARE(rejects(stats, ParseError::InvalidUtf8), 1);
        QVERIFY(messages.isEmpty());
        QTRY_VERIFY(server.connections >= 2); // reconnects rather than giving up
    }

    void stopClosesCleanly()
    {
        FeedTestServer server;
        Stats stats;
        ManualClock clock(10);
        FeedClient client(fastOptions(server.url()), stats, clock);
        QSignalSpy opened(&client, &FeedClient::gapOpened);
        QSignalSpy scheduled(&client, &FeedClient::reconnectScheduled);
        QSignalSpy states(&client, &FeedClient::stateChanged);
        client.start();
        QTRY_COMPARE(server.subscriptions, 1);
        clock.setMs(20);
        client.stop();
        QCOMPARE(client.state(), FeedClient::State::Disconnected);
        QCOMPARE(stats.sample().feedState, ComponentState::Disabled);
        QCOMPARE(opened.size(), 2);
        QCOMPARE(opened.at(1).at(0).toLongLong(), 20);
        QTRY_COMPARE(server.disconnects, 1);
        QCOMPARE(server.clientCloseCodes.value(0), QWebSocketProtocol::CloseCodeNormal);
        QVERIFY(scheduled.isEmpty());
        QCOMPARE(states.last().at(0).value<FeedClient::State>(), FeedClient::State::Disconnected);

        // Started again, it subscribes again.
        client.start();
        QTRY_COMPARE(server.subscriptions, 2);
    }
};

QTEST_GUILESS_MAIN(tst_FeedClient)
#include "tst_feed_client.moc"
