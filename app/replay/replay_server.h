#pragma once

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

class QTimer;
class QWebSocket;
class QWebSocketServer;

namespace txpulse {

class Clock;

// A local WebSocket server that speaks the blockchain.com feed protocol (ws://HOST:PORT/inv): each client
// must send {"op":"unconfirmed_sub"} before it receives anything, {"op":"ping"} is answered with
// {"op":"pong"}, unknown ops are ignored. It serves a recorded NDJSON file (streamed, not loaded), an
// in-memory list of messages, or synthetic traffic (SyntheticFeed), so the app, tests and benchmarks run
// offline. This is what `txpulse-replay` runs.
//
// One shared broadcast clock: every subscribed client receives the same message at the same time; the
// stream advances only while at least one client is subscribed. Pacing is a token bucket on a QTimer
// (`rate` messages/s) or, with rate 0 ("max"), as fast as the slowest subscribed client drains: sending
// pauses while any client has more than kHighWaterBytes queued, so memory stays bounded.
//
// Lives on the thread that creates it (GUI or test thread); owns its QWebSocketServer and client sockets.
// Destroying it closes every connection.
class ReplayServer : public QObject {
    Q_OBJECT
public:
    struct Options {
        double rate = 0;              // messages per second; 0 = max
        bool loop = false;            // restart the source at its end
        bool retime = false;          // rewrite x.time of every message to the send time
        std::int64_t dropEvery = 0;   // close every client connection after each N messages (0 = never)
        std::int64_t stallAfter = 0;  // after N messages send nothing more, pongs included (0 = never);
                                      // the stalled connections stay silent, a new subscriber resumes
        std::int64_t count = 0;       // stop after N messages in total (0 = at the end of the source)
        int resendOnSubscribe = 0;    // a client subscribing after the stream started first receives the
                                      // last N messages again (duplicates after a reconnect, for tests)
    };
    static constexpr qint64 kHighWaterBytes = 1 << 20;

    explicit ReplayServer(const Options &options, QObject *parent = nullptr);
    ReplayServer(const Options &options, const Clock &clock, QObject *parent = nullptr); // for --retime tests
    ~ReplayServer() override;

    // Message sources: call one before listen().
    bool openFile(const QString &path, QString *error = nullptr); // NDJSON, one message per non-empty line
    void setMessages(QList<QByteArray> messages);
    void setSynthetic(std::uint64_t seed, std::int64_t messages); // messages 0 = unlimited

    bool listen(const QHostAddress &address = QHostAddress::LocalHost, quint16 port = 0);
    quint16 port() const;
    QUrl url() const; // ws://HOST:PORT/inv
    QString errorString() const;

    std::int64_t sent() const { return m_sent; } // messages broadcast so far
    int clientCount() const;
    int subscribedCount() const;
    qint64 bytesQueued() const; // bytes not yet written to any client socket
    bool isFinished() const { return m_finished; }

    // Test hooks for reliability work: close every client connection now; stop/resume sending (stalled
    // means no frame at all, pongs included, while the sockets stay open).
    void dropClients();
    void setStalled(bool stalled);

    // `message` with the value of its top-level "x" object's "time" replaced by `timeSeconds`; every other
    // byte unchanged. Returns the message unchanged when it has no x.time number.
    static QByteArray retimed(const QByteArray &message, std::int64_t timeSeconds);

Q_SIGNALS:
    void clientSubscribed(int subscribedClients);
    void clientDisconnected(int remainingClients);
    void finished(std::int64_t sent); // the source is exhausted (or `count` reached); connections stay open

private:
    struct Client;
    class Source;
    class FileSource;
    class ListSource;
    class SyntheticSource;

    void onNewConnection();
    void onTextMessage(QWebSocket *socket, const QString &message);
    void onDisconnected(QWebSocket *socket);
    void schedule();
    void tick();
    bool backpressured() const;
    bool sendOne();
    Client *find(QWebSocket *socket);

    Options m_options;
    std::unique_ptr<Clock> m_ownClock;
    const Clock &m_clock;
    std::unique_ptr<Source> m_source;
    QWebSocketServer *m_server = nullptr;
    QTimer *m_timer = nullptr;
    std::vector<std::unique_ptr<Client>> m_clients;
    QElapsedTimer m_elapsed;
    qint64 m_lastTickMs = 0;
    double m_tokens = 0;
    std::int64_t m_sent = 0;
    bool m_stalled = false;
    bool m_finished = false;
    std::deque<QString> m_recent; // the last resendOnSubscribe messages, oldest first
};

} // namespace txpulse
