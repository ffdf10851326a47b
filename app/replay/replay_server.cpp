#include "replay/replay_server.h"

#include "support/clock.h"
#include "support/logging.h"
#include "replay/synthetic_feed.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <algorithm>
#include <cctype>
#include <optional>

namespace txpulse {

class ReplayServer::Source {
public:
    virtual ~Source() = default;
    virtual std::optional<QByteArray> next() = 0;
    virtual void rewind() = 0;
};

class ReplayServer::FileSource final : public Source {
public:
    explicit FileSource(const QString &path) : m_file(path) {}
    bool open() { return m_file.open(QIODevice::ReadOnly); }
    QString errorString() const { return m_file.errorString(); }

    std::optional<QByteArray> next() override
    {
        while (!m_file.atEnd()) {
            QByteArray line = m_file.readLine();
            while (!line.isEmpty() && (line.back() == '\n' || line.back() == '\r'))
                line.chop(1);
            if (!line.trimmed().isEmpty())
                return line;
        }
        return std::nullopt;
    }
    void rewind() override { m_file.seek(0); }

private:
    QFile m_file;
};

class ReplayServer::ListSource final : public Source {
public:
    explicit ListSource(QList<QByteArray> messages) : m_messages(std::move(messages)) {}
    std::optional<QByteArray> next() override
    {
        if (m_index >= m_messages.size())
            return std::nullopt;
        return m_messages.at(m_index++);
    }
    void rewind() override { m_index = 0; }

private:
    QList<QByteArray> m_messages;
    qsizetype m_index = 0;
};

class ReplayServer::SyntheticSource final : public Source {
public:
    SyntheticSource(std::uint64_t seed, std::int64_t limit, const Clock &clock)
        : m_seed(seed), m_limit(limit), m_clock(clock)
    {
        rewind();
    }
    std::optional<QByteArray> next() override
    {
        if (m_limit > 0 && m_feed.produced() >= m_limit)
            return std::nullopt;
        return m_feed.next(m_clock.nowSeconds());
    }
    void rewind() override
    {
        SyntheticFeed::Options options;
        options.seed = m_seed;
        m_feed = SyntheticFeed(options);
    }

private:
    std::uint64_t m_seed;
    std::int64_t m_limit;
    const Clock &m_clock;
    SyntheticFeed m_feed;
};

struct ReplayServer::Client {
    QWebSocket *socket = nullptr;
    bool subscribed = false;
    bool silenced = false; // hit by the --stall-after stall: open, but never answered again
};

ReplayServer::ReplayServer(const Options &options, QObject *parent)
    : QObject(parent), m_options(options), m_ownClock(std::make_unique<WallClock>()), m_clock(*m_ownClock)
{
}

ReplayServer::ReplayServer(const Options &options, const Clock &clock, QObject *parent)
    : QObject(parent), m_options(options), m_clock(clock)
{
}

ReplayServer::~ReplayServer()
{
    for (const auto &client : m_clients) {
        client->socket->disconnect(this);
        client->socket->abort();
        delete client->socket;
    }
    m_clients.clear();
}

bool ReplayServer::openFile(const QString &path, QString *error)
{
    auto source = std::make_unique<FileSource>(path);
    if (!source->open()) {
        if (error)
            *error = source->errorString();
        return false;
    }
    m_source = std::move(source);
    return true;
}

void ReplayServer::setMessages(QList<QByteArray> messages)
{
    m_source = std::make_unique<ListSource>(std::move(messages));
}

void ReplayServer::setSynthetic(std::uint64_t seed, std::int64_t messages)
{
    m_source = std::make_unique<SyntheticSource>(seed, messages, m_clock);
}

bool ReplayServer::listen(const QHostAddress &address, quint16 port)
{
    if (!m_source)
        setMessages({});
    if (!m_server) {
        m_server = new QWebSocketServer(QStringLiteral("txpulse-replay"), QWebSocketServer::NonSecureMode, this);
        connect(m_server, &QWebSocketServer::newConnection, this, &ReplayServer::onNewConnection);
        m_timer = new QTimer(this);
        m_timer->setTimerType(Qt::PreciseTimer);
        connect(m_timer, &QTimer::timeout, this, &ReplayServer::tick);
        m_elapsed.start();
    }
    return m_server->listen(address, port);
}

quint16 ReplayServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

QUrl ReplayServer::url() const
{
    QUrl url;
    url.setScheme(QStringLiteral("ws"));
    if (m_server)
        url.setHost(m_server->serverAddress().toString());
    url.setPort(port());
    url.setPath(QStringLiteral("/inv"));
    return url;
}

QString ReplayServer::errorString() const
{
    return m_server ? m_server->errorString() : QString();
}

int ReplayServer::clientCount() const
{
    return static_cast<int>(m_clients.size());
}

int ReplayServer::subscribedCount() const
{
    return static_cast<int>(std::count_if(m_clients.begin(), m_clients.end(),
                                          [](const auto &c) { return c->subscribed; }));
}

qint64 ReplayServer::bytesQueued() const
{
    qint64 total = 0;
    for (const auto &c : m_clients)
        total += c->socket->bytesToWrite();
    return total;
}

ReplayServer::Client *ReplayServer::find(QWebSocket *socket)
{
    for (const auto &c : m_clients) {
        if (c->socket == socket)
            return c.get();
    }
    return nullptr;
}

void ReplayServer::onNewConnection()
{
    while (QWebSocket *socket = m_server->nextPendingConnection()) {
        auto client = std::make_unique<Client>();
        client->socket = socket;
        m_clients.push_back(std::move(client));
        connect(socket, &QWebSocket::textMessageReceived, this,
                [this, socket](const QString &message) { onTextMessage(socket, message); });
        connect(socket, &QWebSocket::disconnected, this, [this, socket] { onDisconnected(socket); });
        qCDebug(lcFeed, "replay: client connected from %s", qPrintable(socket->peerAddress().toString()));
    }
}

void ReplayServer::onTextMessage(QWebSocket *socket, const QString &message)
{
    Client *client = find(socket);
    if (!client)
        return;
    const QJsonDocument doc = QJsonDocument::fromJson(message.toUtf8());
    const QString op = doc.object().value(QLatin1String("op")).toString();
    if (client->silenced)
        return; // a connection that went silent stays silent, pongs included
    if (op == QLatin1String("unconfirmed_sub")) {
        if (!client->subscribed) {
            if (m_stalled && m_options.stallAfter > 0 && m_sent >= m_options.stallAfter) {
                // The stall of --stall-after hangs the connections it hit; a new subscriber (the client
                // reconnecting after its stall timeout) resumes the stream.
                for (const auto &c : m_clients) {
                    if (c->subscribed) {
                        c->subscribed = false;
                        c->silenced = true;
                    }
                }
                m_stalled = false;
            }
            for (const QString &again : m_recent)
                socket->sendTextMessage(again);
            client->subscribed = true;
            Q_EMIT clientSubscribed(subscribedCount());
            schedule();
        }
    } else if (op == QLatin1String("unconfirmed_unsub")) {
        client->subscribed = false;
        schedule();
    } else if (op == QLatin1String("ping")) {
        if (!m_stalled)
            socket->sendTextMessage(QStringLiteral(R"({"op":"pong"})"));
    }
    // Anything else (addr_sub, blocks_sub, garbage) is ignored, as the real service does.
}

void ReplayServer::onDisconnected(QWebSocket *socket)
{
    const auto it = std::find_if(m_clients.begin(), m_clients.end(),
                                 [socket](const auto &c) { return c->socket == socket; });
    if (it == m_clients.end())
        return;
    m_clients.erase(it);
    socket->disconnect(this);
    socket->deleteLater();
    schedule();
    Q_EMIT clientDisconnected(clientCount());
}

void ReplayServer::dropClients()
{
    for (const auto &c : m_clients) {
        c->subscribed = false;
        c->socket->close(QWebSocketProtocol::CloseCodeGoingAway, QStringLiteral("replay: dropping connection"));
    }
    schedule();
}

void ReplayServer::setStalled(bool stalled)
{
    m_stalled = stalled;
    schedule();
}

void ReplayServer::schedule()
{
    if (!m_timer)
        return;
    const bool run = !m_finished && !m_stalled && subscribedCount() > 0;
    if (!run) {
        m_timer->stop();
        return;
    }
    if (m_timer->isActive())
        return;
    // (Re)starting: no credit for the time nobody was listening.
    m_lastTickMs = m_elapsed.elapsed();
    m_tokens = 0;
    if (m_options.rate > 0)
        m_timer->start(std::clamp(static_cast<int>(1000.0 / m_options.rate), 5, 50));
    else
        m_timer->start(0);
}

bool ReplayServer::backpressured() const
{
    return std::any_of(m_clients.begin(), m_clients.end(), [](const auto &c) {
        return c->subscribed && c->socket->bytesToWrite() > kHighWaterBytes;
    });
}

// Sends the next message to every subscribed client. False when nothing more may be sent now.
bool ReplayServer::sendOne()
{
    std::optional<QByteArray> message = m_source->next();
    if (!message && m_options.loop) {
        m_source->rewind();
        message = m_source->next();
    }
    if (!message) {
        m_finished = true;
        Q_EMIT finished(m_sent);
        return false;
    }
    if (m_options.retime)
        message = retimed(*message, m_clock.nowSeconds());
    const QString text = QString::fromUtf8(*message);
    for (const auto &c : m_clients) {
        if (c->subscribed)
            c->socket->sendTextMessage(text);
    }
    if (m_options.resendOnSubscribe > 0) {
        m_recent.push_back(text);
        if (static_cast<int>(m_recent.size()) > m_options.resendOnSubscribe)
            m_recent.pop_front();
    }
    ++m_sent;
    if (m_options.count > 0 && m_sent >= m_options.count) {
        m_finished = true;
        Q_EMIT finished(m_sent);
        return false;
    }
    if (m_options.stallAfter > 0 && m_sent == m_options.stallAfter) { // once: setStalled(false) resumes
        m_stalled = true;
        return false;
    }
    if (m_options.dropEvery > 0 && m_sent % m_options.dropEvery == 0) {
        dropClients();
        return false;
    }
    return true;
}

void ReplayServer::tick()
{
    if (m_finished || m_stalled || subscribedCount() == 0) {
        schedule();
        return;
    }
    const qint64 now = m_elapsed.elapsed();
    if (m_options.rate > 0) {
        // Token bucket: credit for the elapsed time, capped so a late timer causes a small burst at most.
        const double burst = std::max(1.0, m_options.rate * 0.25);
        m_tokens = std::min(burst, m_tokens + m_options.rate * static_cast<double>(now - m_lastTickMs) / 1000.0);
        m_lastTickMs = now;
        while (m_tokens >= 1.0 && !backpressured()) {
            m_tokens -= 1.0;
            if (!sendOne())
                break;
        }
    } else {
        // As fast as the slowest subscribed client drains, in slices of at most ~20 ms so the event loop
        // gets to write the sockets (and answer pings) in between.
        QElapsedTimer slice;
        slice.start();
        bool more = true;
        while (more && !backpressured() && slice.elapsed() < 20)
            more = sendOne();
        if (m_timer->isActive())
            m_timer->setInterval(backpressured() ? 2 : 0);
    }
    schedule();
}

QByteArray ReplayServer::retimed(const QByteArray &message, std::int64_t timeSeconds)
{
    // A minimal scanner: tracks nesting and strings, remembers the root-level key whose value is being
    // read, and finds the "time" key directly inside the root's "x" object. Only that number's bytes are
    // replaced, so everything else (key order, spacing, escapes) stays byte-identical.
    const qsizetype n = message.size();
    const char *s = message.constData();
    int depth = 0;
    bool inX = false;
    for (qsizetype i = 0; i < n; ++i) {
        const char c = s[i];
        if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            --depth;
            if (depth < 2)
                inX = false;
        } else if (c == '"') {
            const qsizetype start = i + 1;
            ++i;
            while (i < n && s[i] != '"') {
                if (s[i] == '\\')
                    ++i;
                ++i;
            }
            if (i >= n)
                return message;
            const QByteArrayView str(s + start, i - start);
            qsizetype j = i + 1;
            while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
                ++j;
            if (j >= n || s[j] != ':')
                continue; // a string value, not a key
            if (depth == 1) {
                inX = str == "x";
            } else if (depth == 2 && inX && str == "time") {
                ++j;
                while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
                    ++j;
                qsizetype end = j;
                while (end < n && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == '-'
                                   || s[end] == '.' || s[end] == 'e' || s[end] == 'E' || s[end] == '+'))
                    ++end;
                if (end == j)
                    return message; // not a number: leave it alone
                QByteArray out = message;
                out.replace(j, end - j, QByteArray::number(static_cast<qlonglong>(timeSeconds)));
                return out;
            }
            i = j;
        }
    }
    return message;
}

} // namespace txpulse
