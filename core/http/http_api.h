#pragma once

#include "support/config.h"
#include "support/error.h"
#include "http/http_guard_server.h"
#include "http/route_table.h"
#include "store/snapshot.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QTimer>

#include <deque>
#include <map>
#include <memory>
#include <vector>

class QTcpSocket;

namespace txpulse {

class HttpApiServer;

// The REST API: the seed's routes, /api/v1, CSV, /metrics and the OpenAPI document, served by a
// QAbstractHttpServer (QtHttpServer 6.4) behind an HttpGuardServer that enforces request limits,
// timeouts and a connection cap. Handlers read only SnapshotHub::load() and never block on Redis or Kafka;
// rendered bodies are cached per snapshot, so a repeated request costs a hash lookup and one socket write.
//
// Safe by default: binds 127.0.0.1:8080 (Config::httpHost/httpPort, port 0 picks a free port); refuses to
// start on a non-loopback address without a token (Config::httpToken, or TXPULSE_HTTP_TOKEN); with a
// token, every route but /health needs "Authorization: Bearer <token>"; the Host header must name the
// bound address (DNS rebinding); GET and HEAD only; CORS only for Config::httpCorsOrigins.
//
// GUI thread: create, start(), stop() and destroy it on the thread that runs its event loop. Owns the
// HTTP server, the listening socket and the connections (QObject children); stop() or the destructor
// closes them. The SnapshotHub must outlive it.
class HttpApi : public QObject {
    Q_OBJECT
public:
    HttpApi(const Config &config, SnapshotHub &hub, QObject *parent = nullptr);
    ~HttpApi() override;

    void setLimits(const HttpLimits &limits); // before start()

    // Listens on Config::httpHost:httpPort. Errors: "http.insecure" (non-loopback without a token),
    // "http.address" (host is not an IP address or "localhost"), "http.bind" (listen failed, with the
    // system's reason). httpPort -1 means disabled: start() succeeds and listens on nothing.
    Expected<void> start();
    void stop(); // closes the listener and every connection; start() may be called again

    bool isListening() const;
    quint16 port() const;         // the bound port (useful with httpPort 0); 0 when not listening
    QHostAddress address() const; // the bound address

    // The routes this API serves: core routes and every aggregate's (aggregates/aggregate_routes.h). More may be
    // added before start().
    http::RouteTable &routes() { return m_routes; }

private:
    struct Body {
        Body() = default;
        Body(int s, QByteArray type, QByteArray content, QByteArray extra = {})
            : status(s), contentType(std::move(type)), body(std::move(content)), headers(std::move(extra))
        {
        }
        int status = 200;
        QByteArray contentType;
        QByteArray body;
        QByteArray headers; // extra header lines, each ending with CRLF
        QByteArray wire;    // the whole response for a plain keep-alive GET, built once when cached
    };
    using BodyPtr = std::shared_ptr<const Body>;
    struct Reply {
        int route = -1; // index into m_routes.routes(); -1: unmatched
        BodyPtr body;
    };

    void addCoreRoutes();
    void handle(QTcpSocket *socket);
    Reply dispatch(const HttpRequestHead &head);
    BodyPtr routeBody(const http::Route &route, const http::RouteTable::Match &match, const QByteArray &rawQuery);
    BodyPtr cached(const QByteArray &key, const std::function<Body()> &render);
    QByteArray metricsText();
    QByteArray statsText(const Snapshot &s) const;
    void write(QTcpSocket *socket, const HttpRequestHead &head, const Reply &reply);
    QByteArray serialize(const Body &body, const HttpRequestHead &head) const;
    bool hostAllowed(const QByteArray &host) const;
    bool authorized(const QByteArray &authorization) const;
    void sampleRates();

    static BodyPtr error(int status, const char *error, const QByteArray &reason, QByteArray headers = {});

    Config m_config;
    SnapshotHub &m_hub;
    HttpLimits m_limits;
    QByteArray m_tokenDigest; // SHA-256 of the token; empty when no token is configured
    QList<QByteArray> m_allowedHosts;
    bool m_anyIpHost = false; // bound to a wildcard address: any IP-literal Host is the server itself
    QList<QByteArray> m_corsOrigins;
    QHostAddress m_address;

    // Per-snapshot response cache: the snapshot is immutable, so bodies stay valid until it changes.
    SnapshotPtr m_cacheSnapshot;
    QHash<QByteArray, BodyPtr> m_cache;

    http::RouteTable m_routes;
    QByteArray m_openApi; // generated from m_routes on first request
    std::vector<std::map<int, std::int64_t>> m_requests; // per route (then unmatched): count by status

    struct RateSample {
        qint64 atMs = 0;
        StatsSample stats;
    };
    std::deque<RateSample> m_rateSamples;
    QElapsedTimer m_monotonic;
    QTimer m_rateTimer;

    HttpApiServer *m_server = nullptr; // child
    HttpGuardServer *m_guard = nullptr; // child of m_server
};

} // namespace txpulse
