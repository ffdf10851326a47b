#pragma once

#include <QByteArray>
#include <QTcpServer>
#include <QTimer>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>

class QTcpSocket;

namespace txpulse {

// Limits the HTTP API enforces on every connection before QHttpServer sees a byte of a request.
struct HttpLimits {
    int maxRequestLineBytes = 8 * 1024;  // longer: 414, connection closed
    int maxHeaderBytes = 16 * 1024;      // all header lines together; larger: 431
    int maxHeaderCount = 100;            // more: 431
    int maxBodyBytes = 1024;             // Content-Length above this: 413 before the body is read
    int maxConnections = 256;            // more concurrent connections: 503 and close
    int maxPipelined = 16;               // complete requests waiting on one connection; more: close
    int requestTimeoutMs = 10'000;       // a started request must arrive completely within this: 408
    int idleTimeoutMs = 60'000;          // keep-alive connection without a request: closed
};

// What the guard learnt about one complete, acceptable request; HttpApi answers from this.
struct HttpRequestHead {
    QByteArray method;        // as sent: "GET", "HEAD", "OPTIONS", ...
    QByteArray target;        // request-target as sent, e.g. "/high_value_addr?limit=5"
    bool keepAlive = true;    // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive
    bool http10 = false;
    int hostCount = 0;
    QByteArray host;
    QByteArray authorization; // empty when absent (a repeated header makes the request invalid)
    QByteArray origin;
    QByteArray corsRequestMethod; // Access-Control-Request-Method
};

// A QTcpServer that screens HTTP/1.x traffic for QAbstractHttpServer (Qt 6.4), which by itself buffers a
// whole request of any size, never times a client out and accepts any number of connections.
//
// How: incomingConnection() creates each QTcpSocket, connects our readyRead slot, hands the socket to the
// bound QAbstractHttpServer (which connects its own readyRead slot during addPendingConnection()), then
// connects a second slot of ours. Slots run in connection order, so for every chunk of data we see the new
// bytes first (peek(), nothing consumed) and record what QHttpServer left unread afterwards. Our framing
// parser follows the same byte stream as QHttpServer's and stops a request at the first limit it breaks:
// it writes a JSON error (400/408/413/414/431/501) with "Connection: close" and closes the socket, so
// QHttpServer never holds more than the read buffer cap. Anything ambiguous (two Content-Length headers,
// Transfer-Encoding, obs-fold, a malformed request line) is refused rather than interpreted, so the two
// parsers cannot disagree about where a request ends. It also re-emits readyRead when QHttpServer left a
// complete pipelined request unread (6.4 parses one request per readyRead).
//
// GUI thread (the thread of the HttpApi that owns it). Owned by the QAbstractHttpServer it is bound to;
// sockets are its children and are deleted (deleteLater) when they disconnect.
class HttpGuardServer : public QTcpServer {
    Q_OBJECT
public:
    explicit HttpGuardServer(const HttpLimits &limits, QObject *parent = nullptr);
    ~HttpGuardServer() override;

    // The next complete request on `socket`, in arrival order; nullopt if the guard closed the connection.
    std::optional<HttpRequestHead> takeRequest(QTcpSocket *socket);

    int connectionCount() const { return static_cast<int>(m_connections.size()); }
    void abortAll();

    // Refusals by reason ("request_line_too_long", "too_many_connections", ...), for /metrics.
    const std::unordered_map<std::string, std::int64_t> &refusals() const { return m_refusals; }

    // A complete HTTP/1.1 error response with a JSON body {"error": ..., "reason": ...}.
    static QByteArray errorResponse(int status, const char *error, const QByteArray &reason, bool close);
    static const char *statusText(int status);
    static const QByteArray &securityHeaders(); // "X-Content-Type-Options: nosniff\r\n..." lines

protected:
    void incomingConnection(qintptr handle) override;

private:
    struct Connection;
    void beforeQHttpServer(Connection &c);
    void afterQHttpServer(Connection &c);
    void feed(Connection &c, const char *data, qint64 size);
    bool endOfLine(Connection &c);
    bool endOfHead(Connection &c);
    void refuse(Connection &c, int status, const char *error, const char *reason, const char *counter);
    void sweep();

    HttpLimits m_limits;
    std::unordered_map<QTcpSocket *, std::unique_ptr<Connection>> m_connections;
    std::unordered_map<std::string, std::int64_t> m_refusals;
    QTimer m_sweep;
};

} // namespace txpulse
