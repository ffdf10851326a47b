#pragma once

// A small blockchain.com-protocol server for FeedClient tests and the feed benchmark: listens on
// 127.0.0.1:0, answers {"op":"unconfirmed_sub"} by sending its script of messages and {"op":"ping"} with
// {"op":"pong"}, and lets a test drop or silence connections. Lives on the thread that creates it.

#include "test_data.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QWebSocket>
#include <QWebSocketServer>

#include <functional>

namespace txpulse::test {

class FeedTestServer : public QObject {
    Q_OBJECT

public:
    explicit FeedTestServer(QObject *parent = nullptr)
        : QObject(parent)
        , m_server(QStringLiteral("feed-test"), QWebSocketServer::NonSecureMode)
    {
        m_server.setMaxPendingConnections(16);
        if (!m_server.listen(QHostAddress::LocalHost, 0))
            qFatal("FeedTestServer: cannot listen: %s", qPrintable(m_server.errorString()));
        connect(&m_server, &QWebSocketServer::newConnection, this, &FeedTestServer::onNewConnection);
    }

    ~FeedTestServer() override
    {
        // The sockets are our children and die in ~QObject, after our members: keep their signals from us.
        for (QWebSocket *c : std::as_const(m_clients))
            c->disconnect(this);
        m_server.disconnect(this);
    }

    QUrl url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1/inv").arg(m_server.serverPort())); }
    quint16 port() const { return m_server.serverPort(); }

    // Sent, in order, to each client right after it subscribes.
    QList<QByteArray> script;
    bool answerPings = true;
    // Called after the script is sent (the benchmark streams from here).
    std::function<void(QWebSocket *)> onSubscribed;

    int connections = 0;
    int subscriptions = 0;
    int pings = 0;
    int disconnects = 0;
    QList<QByteArray> received; // every text message from any client
    QList<QWebSocketProtocol::CloseCode> clientCloseCodes;

    QList<QWebSocket *> clients() const { return m_clients; }

    void sendToAll(const QByteArray &text)
    {
        for (QWebSocket *c : m_clients)
            c->sendTextMessage(QString::fromUtf8(text));
    }
    void sendBinaryToAll(const QByteArray &data)
    {
        for (QWebSocket *c : m_clients)
            c->sendBinaryMessage(data);
    }
    void abortAll()
    {
        const auto clients = m_clients;
        for (QWebSocket *c : clients)
            c->abort();
    }
    void closeAll(QWebSocketProtocol::CloseCode code = QWebSocketProtocol::CloseCodeGoingAway)
    {
        const auto clients = m_clients;
        for (QWebSocket *c : clients)
            c->close(code, QStringLiteral("server going away"));
    }

Q_SIGNALS:
    void subscribed(QWebSocket *client);

private:
    void onNewConnection()
    {
        while (QWebSocket *c = m_server.nextPendingConnection()) {
            ++connections;
            // nextPendingConnection() hands the socket over without a parent: a client still open (or only
            // deleteLater()'d) when the test ends would leak (LeakSanitizer).
            c->setParent(this);
            m_clients.append(c);
            connect(c, &QWebSocket::textMessageReceived, this, [this, c](const QString &text) {
                const QByteArray msg = text.toUtf8();
                received.append(msg);
                if (msg == R"({"op":"unconfirmed_sub"})") {
                    ++subscriptions;
                    for (const QByteArray &line : std::as_const(script))
                        c->sendTextMessage(QString::fromUtf8(line));
                    if (onSubscribed)
                        onSubscribed(c);
                    Q_EMIT subscribed(c);
                } else if (msg == R"({"op":"ping"})") {
                    ++pings;
                    if (answerPings)
                        c->sendTextMessage(QStringLiteral(R"({"op":"pong"})"));
                }
            });
            connect(c, &QWebSocket::disconnected, this, [this, c] {
                ++disconnects;
                clientCloseCodes.append(c->closeCode());
                m_clients.removeAll(c);
                c->deleteLater();
            });
        }
    }

    QWebSocketServer m_server;
    QList<QWebSocket *> m_clients;
};

} // namespace txpulse::test
