#include "http/http_guard_server.h"

#include "support/logging.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include <algorithm>
#include <vector>

namespace txpulse {

namespace {

// Enough for the largest acceptable request plus a pipelined neighbour; QTcpSocket stops reading from the
// kernel when this much is buffered, which caps what QHttpServer can hold per connection.
constexpr qint64 kReadBufferBytes = 64 * 1024;
constexpr qint64 kRefusedLingerMs = 5'000;

qint64 monotonicMs()
{
    static const QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.elapsed();
}

bool isTchar(char ch)
{
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 'a' && c <= 'z')
        return true;
    if (c >= 'A' && c <= 'Z')
        return true;
    if (c >= '0' && c <= '9')
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
}

bool isToken(QByteArrayView v)
{
    return !v.isEmpty() && std::all_of(v.begin(), v.end(), isTchar);
}

bool isVisibleAscii(QByteArrayView v)
{
    return std::all_of(v.begin(), v.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return c > 0x20 && c < 0x7f;
    });
}

bool hasControlChars(QByteArrayView v)
{
    return std::any_of(v.begin(), v.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return (c < 0x20 && c != '\t') || c == 0x7f;
    });
}

} // namespace

struct HttpGuardServer::Connection {
    enum class Phase { RequestLine, Headers, Body };

    QTcpSocket *socket = nullptr;
    Phase phase = Phase::RequestLine;
    bool refused = false;
    qint64 refusedAtMs = 0;
    qint64 availableAfter = 0;  // what QHttpServer left unread after its readyRead slot
    qint64 requestStartMs = 0;  // first byte of the request being received; 0 between requests
    qint64 lastActivityMs = 0;

    QByteArray line;
    qint64 headerBytes = 0;
    int headerCount = 0;
    qint64 bodyRemaining = 0;

    HttpRequestHead head;
    bool http10 = false;
    bool connectionClose = false;
    bool connectionKeepAlive = false;
    bool connectionUpgrade = false;
    int contentLengthCount = 0;
    qint64 contentLength = 0;
    bool transferEncoding = false;
    int authorizationCount = 0;

    std::deque<HttpRequestHead> complete; // whole requests QHttpServer has not handed to us yet

    void resetRequest()
    {
        phase = Phase::RequestLine;
        line.clear();
        headerBytes = 0;
        headerCount = 0;
        bodyRemaining = 0;
        head = HttpRequestHead();
        http10 = connectionClose = connectionKeepAlive = connectionUpgrade = transferEncoding = false;
        contentLengthCount = authorizationCount = 0;
        contentLength = 0;
        requestStartMs = 0;
    }
};

HttpGuardServer::HttpGuardServer(const HttpLimits &limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits)
{
    m_sweep.setInterval(std::clamp(m_limits.requestTimeoutMs / 4, 20, 1000));
    connect(&m_sweep, &QTimer::timeout, this, &HttpGuardServer::sweep);
    m_sweep.start();
}

HttpGuardServer::~HttpGuardServer()
{
    // Sockets are our children and die with us; their destroyed() handlers must not touch the map.
    for (auto &[socket, connection] : m_connections)
        socket->disconnect(this);
}

void HttpGuardServer::incomingConnection(qintptr handle)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(handle)) {
        delete socket;
        return;
    }
    if (static_cast<int>(m_connections.size()) >= m_limits.maxConnections) {
        ++m_refusals["too_many_connections"];
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        socket->write(errorResponse(503, "unavailable", "too many concurrent connections", true));
        socket->disconnectFromHost();
        return;
    }
    socket->setReadBufferSize(kReadBufferBytes);

    auto owned = std::make_unique<Connection>();
    Connection &c = *owned;
    c.socket = socket;
    c.lastActivityMs = monotonicMs();
    m_connections.emplace(socket, std::move(owned));

    connect(socket, &QObject::destroyed, this, [this, socket] { m_connections.erase(socket); });
    // Order matters: ours, then QAbstractHttpServer's (connected inside addPendingConnection() through
    // pendingConnectionAvailable), then ours again.
    connect(socket, &QTcpSocket::readyRead, this, [this, &c] { beforeQHttpServer(c); });
    addPendingConnection(socket);
    connect(socket, &QTcpSocket::readyRead, this, [this, &c] { afterQHttpServer(c); });
}

std::optional<HttpRequestHead> HttpGuardServer::takeRequest(QTcpSocket *socket)
{
    const auto it = m_connections.find(socket);
    if (it == m_connections.end() || it->second->refused)
        return std::nullopt;
    Connection &c = *it->second;
    if (c.complete.empty()) {
        // QHttpServer found a request where our parser did not: never answer what we did not screen.
        qCWarning(lcApi) << "request framing mismatch; closing connection";
        refuse(c, 400, "bad_request", "malformed request", "framing_mismatch");
        return std::nullopt;
    }
    HttpRequestHead head = std::move(c.complete.front());
    c.complete.pop_front();
    return head;
}

void HttpGuardServer::abortAll()
{
    std::vector<QTcpSocket *> sockets;
    sockets.reserve(m_connections.size());
    for (auto &[socket, connection] : m_connections)
        sockets.push_back(socket);
    for (QTcpSocket *socket : sockets)
        socket->abort();
}

void HttpGuardServer::beforeQHttpServer(Connection &c)
{
    if (c.refused)
        return;
    const qint64 available = c.socket->bytesAvailable();
    const qint64 fresh = available - c.availableAfter;
    if (fresh <= 0)
        return; // our own re-emitted readyRead, or nothing new
    c.lastActivityMs = monotonicMs();
    const QByteArray buffered = c.socket->peek(available);
    const qint64 skip = buffered.size() - fresh;
    if (skip < 0)
        return;
    feed(c, buffered.constData() + skip, fresh);
}

void HttpGuardServer::afterQHttpServer(Connection &c)
{
    c.availableAfter = c.socket->bytesAvailable();
    if (!c.refused && !c.complete.empty() && c.availableAfter > 0) {
        QTcpSocket *socket = c.socket;
        QMetaObject::invokeMethod(socket, [socket] { Q_EMIT socket->readyRead(); }, Qt::QueuedConnection);
    }
}

void HttpGuardServer::feed(Connection &c, const char *data, qint64 size)
{
    for (qint64 i = 0; i < size && !c.refused; ++i) {
        const char ch = data[i];
        switch (c.phase) {
        case Connection::Phase::Body: {
            const qint64 n = std::min(c.bodyRemaining, size - i);
            c.bodyRemaining -= n;
            i += n - 1;
            if (c.bodyRemaining == 0) {
                c.complete.push_back(std::move(c.head));
                c.resetRequest();
                if (static_cast<int>(c.complete.size()) > m_limits.maxPipelined)
                    refuse(c, 503, "unavailable", "too many pipelined requests", "too_many_pipelined");
            }
            break;
        }
        case Connection::Phase::RequestLine:
            // QHttpServer skips this whitespace before a request line; so do we, to stay in step.
            if (c.line.isEmpty() && (ch == '\v' || ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t'))
                break;
            if (c.requestStartMs == 0)
                c.requestStartMs = monotonicMs();
            if (ch == '\n') {
                endOfLine(c);
            } else {
                c.line.append(ch);
                if (c.line.size() > m_limits.maxRequestLineBytes)
                    refuse(c, 414, "uri_too_long", "request line too long", "request_line_too_long");
            }
            break;
        case Connection::Phase::Headers:
            if (ch == '\n') {
                endOfLine(c);
            } else {
                c.line.append(ch);
                if (++c.headerBytes > m_limits.maxHeaderBytes)
                    refuse(c, 431, "headers_too_large", "request headers too large", "headers_too_large");
            }
            break;
        }
    }
}

bool HttpGuardServer::endOfLine(Connection &c)
{
    QByteArray line = std::exchange(c.line, QByteArray());
    if (line.endsWith('\r'))
        line.chop(1);

    if (c.phase == Connection::Phase::RequestLine) {
        const QList<QByteArray> parts = line.split(' ');
        if (parts.size() != 3 || !isToken(parts[0]) || parts[1].isEmpty() || !isVisibleAscii(parts[1])) {
            refuse(c, 400, "bad_request", "malformed request line", "bad_request_line");
            return false;
        }
        if (parts[2] == "HTTP/1.0") {
            c.http10 = true;
        } else if (parts[2] != "HTTP/1.1") {
            refuse(c, 505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are supported",
                   "bad_version");
            return false;
        }
        c.head.method = parts[0];
        c.head.target = parts[1];
        c.phase = Connection::Phase::Headers;
        return true;
    }

    if (line.isEmpty())
        return endOfHead(c);

    if (line.front() == ' ' || line.front() == '\t') {
        refuse(c, 400, "bad_request", "folded header lines are not accepted", "bad_header");
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    const QByteArrayView name = QByteArrayView(line).first(std::max<qsizetype>(colon, 0));
    if (colon <= 0 || !isToken(name)) {
        refuse(c, 400, "bad_request", "malformed header line", "bad_header");
        return false;
    }
    const QByteArray value = line.mid(colon + 1).trimmed();
    if (hasControlChars(value)) {
        refuse(c, 400, "bad_request", "control characters in a header value", "bad_header");
        return false;
    }
    if (++c.headerCount > m_limits.maxHeaderCount) {
        refuse(c, 431, "headers_too_large", "too many request headers", "too_many_headers");
        return false;
    }

    const QByteArray lower = name.toByteArray().toLower();
    if (lower == "content-length") {
        ++c.contentLengthCount;
        bool ok = !value.isEmpty() && value.size() <= 18
                  && std::all_of(value.begin(), value.end(), [](char d) { return d >= '0' && d <= '9'; });
        c.contentLength = ok ? value.toLongLong(&ok) : 0;
        if (!ok) {
            refuse(c, 400, "bad_request", "invalid Content-Length", "bad_content_length");
            return false;
        }
    } else if (lower == "transfer-encoding") {
        c.transferEncoding = true;
    } else if (lower == "connection") {
        // QHttpServer treats any Connection value containing "upgrade" as a protocol switch.
        c.connectionUpgrade |= value.toLower().contains("upgrade");
        for (const QByteArray &token : value.toLower().split(',')) {
            const QByteArray t = token.trimmed();
            c.connectionClose |= t == "close";
            c.connectionKeepAlive |= t == "keep-alive";
        }
    } else if (lower == "host") {
        ++c.head.hostCount;
        c.head.host = value;
    } else if (lower == "authorization") {
        ++c.authorizationCount;
        c.head.authorization = value;
    } else if (lower == "origin") {
        c.head.origin = value;
    } else if (lower == "access-control-request-method") {
        c.head.corsRequestMethod = value;
    }
    return true;
}

bool HttpGuardServer::endOfHead(Connection &c)
{
    if (c.contentLengthCount > 1) {
        refuse(c, 400, "bad_request", "more than one Content-Length header", "bad_content_length");
        return false;
    }
    if (c.transferEncoding) {
        refuse(c, 501, "not_implemented", "Transfer-Encoding is not supported", "transfer_encoding");
        return false;
    }
    if (c.contentLength > m_limits.maxBodyBytes) {
        refuse(c, 413, "payload_too_large", "request body too large", "body_too_large");
        return false;
    }
    const QByteArray &m = c.head.method;
    if (c.contentLength > 0 && (m == "GET" || m == "HEAD" || m == "OPTIONS")) {
        refuse(c, 400, "bad_request", "this method takes no request body", "unexpected_body");
        return false;
    }
    if (c.connectionUpgrade) {
        refuse(c, 501, "not_implemented", "protocol upgrades are not supported", "upgrade");
        return false;
    }
    if (c.authorizationCount > 1) {
        refuse(c, 400, "bad_request", "more than one Authorization header", "bad_header");
        return false;
    }
    c.head.keepAlive = c.http10 ? c.connectionKeepAlive && !c.connectionClose : !c.connectionClose;
    c.head.http10 = c.http10;
    if (c.contentLength > 0) {
        c.phase = Connection::Phase::Body;
        c.bodyRemaining = c.contentLength;
        return true;
    }
    c.complete.push_back(std::move(c.head));
    c.resetRequest();
    if (static_cast<int>(c.complete.size()) > m_limits.maxPipelined) {
        refuse(c, 503, "unavailable", "too many pipelined requests", "too_many_pipelined");
        return false;
    }
    return true;
}

void HttpGuardServer::refuse(Connection &c, int status, const char *error, const char *reason,
                             const char *counter)
{
    if (c.refused)
        return;
    c.refused = true;
    c.refusedAtMs = monotonicMs();
    c.complete.clear();
    ++m_refusals[counter];
    qCDebug(lcApi) << "refusing connection from" << c.socket->peerAddress() << status << reason;

    QTcpSocket *socket = c.socket;
    // Drop what is buffered so QHttpServer has nothing left to parse; its transaction (if one is open)
    // is ours to abandon since the connection ends here.
    if (socket->isTransactionStarted())
        socket->rollbackTransaction();
    socket->skip(socket->bytesAvailable());
    c.availableAfter = 0;
    socket->write(errorResponse(status, error, QByteArray(reason), true));
    socket->disconnectFromHost();
}

void HttpGuardServer::sweep()
{
    const qint64 now = monotonicMs();
    std::vector<Connection *> timedOut;
    std::vector<QTcpSocket *> idle;
    for (auto &[socket, connection] : m_connections) {
        Connection &c = *connection;
        if (c.refused) {
            if (now - c.refusedAtMs > kRefusedLingerMs)
                idle.push_back(socket);
        } else if (c.requestStartMs > 0 && now - c.requestStartMs > m_limits.requestTimeoutMs) {
            timedOut.push_back(&c);
        } else if (c.requestStartMs == 0 && c.complete.empty() && now - c.lastActivityMs > m_limits.idleTimeoutMs) {
            idle.push_back(socket);
        }
    }
    for (Connection *c : timedOut)
        refuse(*c, 408, "request_timeout", "request not received in time", "request_timeout");
    for (QTcpSocket *socket : idle)
        socket->abort();
}

const QByteArray &HttpGuardServer::securityHeaders()
{
    static const QByteArray headers = QByteArrayLiteral(
        "X-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n"
        "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
        "Referrer-Policy: no-referrer\r\n");
    return headers;
}

QByteArray HttpGuardServer::errorResponse(int status, const char *error, const QByteArray &reason, bool close)
{
    const QByteArray body =
        QJsonDocument(QJsonObject{{QStringLiteral("error"), QLatin1String(error)},
                                  {QStringLiteral("reason"), QString::fromUtf8(reason)}})
            .toJson(QJsonDocument::Compact);
    QByteArray out;
    out.reserve(512 + body.size());
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + statusText(status) + "\r\n";
    out += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += securityHeaders();
    if (close)
        out += "Connection: close\r\n";
    out += "\r\n";
    out += body;
    return out;
}

const char *HttpGuardServer::statusText(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 421: return "Misdirected Request";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    }
    return "Unknown";
}

} // namespace txpulse
