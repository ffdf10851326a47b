#include "feed/feed_client.h"

#include "support/config.h"
#include "feed/flow_credit.h"
#include "support/logging.h"

#include <QNetworkRequest>
#include <QSslError>
#include <QTimer>
#include <QWebSocket>

#include <algorithm>
#include <utility>

namespace txpulse {

namespace {

const QString kSubscribe = QStringLiteral(R"({"op":"unconfirmed_sub"})");
const QString kPing = QStringLiteral(R"({"op":"ping"})");

// Socket-level rejects are rare (a misbehaving server); log the first few and then one in a thousand.
constexpr qint64 kRejectLogBurst = 10;
constexpr qint64 kRejectLogEvery = 1000;

std::uint64_t seedOrRandom(std::uint64_t seed)
{
    if (seed != 0)
        return seed;
    std::random_device rd;
    return (std::uint64_t(rd()) << 32) ^ rd();
}

} // namespace

FeedOptions FeedOptions::fromConfig(const Config &config)
{
    FeedOptions o;
    o.url = config.feedUrl;
    o.pingIntervalMs = config.feedPingSeconds * 1000;
    o.stallTimeoutMs = config.feedStallSeconds * 1000;
    return o;
}

// ---- ReconnectBackoff ----

ReconnectBackoff::ReconnectBackoff(int initialMs, int maxMs, std::uint64_t seed)
    : m_initialMs(std::max(1, initialMs))
    , m_maxMs(std::max(m_initialMs, maxMs))
    , m_rng(seedOrRandom(seed))
{
}

int ReconnectBackoff::ceilingMs(int attempt) const
{
    qint64 c = m_initialMs;
    for (int i = 0; i < attempt && c < m_maxMs; ++i)
        c *= 2;
    return int(std::min<qint64>(c, m_maxMs));
}

int ReconnectBackoff::floorMs() const
{
    return m_initialMs / 2;
}

int ReconnectBackoff::nextDelayMs()
{
    std::uniform_int_distribution<int> pick(floorMs(), ceilingMs(m_attempt));
    if (m_attempt < 64)
        ++m_attempt;
    return pick(m_rng);
}

// ---- FeedClient ----

FeedClient::FeedClient(FeedOptions options, Stats &stats, const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_stats(stats)
    , m_clock(clock)
    , m_backoff(m_options.backoffInitialMs, m_options.backoffMaxMs, m_options.jitterSeed)
    , m_pingTimer(new QTimer(this))
    , m_watchdogTimer(new QTimer(this))
    , m_reconnectTimer(new QTimer(this))
    , m_stableTimer(new QTimer(this))
    , m_statisticsTimer(new QTimer(this))
{
    m_pingTimer->setInterval(m_options.pingIntervalMs);
    connect(m_pingTimer, &QTimer::timeout, this, [this] { sendText(kPing); });

    // Checked a few times per timeout, so a stall is noticed within 1.25 x stallTimeoutMs; cheaper than
    // restarting a timer on every one of 20,000 frames a second.
    m_watchdogTimer->setInterval(std::max(10, m_options.stallTimeoutMs / 4));
    connect(m_watchdogTimer, &QTimer::timeout, this, &FeedClient::onWatchdog);

    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, &FeedClient::openSocket);

    m_stableTimer->setSingleShot(true);
    m_stableTimer->setInterval(m_options.stableAfterMs);
    connect(m_stableTimer, &QTimer::timeout, this, &FeedClient::onStable);

    m_statisticsTimer->setInterval(std::max(10, m_options.statisticsIntervalMs));
    connect(m_statisticsTimer, &QTimer::timeout, this, &FeedClient::publishStatistics);
}

FeedClient::~FeedClient()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        delete m_socket.data();
    }
}

ComponentState FeedClient::componentState(State state, bool everConnected)
{
    switch (state) {
    case State::Disconnected: return ComponentState::Disabled;
    case State::Connecting: return ComponentState::Connecting;
    case State::Connected: return ComponentState::Connected;
    case State::Reconnecting: return everConnected ? ComponentState::Reconnecting : ComponentState::Down;
    }
    return ComponentState::Down;
}

const char *FeedClient::stateName(State state)
{
    switch (state) {
    case State::Disconnected: return "disconnected";
    case State::Connecting: return "connecting";
    case State::Connected: return "connected";
    case State::Reconnecting: return "reconnecting";
    }
    return "unknown";
}

void FeedClient::start()
{
    if (m_state != State::Disconnected)
        return;
    m_stopRequested.store(false);
    if (m_gapFromMs < 0) {
        m_gapFromMs = m_clock.nowMs();
        Q_EMIT gapOpened(m_gapFromMs);
    }
    m_backoff.reset();
    m_statisticsTimer->start();
    qCInfo(lcFeed) << "feed: connecting to" << m_options.url.toDisplayString();
    setState(State::Connecting);
    openSocket();
}

void FeedClient::stop()
{
    if (m_state == State::Disconnected)
        return;
    m_reconnectTimer->stop();
    m_statisticsTimer->stop();
    dropSocket(/*graceful=*/true);
    if (m_gapFromMs < 0) {
        m_gapFromMs = m_clock.nowMs();
        Q_EMIT gapOpened(m_gapFromMs);
    }
    qCInfo(lcFeed) << "feed: stopped";
    setState(State::Disconnected);
    publishStatistics();
}

void FeedClient::openSocket()
{
    if (m_state == State::Disconnected)
        return;
    if (m_socket)
        dropSocket(false);

    auto *socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket = socket;
    socket->setMaxAllowedIncomingFrameSize(m_options.maxMessageBytes);
    socket->setMaxAllowedIncomingMessageSize(m_options.maxMessageBytes);

    connect(socket, &QWebSocket::connected, this, &FeedClient::onConnected);
    connect(socket, &QWebSocket::textMessageReceived, this, &FeedClient::onTextMessage);
    connect(socket, &QWebSocket::binaryMessageReceived, this, &FeedClient::onBinaryMessage);
    connect(socket, &QWebSocket::pong, this, [this] { m_lastActivity.start(); });
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        const auto code = socket->closeCode();
        // QWebSocket closes the connection itself (RFC 6455) on a text frame that is not UTF-8 and on a
        // message above the limit; both are rejects of one message, then a normal reconnect.
        if (code == QWebSocketProtocol::CloseCodeWrongDatatype)
            countReject(ParseError::InvalidUtf8, socket->closeReason());
        else if (code == QWebSocketProtocol::CloseCodeTooMuchData)
            countReject(ParseError::TooLarge, socket->closeReason());
        QString reason = QStringLiteral("closed");
        if (code != QWebSocketProtocol::CloseCodeNormal || !socket->closeReason().isEmpty())
            reason = QStringLiteral("closed (%1 %2)").arg(int(code)).arg(socket->closeReason());
        else if (socket->error() != QAbstractSocket::UnknownSocketError)
            reason = socket->errorString(); // refused, host not found, TLS handshake failed, ...
        handleLoss(reason);
    });
    connect(socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this, socket](QAbstractSocket::SocketError) { handleLoss(socket->errorString()); });
    connect(socket, &QWebSocket::sslErrors, this, [](const QList<QSslError> &errors) {
        // Not ignored: the handshake fails, error() follows and we retry later.
        for (const QSslError &e : errors)
            qCWarning(lcFeed) << "feed: TLS error:" << e.errorString();
    });

    m_lastActivity.start();
    m_watchdogTimer->start();
    socket->open(QNetworkRequest(m_options.url));
}

void FeedClient::onConnected()
{
    sendText(kSubscribe);
    const qint64 now = m_clock.nowMs();
    m_everConnected = true;
    m_lastActivity.start();
    m_statistics.connectedSinceMs = now;
    m_stats.feedConnectedSinceMs.store(now, std::memory_order_relaxed);
    if (m_options.pingIntervalMs > 0)
        m_pingTimer->start();
    m_stableTimer->start();
    qCInfo(lcFeed) << "feed: connected and subscribed to" << m_options.url.toDisplayString();
    setState(State::Connected);
    Q_EMIT connected(now);
    if (m_gapFromMs >= 0) {
        const Gap gap{m_gapFromMs, std::max(now, m_gapFromMs)};
        m_gapFromMs = -1;
        Q_EMIT gapClosed(gap);
    }
    publishStatistics();
}

void FeedClient::countFrame(qint64 bytes)
{
    m_lastActivity.start();
    ++m_statistics.messages;
    m_statistics.bytes += bytes;
    m_stats.feedMessages.fetch_add(1, std::memory_order_relaxed);
    m_stats.feedBytes.fetch_add(bytes, std::memory_order_relaxed);
}

void FeedClient::onTextMessage(const QString &message)
{
    // QWebSocket decodes text frames to UTF-16; the protocol and the parser want the UTF-8 bytes back.
    QByteArray raw = message.toUtf8();
    countFrame(raw.size());
    const qint64 now = m_clock.nowMs();
    if (m_credit)
        m_credit->acquire(1);
    if (!m_options.coalesce) {
        Q_EMIT messageReceived(raw, now);
    } else {
        if (m_frames.isEmpty()) {
            m_framesSinceMs = now;
            // Runs after QWebSocket has handled everything that this socket read delivered.
            QMetaObject::invokeMethod(this, &FeedClient::flushFrames, Qt::QueuedConnection);
        }
        m_frames.append(std::move(raw));
    }
    if (m_credit && m_credit->isFull())
        waitForCredit();
}

void FeedClient::waitForCredit()
{
    if (m_stopRequested.load())
        return;
    // What we hold ourselves counts as in flight too and could never be released: hand it off first.
    flushFrames();
    QElapsedTimer paused;
    paused.start();
    ++m_statistics.pauses;
    m_stats.feedPauses.fetch_add(1, std::memory_order_relaxed);
    qint64 counted = 0; // the stats show a long pause while it lasts, one slice at a time
    for (bool room = false; !room && !m_stopRequested.load();) {
        room = m_credit->waitForRoom(kPauseSliceMs);
        const qint64 ms = paused.elapsed();
        m_statistics.pausedMs += ms - counted;
        m_stats.feedPausedMs.fetch_add(ms - counted, std::memory_order_relaxed);
        counted = ms;
    }
    // The silence was ours: the stall watchdog starts counting again from here.
    m_lastActivity.start();
}

void FeedClient::flushFrames()
{
    if (m_frames.isEmpty())
        return;
    const QList<QByteArray> frames = std::exchange(m_frames, {});
    Q_EMIT messagesReceived(frames, m_framesSinceMs);
}

void FeedClient::onBinaryMessage(const QByteArray &message)
{
    countFrame(message.size());
    countReject(ParseError::BinaryFrame, QStringLiteral("%1 bytes").arg(message.size()));
}

void FeedClient::countReject(ParseError reason, const QString &detail)
{
    m_stats.countReject(reason);
    ++m_statistics.rejected;
    const qint64 n = ++m_rejectLogged;
    if (n <= kRejectLogBurst || n % kRejectLogEvery == 0)
        qCWarning(lcFeed).noquote() << QStringLiteral("feed: rejected frame (%1): %2 [%3 so far]")
                                           .arg(QLatin1String(parseErrorName(reason)), detail)
                                           .arg(n);
}

void FeedClient::onWatchdog()
{
    if (m_state == State::Disconnected || !m_socket)
        return;
    if (m_lastActivity.elapsed() < m_options.stallTimeoutMs)
        return;
    const bool handshaking = m_state != State::Connected;
    qCWarning(lcFeed) << "feed:" << (handshaking ? "no handshake" : "no frame") << "for"
                      << m_lastActivity.elapsed() << "ms; reconnecting";
    handleLoss(handshaking ? QStringLiteral("connect timeout") : QStringLiteral("stalled"));
}

void FeedClient::onStable()
{
    if (m_backoff.attempt() > 0)
        qCDebug(lcFeed) << "feed: connection stable, back-off reset";
    m_backoff.reset();
}

void FeedClient::handleLoss(const QString &reason)
{
    // Several signals report one loss (error() then disconnected()); the first one handles it and drops
    // the socket, whose remaining signals are then disconnected.
    if (m_state == State::Disconnected || !m_socket)
        return;
    const bool wasConnected = m_state == State::Connected;
    dropSocket(false);
    if (wasConnected) {
        const qint64 now = m_clock.nowMs();
        qCWarning(lcFeed).noquote() << "feed: connection lost:" << reason;
        if (m_gapFromMs < 0) {
            m_gapFromMs = now;
            Q_EMIT gapOpened(now);
        }
    } else {
        qCWarning(lcFeed).noquote() << "feed: connection attempt failed:" << reason;
    }
    Q_EMIT connectionLost(reason);
    scheduleReconnect();
}

void FeedClient::scheduleReconnect()
{
    const int attempt = m_backoff.attempt() + 1;
    const int delay = m_backoff.nextDelayMs();
    ++m_statistics.reconnects;
    m_stats.feedReconnects.fetch_add(1, std::memory_order_relaxed);
    setState(State::Reconnecting);
    qCInfo(lcFeed) << "feed: reconnect attempt" << attempt << "in" << delay << "ms";
    Q_EMIT reconnectScheduled(attempt, delay);
    m_reconnectTimer->start(delay);
    publishStatistics();
}

void FeedClient::dropSocket(bool graceful)
{
    m_pingTimer->stop();
    m_watchdogTimer->stop();
    m_stableTimer->stop();
    if (!m_socket)
        return;
    QWebSocket *socket = m_socket;
    m_socket.clear();
    socket->disconnect(this);
    if (graceful && socket->state() == QAbstractSocket::ConnectedState) {
        // Let the closing handshake finish; the socket deletes itself once the server answers (or the
        // TCP connection goes away). Owned by us until then, so it dies with us at the latest.
        connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
        socket->close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("client stopping"));
    } else {
        socket->abort();
        socket->deleteLater();
    }
    if (m_statistics.connectedSinceMs != 0) {
        m_statistics.connectedSinceMs = 0;
        m_stats.feedConnectedSinceMs.store(0, std::memory_order_relaxed);
    }
}

void FeedClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    m_stats.setFeedState(componentState(state, m_everConnected));
    Q_EMIT stateChanged(state);
}

void FeedClient::sendText(const QString &text)
{
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState)
        m_socket->sendTextMessage(text);
}

void FeedClient::publishStatistics()
{
    Q_EMIT statisticsChanged(m_statistics);
}

} // namespace txpulse
