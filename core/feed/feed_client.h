#pragma once

#include "support/clock.h"
#include "support/stats.h"
#include "store/store.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <atomic>
#include <cstdint>
#include <random>

class QTimer;
class QWebSocket;

namespace txpulse {

struct Config;
class FlowCredit;

// Timing and limits of a FeedClient. Production values come from the Config (seconds); tests pass
// milliseconds so that reconnects, stalls and pings happen within a test's time budget without sleeping.
struct FeedOptions {
    QUrl url{QStringLiteral("wss://ws.blockchain.info/inv")};
    int pingIntervalMs = 30000;     // {"op":"ping"} while connected; 0 disables
    int stallTimeoutMs = 60000;     // no frame (or no handshake) for this long: drop and reconnect
    int backoffInitialMs = 1000;    // ceiling of the first retry delay
    int backoffMaxMs = 30000;       // cap of the retry delay
    int stableAfterMs = 30000;      // a connection that lasted this long resets the back-off
    int statisticsIntervalMs = 1000; // cadence of statisticsChanged() (it is also sent on state changes)
    std::uint64_t maxMessageBytes = 8ULL * 1024 * 1024; // larger frames/messages are refused by QWebSocket
    std::uint64_t jitterSeed = 0;    // 0: seeded from std::random_device
    // false: one messageReceived() per frame. true: the frames of one event-loop turn go out together as
    // messagesReceived(), one queued hand-off instead of one per frame (see bench/bench_feed.cpp).
    bool coalesce = false;

    static FeedOptions fromConfig(const Config &config);
};

// Exponential back-off with jitter, as a pure class so that its sequence can be tested without a socket.
// Retry n (0-based) waits a uniformly random time in [floor, ceiling(n)], where ceiling(n) =
// min(maxMs, initialMs * 2^n) and floor = initialMs / 2: "full jitter" spreads many clients reconnecting
// to one server apart, and the floor keeps a flapping server from being hammered in a tight loop.
class ReconnectBackoff {
public:
    ReconnectBackoff(int initialMs, int maxMs, std::uint64_t seed);

    int nextDelayMs();          // the delay before the next attempt; advances the attempt counter
    void reset() { m_attempt = 0; }
    int attempt() const { return m_attempt; }
    int ceilingMs(int attempt) const;
    int floorMs() const;

private:
    int m_initialMs;
    int m_maxMs;
    int m_attempt = 0;
    std::mt19937_64 m_rng;
};

// Counters of one FeedClient, as a value for the views (the same numbers also go to the shared Stats).
struct FeedStatistics {
    qint64 connectedSinceMs = 0; // 0 when not connected
    qint64 messages = 0;         // frames received, text and binary
    qint64 bytes = 0;
    qint64 rejected = 0;         // refused at the socket level: binary, oversized, invalid UTF-8 frames
    qint64 reconnects = 0;       // reconnect attempts (every open() after the first)
    qint64 pauses = 0;           // backpressure: times reading stopped because the FlowCredit was full
    qint64 pausedMs = 0;         // backpressure: time spent not reading
};

// The live feed: a QWebSocket to a blockchain.com-protocol server. It subscribes with {"op":"unconfirmed_sub"}
// on every connect, keeps the connection alive with {"op":"ping"}, drops and reconnects when nothing arrives
// for stallTimeoutMs, and retries forever with ReconnectBackoff. Every text frame goes out unparsed as
// messageReceived() (the UTF-8 bytes as received); parsing happens on the ingest worker.
//
// Periods without a subscribed connection are gaps: gapOpened() when the connection is lost (or at the
// first start(), so the time before the first connection counts too), gapClosed() once subscribed again.
//
// Backpressure (setFlowCredit()): every text message takes one credit. When the credit is full the client
// hands off what it has and then stops reading, i.e. waits on its thread (in slices of kPauseSliceMs,
// re-checking requestStop()) until the credit is back at its low-water mark. Meanwhile the socket is not read,
// the TCP receive window fills and the server is throttled by TCP flow control; nothing is dropped. A pause is
// ours, not the feed's: it is counted in Stats::feedPauses/feedPausedMs, never as a stall or a gap.
// QWebSocket (Qt 6.4) cannot stop reading without blocking: QWebSocketPrivate::processData() consumes every
// byte its socket has buffered and emits each message synchronously; there is no public way to leave data in
// the socket. Hence the wait, and hence this object's own thread in the application (docs/architecture.md).
//
// Thread affinity: any one thread with an event loop; the application gives it its own ("txpulse-feed")
// because it blocks while paused. Without a FlowCredit it never blocks. Owned by the composition root, which
// also owns the Stats, the Clock and the FlowCredit and keeps them alive longer than this object. Teardown:
// requestStop() (any thread) then stop() on its thread closes the socket cleanly; the destructor aborts it
// without emitting anything.
class FeedClient : public QObject {
    Q_OBJECT

public:
    enum class State { Disconnected, Connecting, Connected, Reconnecting };
    Q_ENUM(State)

    FeedClient(FeedOptions options, Stats &stats, const Clock &clock, QObject *parent = nullptr);
    ~FeedClient() override;

    static constexpr int kPauseSliceMs = 50;

    // Before start(); nullptr (the default): no backpressure.
    void setFlowCredit(FlowCredit *credit) { m_credit = credit; }
    // Thread-safe: makes a paused client return from its wait within kPauseSliceMs and not pause again until
    // the next start(). Call it before invoking stop() on the client's thread.
    void requestStop() { m_stopRequested.store(true); }

    State state() const { return m_state; }
    FeedStatistics statistics() const { return m_statistics; }
    const FeedOptions &options() const { return m_options; }

    // How a state shows in Stats/health: Reconnecting before the first successful connection is Down.
    static ComponentState componentState(State state, bool everConnected);
    static const char *stateName(State state);

public Q_SLOTS:
    void start();
    void stop();

Q_SIGNALS:
    void stateChanged(txpulse::FeedClient::State state);
    void connected(qint64 sinceMs);                  // subscribed
    void connectionLost(const QString &reason);      // also for a failed attempt
    void reconnectScheduled(int attempt, int delayMs);
    void messageReceived(const QByteArray &raw, qint64 receivedMs);          // coalesce == false
    void messagesReceived(const QList<QByteArray> &raws, qint64 receivedMs); // coalesce == true; time of the first
    void gapOpened(qint64 fromMs);
    void gapClosed(const txpulse::Gap &gap);
    void statisticsChanged(const txpulse::FeedStatistics &statistics);

private:
    void openSocket();
    void onConnected();
    void onTextMessage(const QString &message);
    void onBinaryMessage(const QByteArray &message);
    void onWatchdog();
    void onStable();
    void handleLoss(const QString &reason);
    void scheduleReconnect();
    void dropSocket(bool graceful);
    void setState(State state);
    void countFrame(qint64 bytes);
    void countReject(ParseError reason, const QString &detail);
    void sendText(const QString &text);
    void publishStatistics();
    void flushFrames();
    void waitForCredit();

    FeedOptions m_options;
    Stats &m_stats;
    const Clock &m_clock;
    ReconnectBackoff m_backoff;
    State m_state = State::Disconnected;
    bool m_everConnected = false;
    qint64 m_gapFromMs = -1; // start of the open gap, -1 when none
    FeedStatistics m_statistics;
    QElapsedTimer m_lastActivity; // monotonic: a wall-clock jump must not fake or hide a stall
    qint64 m_rejectLogged = 0;
    QList<QByteArray> m_frames; // coalesce: received this event-loop turn, not yet handed off
    qint64 m_framesSinceMs = 0;
    FlowCredit *m_credit = nullptr;
    std::atomic<bool> m_stopRequested{false};

    QTimer *m_pingTimer;
    QTimer *m_watchdogTimer;
    QTimer *m_reconnectTimer;
    QTimer *m_stableTimer;
    QTimer *m_statisticsTimer;
    QPointer<QWebSocket> m_socket; // one per attempt; the old one is deleted later, never reused
};

} // namespace txpulse
